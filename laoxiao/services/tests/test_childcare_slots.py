"""Childcare slots and bookings: capacity less enrolled, the kind's limits, who may book, no
overbooking (20 parallel bookings of the last place on PostgreSQL: exactly one)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test import Client

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.services.actions import childcare as actions
from laoxiao.services.models import ChildcareBooking, ChildcareSlot
from laoxiao.services.tests.factories_alarms import (
    SX1,
    make_kid,
    make_link,
    make_nursery,
    make_nursery_class,
    make_slot,
)

DAY = dt.date(2025, 3, 10)
TODAY = dt.date(2025, 3, 3)
pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real parallel writers need PostgreSQL (SQLite serialises them)"
)


@pytest.fixture
def nursery(city: Any) -> dict[str, Any]:
    provider = make_nursery()
    klass = make_nursery_class(provider, capacity=10)
    for i in range(6):
        make_kid(100 + i, klass=klass)  # 6 enrolled
    left = make_kid(120, klass=klass)
    left.moved_out_on = dt.date(2025, 1, 1)
    left.save()  # left: does not count
    health = make_user("xs_health", ["health_county"], ["340603000000"])
    operator = make_user("nursery_op", ["provider_operator"], [], provider=provider)
    return {"provider": provider, "klass": klass, "health": health, "operator": operator}


def _open(n: dict[str, Any], actor: Any = None, **kw: Any) -> ChildcareSlot:
    values: dict[str, Any] = {
        "provider": n["provider"],
        "childcare_class": n["klass"],
        "day": DAY,
        "kind": "hourly",
        "start_time": dt.time(9, 0),
        "end_time": dt.time(11, 0),
        "places": 4,
        "price_fen": 3000,
    }
    values.update(kw)
    with clock.frozen(TODAY):
        return actions.slots_open(actor=actor or n["operator"], **values)


@pytest.mark.django_db
def test_places_within_capacity_less_enrolled(nursery: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        _open(nursery, places=5)  # 10 − 6 enrolled = 4 free
    assert "places" in exc.value.message_dict
    slot = _open(nursery, places=4)
    assert slot.places == 4 and slot.booked == 0 and slot.region_code == nursery["provider"].region_code
    assert ChangeLog.objects.filter(target_type="services.childcareslot", action="create").count() == 1
    with pytest.raises(ValidationError) as exc:  # overlaps the first: no places left in the class
        _open(nursery, kind="half_day", start_time=dt.time(10, 0), end_time=dt.time(12, 0), places=1)
    assert "places" in exc.value.message_dict
    later = _open(nursery, start_time=dt.time(14, 0), end_time=dt.time(16, 0), places=4)
    assert later.pk != slot.pk


@pytest.mark.django_db
def test_kind_limits_and_content(nursery: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:  # hourly: at most 4 hours (the rule)
        _open(nursery, start_time=dt.time(8, 0), end_time=dt.time(12, 30), places=1)
    assert "end_time" in exc.value.message_dict
    assert _open(nursery, kind="half_day", start_time=dt.time(8, 0), end_time=dt.time(12, 30), places=1)
    for bad, field in (
        ({"kind": "weekly"}, "kind"),
        ({"end_time": dt.time(8, 0)}, "end_time"),
        ({"places": 0}, "places"),
        ({"day": dt.date(2025, 3, 1)}, "day"),
    ):
        with pytest.raises(ValidationError) as exc:
            _open(nursery, **bad)
        assert field in exc.value.message_dict, bad
    other = make_nursery(81)
    with pytest.raises(ValidationError) as exc:
        _open(nursery, actor=nursery["health"], provider=other)  # the class is another provider's
    assert "childcare_class" in exc.value.message_dict


@pytest.mark.django_db
def test_who_may_open(nursery: dict[str, Any]) -> None:
    assert _open(nursery, actor=nursery["health"], places=1)
    sx_health = make_user("sx_health", ["health_county"], ["340621000000"])
    with pytest.raises(NotFound):
        _open(nursery, actor=sx_health, places=1, start_time=dt.time(14, 0), end_time=dt.time(15, 0))
    civil = make_user("xs_civil", ["civil_affairs_county"], ["340603000000"])
    with pytest.raises(PermissionDenied):
        _open(nursery, actor=civil, places=1, start_time=dt.time(14, 0), end_time=dt.time(15, 0))


@pytest.mark.django_db
def test_guardian_books_and_cancels(nursery: dict[str, Any]) -> None:
    slot = make_slot(nursery["provider"], klass=nursery["klass"], places=1)
    child = make_kid(1)
    parent = make_user("mum", ["family_member"], [])
    stranger = make_user("stranger", ["family_member"], [])
    make_link(parent, child)
    make_link(stranger, make_kid(2), live=False)
    with clock.frozen(TODAY):
        with pytest.raises(NotFound):
            actions.slot_book(actor=stranger, slot=slot, child=child)  # no link to this child
        booking = actions.slot_book(actor=parent, slot=slot, child=child)
        slot.refresh_from_db()
        assert slot.booked == 1 and booking.booked_by == parent and booking.region_code == child.region_code
        with pytest.raises(ValidationError) as exc:
            actions.slot_book(actor=parent, slot=slot, child=child)
        assert "child" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            actions.slot_book(actor=nursery["operator"], slot=slot, child=make_kid(3))
        assert "slot" in exc.value.message_dict  # full
        with pytest.raises(NotFound):
            actions.booking_cancel(actor=stranger, booking=booking)
        cancelled = actions.booking_cancel(actor=parent, booking=booking)
        assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
        slot.refresh_from_db()
        assert slot.booked == 0
        assert actions.booking_cancel(actor=parent, booking=cancelled).status == "cancelled"
        slot.refresh_from_db()
        assert slot.booked == 0  # twice frees once
        again = actions.slot_book(actor=parent, slot=slot, child=child)  # a cancelled booking is no bar
        assert again.pk != booking.pk
    assert ChangeLog.objects.filter(target_type="services.childcarebooking").count() == 3


@pytest.mark.django_db
def test_past_slot_and_left_child_refused(nursery: dict[str, Any]) -> None:
    slot = make_slot(nursery["provider"], places=2, day=dt.date(2025, 3, 1))
    with clock.frozen(TODAY), pytest.raises(ValidationError) as exc:
        actions.slot_book(actor=nursery["operator"], slot=slot, child=make_kid(1))
    assert "slot" in exc.value.message_dict
    gone = make_kid(2)
    gone.died_on = dt.date(2025, 2, 1)
    gone.save()
    with clock.frozen(TODAY), pytest.raises(ValidationError) as exc:
        actions.slot_book(actor=nursery["operator"], slot=make_slot(nursery["provider"]), child=gone)
    assert "child" in exc.value.message_dict


def _post(user: Any, url: str, body: dict[str, Any]) -> Any:
    c = Client()
    c.force_login(user)
    try:
        return c.post(url, data=json.dumps(body), content_type="application/json")
    finally:
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()


@pytest.mark.django_db
def test_childcare_api(nursery: dict[str, Any], settings: Any) -> None:
    settings.LAOXIAO_TODAY = TODAY.isoformat()
    health = Client()
    health.force_login(nursery["health"])
    r = health.post(
        "/api/v1/services/childcare/slots",
        data=json.dumps(
            {
                "provider": nursery["provider"].uscc,
                "childcare_class_id": nursery["klass"].pk,
                "day": DAY.isoformat(),
                "kind": "hourly",
                "start_time": "09:00",
                "end_time": "11:00",
                "places": 9,
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "places"
    r = _post(
        nursery["health"],
        "/api/v1/services/childcare/slots",
        {
            "provider": nursery["provider"].uscc,
            "childcare_class_id": nursery["klass"].pk,
            "day": DAY.isoformat(),
            "kind": "hourly",
            "start_time": "09:00",
            "end_time": "11:00",
            "places": 1,
        },
    )
    assert r.status_code == 201 and r.json()["free"] == 1
    slot_id = r.json()["id"]
    parent = make_user("mum", ["family_member"], [])
    child = make_kid(1)
    make_link(parent, child)
    mum = Client()
    mum.force_login(parent)
    listed = mum.get(f"/api/v1/services/childcare/slots?day={DAY.isoformat()}&kind=hourly").json()
    assert [s["id"] for s in listed["items"]] == [slot_id]
    r = _post(parent, f"/api/v1/services/childcare/slots/{slot_id}/bookings", {"child_id": child.pk})
    assert r.status_code == 201, r.content.decode()
    booking_id = r.json()["id"]
    other = make_kid(2)
    r = _post(parent, f"/api/v1/services/childcare/slots/{slot_id}/bookings", {"child_id": other.pk})
    assert r.status_code == 404  # not their child
    r = _post(
        nursery["operator"], f"/api/v1/services/childcare/slots/{slot_id}/bookings", {"child_id": other.pk}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "slot"  # full
    assert (
        mum.get(f"/api/v1/services/childcare/slots?open_only=true&day={DAY.isoformat()}").json()["count"] == 0
    )
    own = mum.get("/api/v1/services/childcare/bookings").json()
    assert [b["id"] for b in own["items"]] == [booking_id]
    sx = Client()
    sx.force_login(make_user("sx_health", ["health_county"], ["340621000000"]))
    assert sx.get(f"/api/v1/services/childcare/slots/{slot_id}").status_code == 404
    assert sx.get("/api/v1/services/childcare/bookings").json()["count"] == 0
    r = _post(parent, f"/api/v1/services/childcare/bookings/{booking_id}/cancel", {})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert ChildcareSlot.objects.get(pk=slot_id).booked == 0


@pg_only
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_bookings_of_the_last_place(nursery: dict[str, Any], settings: Any) -> None:
    settings.LAOXIAO_TODAY = TODAY.isoformat()
    slot = make_slot(nursery["provider"], places=5, booked=4)  # one place left
    kids = [make_kid(200 + i, region=SX1 if i % 2 else "340603001001") for i in range(20)]
    url = f"/api/v1/services/childcare/slots/{slot.pk}/bookings"
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda k: _post(nursery["operator"], url, {"child_id": k.pk}), kids))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [422] * 19, codes
    assert all(a.json()["errors"][0]["field"] == "slot" for a in answers if a.status_code == 422)
    slot.refresh_from_db()
    assert slot.booked == slot.places == 5
    assert ChildcareBooking.objects.filter(slot=slot).count() == 1
