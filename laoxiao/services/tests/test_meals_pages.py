"""The meal, care bed and respite pages render for an officer, scope (another county: 404), the
settlement is built and approved from the month page, the respite form books."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from laoxiao.accounts.tests.factories import make_user
from laoxiao.services.actions import beds as bed_actions
from laoxiao.services.actions import meals as meal_actions
from laoxiao.services.models import MealSettlement, RespiteBooking
from laoxiao.services.tests.factories_meals import (
    make_assessment,
    make_diner,
    make_home,
    make_meal_point,
    make_person,
)


@pytest.fixture(autouse=True)
def _today(settings: Any) -> None:
    settings.LAOXIAO_TODAY = "2025-06-30"


def _c(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_meal_pages_and_settlement(xiangshan_officer: Any, city: Any) -> None:
    point = make_meal_point()
    elder = make_person(xiangshan_officer, age=85)
    make_diner(elder, point)
    meal_actions.meal_record(
        actor=xiangshan_officer,
        elder=elder,
        provider=point,
        served_on=dt.date(2025, 6, 10),
        slot="lunch",
        mode="dine_in",
        verified_by="face",
        price_fen=1200,
    )
    c = _c(xiangshan_officer)
    assert point.name in c.get("/services/meals/").content.decode()
    day = c.get(f"/services/meals/{point.uscc}/?day=2025-06-10")
    assert day.status_code == 200 and elder.name in day.content.decode()
    assert c.get(f"/services/meals/{point.uscc}/month/?period=2025-06").status_code == 200
    assert c.post(f"/services/meals/{point.uscc}/settlement/", {"period": "2025-06"}).status_code == 302
    s = MealSettlement.objects.get()
    other = make_user("xs_mz_p", ["civil_affairs_county"], ["340603000000"])
    page = _c(other).get(f"/services/meals/{point.uscc}/month/?period=2025-06")
    assert f"/services/meal-settlements/{s.pk}/approve/" in page.content.decode()
    assert c.post(f"/services/meal-settlements/{s.pk}/approve/").status_code == 302
    s.refresh_from_db()
    assert s.status == "prepared"  # the preparer may not approve
    _c(other).post(f"/services/meal-settlements/{s.pk}/approve/")
    s.refresh_from_db()
    assert s.status == "approved"
    sx = make_user("sx_p", ["civil_affairs_county"], ["340621000000"])
    assert _c(sx).get(f"/services/meals/{point.uscc}/").status_code == 404


@pytest.mark.django_db
def test_bed_pages_and_respite_form(xiangshan_officer: Any, city: Any) -> None:
    home = make_home(beds=5, occupied=0)
    elder = make_person(xiangshan_officer)
    bed = bed_actions.care_bed_open(
        actor=xiangshan_officer,
        elder=elder,
        provider=home,
        assessment=make_assessment(elder, "severe"),
        signed_on=dt.date(2025, 4, 1),
    )
    bed_actions.care_beds_check_month(period=dt.date(2025, 5, 1))
    c = _c(xiangshan_officer)
    assert elder.name in c.get("/services/care-beds/").content.decode()
    detail = c.get(f"/services/care-beds/{bed.pk}/")
    assert detail.status_code == 200 and 'class="error"' in detail.content.decode()  # the short month
    sx = make_user("sx_p2", ["civil_affairs_county"], ["340621000000"])
    assert _c(sx).get(f"/services/care-beds/{bed.pk}/").status_code == 404
    form = {"provider": home.uscc, "elder": elder.pk, "start_on": "2025-07-01", "end_on": "2025-07-20"}
    refused = c.post("/services/respite/new/", form)
    assert refused.status_code == 200 and RespiteBooking.objects.count() == 0
    ok = c.post("/services/respite/new/", {**form, "end_on": "2025-07-03"})
    assert ok.status_code == 302 and RespiteBooking.objects.count() == 1
    assert c.get("/services/respite/").status_code == 200
