"""Each check of a visit: the visit is held with that flag and its reason; a clean one is verified."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from laoxiao.core import clock
from laoxiao.core.models import ChangeLog, RuleVersion
from laoxiao.people.models import InstitutionStay
from laoxiao.services.models import ClaimLine, ServiceClaim, ServiceVisit
from laoxiao.services.tests.factories_visits import (
    at,
    make_home_provider,
    make_operator,
    make_person,
    make_worker,
    record,
    row,
)
from laoxiao.services.verification import VisitIn, integrity_hash

DAY = dt.date(2026, 11, 10)
NOW = at(DAY, 20)
S = ServiceVisit.Status


@pytest.fixture
def w(city: dict[str, Any]) -> dict[str, Any]:
    provider = make_home_provider()
    return {
        "provider": provider,
        "op": make_operator(provider),
        "worker": make_worker(provider),
        "elder": make_person(),
    }


def one(w: dict[str, Any], **kw: Any) -> ServiceVisit:
    kw.setdefault("start", at(DAY, 9))
    with clock.frozen(kw.pop("now", NOW)):
        res = record(
            w["op"], row(w["provider"], kw.pop("worker", w["worker"]), kw.pop("elder", w["elder"]), **kw)
        )
    assert res.created == 1
    return ServiceVisit.objects.get(pk=res.visits[0].pk)


def test_a_clean_visit_is_verified_with_its_elements(w: dict[str, Any]) -> None:
    v = one(w)
    assert v.status == S.VERIFIED and v.flags == [] and v.counts
    assert v.minutes == 60 and v.distance_m == 0 and v.service_day == DAY
    assert v.gov_fen == 6000  # hv_bath, default price
    assert v.recorded_at == NOW and len(v.integrity_hash) == 64
    assert v.region_code == w["elder"].region_code
    assert ChangeLog.objects.filter(target_type="services.servicevisit", action="create").exists()


def test_an_hour_item_is_priced_per_started_hour(w: dict[str, Any]) -> None:
    v = one(w, item="hv_cleaning", minutes=61)
    assert v.status == S.VERIFIED
    assert v.gov_fen == 2 * 3500


def test_distance_beyond_the_radius(w: dict[str, Any]) -> None:
    near = one(w, north_m=250)
    assert near.status == S.VERIFIED
    far = one(w, north_m=400, start=at(DAY, 14))
    assert far.status == S.HELD and far.flags == ["distance"]
    assert "400" in far.flag_detail["distance"] and "300" in far.flag_detail["distance"]
    assert far.distance_m == 400
    assert not far.counts


def test_too_short(w: dict[str, Any]) -> None:
    v = one(w, minutes=30)  # hv_bath needs 60
    assert v.status == S.HELD and v.flags == ["too_short"]
    assert "30" in v.flag_detail["too_short"] and "60" in v.flag_detail["too_short"]


def test_two_overlapping_visits_of_one_worker_are_both_held(w: dict[str, Any]) -> None:
    other = make_person(2)
    first = one(w)
    assert first.status == S.VERIFIED
    second = one(w, elder=other, start=at(DAY, 9, 30))
    first.refresh_from_db()
    assert second.status == S.HELD and second.flags == ["overlap"]
    assert str(first.pk) in second.flag_detail["overlap"]
    assert first.status == S.HELD and "overlap" in first.flags
    assert str(second.pk) in first.flag_detail["overlap"]
    assert ChangeLog.objects.filter(target_id=str(first.pk), action="update").exists()


def test_overlap_within_one_batch_holds_both(w: dict[str, Any]) -> None:
    other = make_person(2)
    with clock.frozen(NOW):
        res = record(
            w["op"],
            row(w["provider"], w["worker"], w["elder"], start=at(DAY, 9)),
            row(w["provider"], w["worker"], other, start=at(DAY, 9, 45)),
            row(w["provider"], w["worker"], other, start=at(DAY, 11)),
        )
    got = {v.check_in_at: v for v in ServiceVisit.objects.all()}
    assert got[at(DAY, 9)].flags == ["overlap"] and got[at(DAY, 9, 45)].flags == ["overlap"]
    assert got[at(DAY, 11)].status == S.VERIFIED
    assert str(got[at(DAY, 9, 45)].pk) in got[at(DAY, 9)].flag_detail["overlap"]
    assert res.held == 2 and res.verified == 1 and res.flags["overlap"] == 2


def test_an_overlapped_visit_in_an_approved_claim_stays(w: dict[str, Any]) -> None:
    first = one(w)
    claim = ServiceClaim.objects.create(
        provider=w["provider"],
        region_code=w["provider"].region_code,
        period=DAY.replace(day=1),
        status=ServiceClaim.Status.APPROVED,
    )
    ClaimLine.objects.create(
        claim=claim, visit=first, region_code=first.region_code, elder=w["elder"], price_fen=1, payable_fen=1
    )
    second = one(w, elder=make_person(2), start=at(DAY, 9, 30))
    first.refresh_from_db()
    assert second.status == S.HELD and first.status == S.VERIFIED


def test_after_death(w: dict[str, Any]) -> None:
    w["elder"].died_on = DAY - dt.timedelta(days=1)
    w["elder"].save()
    v = one(w)
    assert v.status == S.HELD and v.flags == ["after_death"]
    assert (DAY - dt.timedelta(days=1)).isoformat() in v.flag_detail["after_death"]


def test_on_the_day_of_death_is_not_flagged(w: dict[str, Any]) -> None:
    w["elder"].died_on = DAY
    w["elder"].save()
    assert one(w).status == S.VERIFIED


def test_during_an_institution_stay(w: dict[str, Any]) -> None:
    home = make_home_provider(12)
    InstitutionStay.objects.create(
        elder=w["elder"],
        region_code=w["elder"].region_code,
        provider=home,
        admitted_on=DAY - dt.timedelta(days=5),
    )
    v = one(w)
    assert v.status == S.HELD and v.flags == ["in_institution"]
    InstitutionStay.objects.update(left_on=DAY - dt.timedelta(days=1))
    assert one(w, start=at(DAY, 14)).status == S.VERIFIED


def test_certificate_expired(w: dict[str, Any]) -> None:
    worker = make_worker(w["provider"], seq=2, cert=(dt.date(2023, 1, 1), DAY - dt.timedelta(days=1)))
    v = one(w, worker=worker)
    assert v.status == S.HELD and v.flags == ["certificate"]
    assert DAY.isoformat() in v.flag_detail["certificate"]


def test_certificate_not_yet_issued(w: dict[str, Any]) -> None:
    worker = make_worker(w["provider"], seq=2, cert=(DAY + dt.timedelta(days=1), None))
    v = one(w, worker=worker)
    assert v.status == S.HELD and v.flags == ["certificate"]


def test_an_item_without_certificate_needs_none(w: dict[str, Any]) -> None:
    worker = make_worker(w["provider"], seq=2, cert=None)
    assert one(w, worker=worker, item="hv_walk", minutes=30).status == S.VERIFIED
    assert one(w, worker=worker, start=at(DAY, 14)).flags == ["certificate"]


def test_backfilled(w: dict[str, Any]) -> None:
    ok = one(w, now=at(DAY + dt.timedelta(days=3), 9))
    assert ok.status == S.VERIFIED
    late = one(w, start=at(DAY, 14), now=at(DAY + dt.timedelta(days=4), 16))
    assert late.status == S.HELD and late.flags == ["backfilled"]
    assert "4" in late.flag_detail["backfilled"] and "3" in late.flag_detail["backfilled"]


def test_not_employed(w: dict[str, Any]) -> None:
    gone = make_worker(w["provider"], seq=2, left_on=DAY - dt.timedelta(days=1))
    assert one(w, worker=gone).flags == ["not_employed"]
    later = make_worker(w["provider"], seq=3, hired_on=DAY + dt.timedelta(days=1))
    assert one(w, worker=later).flags == ["not_employed"]


def test_no_location(w: dict[str, Any]) -> None:
    v = one(w, lon=None, lat=None)
    assert v.status == S.HELD and v.flags == ["no_location"]
    nohome = make_person(2, home_lon=None, home_lat=None)
    assert one(w, elder=nohome, start=at(DAY, 14)).flags == ["no_location"]


def test_a_door_card_needs_no_position(w: dict[str, Any]) -> None:
    assert one(w, lon=None, lat=None, method=ServiceVisit.Method.CARD).status == S.VERIFIED


def test_a_new_radius_applies_from_its_date(w: dict[str, Any]) -> None:
    new_from = DAY + dt.timedelta(days=1)
    RuleVersion.objects.create(
        key="services.visit_checks",
        effective_from=new_from,
        data={"radius_m": 100, "max_entry_delay_days": 3, "min_minutes_tolerance": 0},
        certainty="?",
    )
    before = one(w, north_m=200)
    after = one(w, north_m=200, start=at(new_from, 9), now=at(new_from, 20))
    assert before.status == S.VERIFIED
    assert after.status == S.HELD and after.flags == ["distance"] and "100" in after.flag_detail["distance"]
    assert after.rule_versions["services.visit_checks"] != before.rule_versions["services.visit_checks"]


def test_recording_the_same_visit_again_changes_nothing(w: dict[str, Any]) -> None:
    one(w)
    with clock.frozen(NOW):
        res = record(w["op"], row(w["provider"], w["worker"], w["elder"], start=at(DAY, 9)))
    assert res.created == 0 and res.unchanged == 1
    assert ServiceVisit.objects.count() == 1
    assert ServiceVisit.objects.get().status == S.VERIFIED  # not held by overlapping itself


def test_another_providers_operator_may_not_record(w: dict[str, Any]) -> None:
    other = make_home_provider(13)
    op2 = make_operator(other, "op2")
    from django.core.exceptions import PermissionDenied

    with clock.frozen(NOW), pytest.raises(PermissionDenied):
        record(op2, row(w["provider"], w["worker"], w["elder"], start=at(DAY, 9)))
    assert not ServiceVisit.objects.exists()


def test_the_integrity_hash_of_a_stored_visit_can_be_recomputed_and_shows_an_edit(w: dict[str, Any]) -> None:
    """The hash is over UTC moments: the row read back (the database answers UTC) gives the same
    hash as the visit as sent in +08:00; a changed check-out time gives another."""
    v = one(w)

    def again(row: ServiceVisit, **change: Any) -> str:
        values = {
            "worker_id": row.worker_id,
            "elder_id": row.elder_id,
            "item_code": row.item_id,
            "method": row.method,
            "check_in_at": row.check_in_at,
            "check_out_at": row.check_out_at,
            "recorded_at": row.recorded_at,
            "check_in_lon": row.check_in_lon,
            "check_in_lat": row.check_in_lat,
            "check_out_lon": row.check_out_lon,
            "check_out_lat": row.check_out_lat,
        }
        values.update(change)
        return integrity_hash(VisitIn(**values))

    assert v.integrity_hash and again(v) == v.integrity_hash
    assert again(v, check_out_at=v.check_out_at + dt.timedelta(minutes=30)) != v.integrity_hash
