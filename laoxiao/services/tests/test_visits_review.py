"""Reviewing held visits: who may (an independent township or county officer of the person's
region), what a decision does (cleared counts, rejected does not), check-in and check-out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.services.actions.visits import visit_check_in, visit_check_out, visit_review
from laoxiao.services.models import ServiceVisit
from laoxiao.services.tests.factories_visits import (
    HOME_LAT,
    HOME_LON,
    M_LAT,
    at,
    make_home_provider,
    make_operator,
    make_person,
    make_reviewer,
    make_worker,
    record,
    row,
)

DAY = dt.date(2026, 11, 10)
S = ServiceVisit.Status


@pytest.fixture
def held(city: dict[str, Any]) -> dict[str, Any]:
    provider = make_home_provider()
    op = make_operator(provider)
    worker = make_worker(provider)
    elder = make_person()
    with clock.frozen(at(DAY, 20)):
        res = record(op, row(provider, worker, elder, start=at(DAY, 9), minutes=20))
    visit = res.visits[0]
    assert visit.status == S.HELD
    return {"provider": provider, "op": op, "worker": worker, "elder": elder, "visit": visit}


def test_a_cleared_visit_counts(held: dict[str, Any]) -> None:
    rev = make_reviewer()
    visit_review(actor=rev, visit=held["visit"], decision="clear", note="called the family: bath done")
    v = ServiceVisit.objects.get(pk=held["visit"].pk)
    assert v.status == S.CLEARED and v.counts
    assert v.reviewed_by == rev and v.reviewed_at is not None and v.review_note
    assert v.flags == ["too_short"]  # the flag stays on record
    entry = ChangeLog.objects.get(target_id=str(v.pk), action="update")
    assert entry.changes["status"] == [S.HELD, S.CLEARED]


def test_a_rejected_visit_does_not_count(held: dict[str, Any]) -> None:
    visit_review(
        actor=make_reviewer(role="civil_affairs_township", region="340603001000"),
        visit=held["visit"],
        decision="reject",
        note="no one home",
    )
    v = ServiceVisit.objects.get(pk=held["visit"].pk)
    assert v.status == S.REJECTED and not v.counts


def test_a_note_is_required_and_only_held_visits(held: dict[str, Any]) -> None:
    rev = make_reviewer()
    with pytest.raises(ValidationError) as e:
        visit_review(actor=rev, visit=held["visit"], decision="clear", note="  ")
    assert "note" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        visit_review(actor=rev, visit=held["visit"], decision="maybe", note="x")
    assert "decision" in e.value.message_dict
    visit_review(actor=rev, visit=held["visit"], decision="clear", note="ok")
    with pytest.raises(ValidationError) as e:
        visit_review(actor=rev, visit=held["visit"], decision="reject", note="again")
    assert "status" in e.value.message_dict


def test_the_providers_operator_may_not_review(held: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        visit_review(actor=held["op"], visit=held["visit"], decision="clear", note="fine")
    assert ServiceVisit.objects.get(pk=held["visit"].pk).status == S.HELD


def test_an_officer_linked_to_the_provider_may_not_review(held: dict[str, Any]) -> None:
    # the worker's or the provider's own account holding an officer's role is still not independent
    linked = make_reviewer("linked", provider=held["provider"])
    with pytest.raises(PermissionDenied):
        visit_review(actor=linked, visit=held["visit"], decision="clear", note="fine")


def test_the_worker_may_not_review_their_own_visit(held: dict[str, Any]) -> None:
    # a worker signs in through the provider's account: linked to the provider → refused
    worker_account = make_reviewer(
        "worker1", role="civil_affairs_township", region="340603001000", provider=held["worker"].provider
    )
    with pytest.raises(PermissionDenied):
        visit_review(actor=worker_account, visit=held["visit"], decision="clear", note="I did it")


def test_a_community_officer_or_health_officer_may_not_review(held: dict[str, Any], xs_health: Any) -> None:
    community = make_reviewer("comm", role="civil_affairs_community", region="340603001001")
    with pytest.raises(PermissionDenied):
        visit_review(actor=community, visit=held["visit"], decision="clear", note="x")
    with pytest.raises(PermissionDenied):
        visit_review(actor=xs_health, visit=held["visit"], decision="clear", note="x")


def test_another_countys_officer_does_not_find_it(held: dict[str, Any]) -> None:
    with pytest.raises(NotFound):
        visit_review(
            actor=make_reviewer("sx", region="340621000000"), visit=held["visit"], decision="clear", note="x"
        )


def test_visible_to_scopes_the_visits(held: dict[str, Any]) -> None:
    other = make_operator(make_home_provider(13), "op2")
    assert ServiceVisit.objects.visible_to(held["op"]).count() == 1
    assert ServiceVisit.objects.visible_to(other).count() == 0
    assert ServiceVisit.objects.visible_to(make_reviewer()).count() == 1
    assert ServiceVisit.objects.visible_to(make_reviewer("sx", region="340621000000")).count() == 0


@pytest.fixture
def xs_health(city: dict[str, Any]) -> Any:
    return make_reviewer("xs_wj", role="health_county")


def test_check_in_then_check_out_verifies(city: dict[str, Any]) -> None:
    provider = make_home_provider()
    op = make_operator(provider)
    worker = make_worker(provider)
    elder = make_person()
    with clock.frozen(at(DAY, 9)):
        v = visit_check_in(
            actor=op,
            provider=provider,
            elder=elder,
            item="hv_bath",
            worker=worker,
            at=at(DAY, 9),
            lon=HOME_LON,
            lat=HOME_LAT,
            accuracy_m=10,
            method="app_gps",
        )
    assert v.status == S.OPEN and v.service_day == DAY
    with clock.frozen(at(DAY, 10, 5)):
        v = visit_check_out(actor=op, visit=v, at=at(DAY, 10, 5), lon=HOME_LON, lat=HOME_LAT, accuracy_m=10)
    v.refresh_from_db()
    assert v.status == S.VERIFIED and v.minutes == 65 and v.gov_fen == 6000
    with pytest.raises(ValidationError) as e:
        visit_check_out(actor=op, visit=v, at=at(DAY, 11), lon=HOME_LON, lat=HOME_LAT)
    assert "status" in e.value.message_dict


def test_check_out_far_away_holds(city: dict[str, Any]) -> None:
    provider = make_home_provider()
    op = make_operator(provider)
    worker = make_worker(provider)
    elder = make_person()
    with clock.frozen(at(DAY, 9)):
        v = visit_check_in(
            actor=op,
            provider=provider,
            elder=elder,
            item="hv_bath",
            worker=worker,
            at=at(DAY, 9),
            lon=HOME_LON,
            lat=HOME_LAT,
            accuracy_m=10,
            method="app_gps",
        )
        with pytest.raises(ValidationError) as e:
            visit_check_out(actor=op, visit=v, at=at(DAY, 8), lon=HOME_LON, lat=HOME_LAT)
        assert "at" in e.value.message_dict
        v = visit_check_out(actor=op, visit=v, at=at(DAY, 10), lon=HOME_LON, lat=HOME_LAT + 1000 * M_LAT)
    assert v.status == S.HELD and v.flags == ["distance"]


def test_check_in_refuses_another_providers_worker_and_operator(city: dict[str, Any]) -> None:
    provider = make_home_provider()
    other = make_home_provider(13)
    op = make_operator(provider)
    stranger = make_worker(other, seq=5)
    with pytest.raises(ValidationError) as e:
        visit_check_in(
            actor=op,
            provider=provider,
            elder=make_person(),
            item="hv_bath",
            worker=stranger,
            at=at(DAY, 9),
            method="card",
        )
    assert "worker" in e.value.message_dict
    with pytest.raises(PermissionDenied):
        visit_check_in(
            actor=make_operator(other, "op2"),
            provider=provider,
            elder=make_person(2),
            item="hv_bath",
            worker=make_worker(provider),
            at=at(DAY, 9),
            method="card",
        )
