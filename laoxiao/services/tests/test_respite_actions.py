"""Respite (issue 13 part 8): the days a year and per booking, a free bed every day, who may book,
cancel and mark used; parallel bookings cannot both take the last bed (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import override_settings

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.errors import NotFound
from laoxiao.services.actions import respite as actions
from laoxiao.services.actions.meals import meals_record
from laoxiao.services.models import RespiteBooking
from laoxiao.services.tests.factories_meals import (
    make_diner,
    make_family,
    make_home,
    make_meal_point,
    make_operator,
    make_person,
)

D = dt.date(2025, 7, 1)


@pytest.fixture(autouse=True)
def _today(settings: Any) -> None:
    settings.LAOXIAO_TODAY = "2025-06-30"


def _book(actor: Any, elder: Any, home: Any, start: dt.date, days: int) -> RespiteBooking:
    return actions.respite_book(
        actor=actor, elder=elder, provider=home, start_on=start, end_on=start + dt.timedelta(days=days - 1)
    )


@pytest.mark.django_db
def test_quota_per_year_and_per_booking(xiangshan_officer: Any, city: Any) -> None:
    home = make_home(beds=10, occupied=0)
    elder = make_person(xiangshan_officer)
    fam = make_family(elder)
    assert _book(fam, elder, home, D, 7).days == 7
    with pytest.raises(ValidationError) as err:
        _book(fam, elder, home, D + dt.timedelta(days=20), 8)  # over max per booking
    assert "end_on" in err.value.message_dict
    assert _book(fam, elder, home, D + dt.timedelta(days=20), 5).days == 5  # 12 of 12
    with pytest.raises(ValidationError) as err:
        _book(fam, elder, home, D + dt.timedelta(days=40), 1)
    assert "end_on" in err.value.message_dict
    first = RespiteBooking.objects.order_by("pk").first()
    assert first is not None
    actions.respite_cancel(actor=fam, booking=first)
    assert _book(fam, elder, home, D + dt.timedelta(days=40), 7).status == "booked"  # freed by the cancel


@pytest.mark.django_db
def test_free_bed_every_day(xiangshan_officer: Any, city: Any) -> None:
    home = make_home(beds=10, occupied=9)
    a, b = make_person(xiangshan_officer), make_person(xiangshan_officer)
    _book(xiangshan_officer, a, home, D + dt.timedelta(days=3), 2)
    with pytest.raises(ValidationError) as err:
        _book(xiangshan_officer, b, home, D, 5)  # day 4 and 5 are full
    assert "start_on" in err.value.message_dict
    assert _book(xiangshan_officer, b, home, D, 3).days == 3


@pytest.mark.django_db
def test_who_may_book_cancel_and_mark_used(xiangshan_officer: Any, city: Any) -> None:
    home = make_home(beds=10, occupied=0)
    elder = make_person(xiangshan_officer)
    stranger = make_user("fam_x", ["family_member"], [])
    with pytest.raises(NotFound):  # no live link: the person does not exist for them
        _book(stranger, elder, home, D, 2)
    with pytest.raises(NotFound):
        _book(make_user("sx_mz5", ["civil_affairs_county"], ["340621000000"]), elder, home, D, 2)
    other_op = make_operator(make_home(), name="op_other")
    with pytest.raises(NotFound):
        _book(other_op, elder, home, D, 2)
    op = make_operator(home)
    booking = _book(op, elder, home, D, 2)
    worker = make_user("cw", ["community_worker"], ["340603001001"])
    assert _book(worker, elder, home, D + dt.timedelta(days=10), 1).booked_by == worker
    with pytest.raises(ValidationError):
        actions.respite_mark_used(actor=op, booking=booking)  # not begun yet
    with override_settings(LAOXIAO_TODAY=booking.start_on.isoformat()):
        assert actions.respite_mark_used(actor=op, booking=booking).status == "used"
    with pytest.raises(ValidationError):
        actions.respite_cancel(actor=op, booking=booking)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real parallel writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_bookings_take_the_last_bed_once(city: Any) -> None:
    officer = make_user("xs_par2", ["civil_affairs_county"], ["340603000000"])
    home = make_home(beds=10, occupied=9)
    people = [make_person(officer) for _ in range(6)]

    def book(elder: Any) -> str:
        try:
            _book(officer, elder, home, D, 3)
            return "ok"
        except ValidationError:
            return "refused"
        finally:
            if threading.current_thread() is not threading.main_thread():
                connections.close_all()

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(book, people))
    assert sorted(results) == ["ok"] + ["refused"] * 5
    assert RespiteBooking.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real parallel writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_bookings_of_one_person_keep_the_quota(city: Any) -> None:
    officer = make_user("xs_par3", ["civil_affairs_county"], ["340603000000"])
    home = make_home(beds=20, occupied=0)
    elder = make_person(officer)
    starts = [D + dt.timedelta(days=10 * i) for i in range(4)]  # 4 × 5 days, 12 a year

    def book(start: dt.date) -> str:
        try:
            _book(officer, elder, home, start, 5)
            return "ok"
        except ValidationError:
            return "refused"
        finally:
            if threading.current_thread() is not threading.main_thread():
                connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(book, starts))
    assert sorted(results) == ["ok", "ok", "refused", "refused"]
    assert actions.days_used(elder, 2025) == 10


@pytest.mark.django_db
def test_system_bulk_meals_without_actor(xiangshan_officer: Any, city: Any) -> None:
    point = make_meal_point()
    elder = make_person(xiangshan_officer, age=72)
    make_diner(elder, point)
    row = {
        "elder": elder,
        "provider": point,
        "served_on": dt.date(2025, 6, 2),
        "slot": "lunch",
        "mode": "delivered",
        "verified_by": "ss_card",
        "price_fen": 800,
        "external_ref": "D1",
    }
    out = meals_record(actor=None, rows=[row, {**row, "slot": "dinner", "external_ref": "D2"}])
    assert out.created == 2 and out.capped == [1]
