"""Family care beds and respite over the API: sign, add, check the month, book; 422 naming the
field; scope (another county's contract is not found)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from laoxiao.accounts.tests.factories import make_user
from laoxiao.services.tests.factories_meals import (
    make_assessment,
    make_family,
    make_home,
    make_person,
    make_vendor,
    make_visit,
)


@pytest.fixture(autouse=True)
def _today(settings: Any) -> None:
    settings.LAOXIAO_TODAY = "2025-06-30"


def _c(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _post(user: Any, url: str, body: dict[str, Any]) -> Any:
    return _c(user).post(f"/api/v1/services{url}", data=json.dumps(body), content_type="application/json")


@pytest.mark.django_db
def test_care_bed_flow(xiangshan_officer: Any, city: Any) -> None:
    home = make_home()
    elder = make_person(xiangshan_officer)
    mild = make_assessment(elder, "mild", on=dt.date(2025, 1, 1))
    body = {"provider": home.uscc, "elder": elder.pk, "assessment": mild.pk, "signed_on": "2025-04-01"}
    refused = _post(xiangshan_officer, "/care-beds", body)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "assessment"
    severe = make_assessment(elder, "severe")
    r = _post(xiangshan_officer, "/care-beds", {**body, "assessment": severe.pk})
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    ad = _post(
        xiangshan_officer,
        f"/care-beds/{pk}/adaptations",
        {"item": "bed_rail", "done_on": "2025-04-05", "cost_fen": 30000},
    )
    assert ad.status_code == 201 and ad.json()["adaptations"][0]["item"] == "bed_rail"
    assert (
        _post(
            xiangshan_officer, f"/care-beds/{pk}/adaptations", {"item": "x", "done_on": "2025-04-05"}
        ).json()["errors"][0]["field"]
        == "item"
    )
    make_vendor("acme")
    dev = _post(
        xiangshan_officer,
        f"/care-beds/{pk}/devices",
        {"vendor": "acme", "serial": "S1", "kind": "sos", "installed_on": "2025-04-05"},
    )
    assert dev.status_code == 201 and dev.json()["devices"][0]["serial"] == "S1", dev.content
    make_visit(elder, home, dt.date(2025, 5, 6))
    months = _post(xiangshan_officer, "/care-bed-months", {"period": "2025-05"})
    assert months.status_code == 200 and months.json()[0]["short"] is True and months.json()[0]["visits"] == 1
    detail = _c(xiangshan_officer).get(f"/api/v1/services/care-beds/{pk}").json()
    assert detail["months"][0]["short"] is True
    sx = make_user("sx_b", ["civil_affairs_county"], ["340621000000"])
    assert _c(sx).get(f"/api/v1/services/care-beds/{pk}").status_code == 404
    assert _c(sx).get("/api/v1/services/care-beds").json()["count"] == 0


@pytest.mark.django_db
def test_respite_booking_by_family(xiangshan_officer: Any, city: Any) -> None:
    home = make_home(beds=5, occupied=0)
    elder = make_person(xiangshan_officer)
    fam = make_family(elder)
    body = {"provider": home.uscc, "elder": elder.pk, "start_on": "2025-07-01", "end_on": "2025-07-07"}
    r = _post(fam, "/respite", body)
    assert r.status_code == 201, r.content
    assert _c(fam).get(f"/api/v1/services/respite/{r.json()['id']}").status_code == 200
    over = _post(fam, "/respite", {**body, "start_on": "2025-08-01", "end_on": "2025-08-06"})
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "end_on"
    assert _post(fam, f"/respite/{r.json()['id']}/cancel", {}).json()["status"] == "cancelled"
