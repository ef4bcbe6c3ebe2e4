"""claims_build: what a claim counts, the entitlement cap, idempotence, approved claims kept,
the call-back sample."""

from __future__ import annotations

from typing import Any

import pytest

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.models import ChangeLog
from laoxiao.services.actions.claims import callback_size, claim_approve, claims_build, signature_of
from laoxiao.services.models import Callback, ClaimLine, ServiceClaim, ServiceVisit
from laoxiao.services.tests.factories_claims import PERIOD, claims_world, make_entitlement, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(city: dict[str, Any], admin_user: Any) -> dict[str, Any]:
    return claims_world(admin_user)


def test_the_claim_counts_exactly_the_verified_visits(w: dict[str, Any]) -> None:
    make_entitlement(w["a"], 1_000_000)
    counted = [
        make_visit(w["xs"], w["a"], status="verified", minutes=30, gov_fen=3000),
        make_visit(w["xs"], w["a"], status="cleared", flags=["far_from_home"], minutes=45, gov_fen=4000),
    ]
    for status in ("held", "rejected", "denied", "open"):
        make_visit(w["xs"], w["a"], status=status, minutes=100, gov_fen=9000)
    counts = claims_build(period=PERIOD)
    claim = ServiceClaim.objects.get(provider=w["xs"], period=PERIOD)
    assert counts.created == 1
    assert claim.visits == 6
    assert claim.verified == 2
    assert claim.flagged == 3  # held, cleared, rejected carry flags
    assert claim.minutes == 75
    assert claim.amount_claimed_fen == 7000
    assert claim.amount_payable_fen == 7000
    assert set(claim.lines.values_list("visit_id", flat=True)) == {v.pk for v in counted}
    assert claim.region_code == w["xs"].region_code
    assert claim.signature == signature_of((v.pk, v.gov_fen, v.gov_fen) for v in counted)
    assert ChangeLog.objects.filter(target_type="services.serviceclaim", action="create").count() == 1


@pytest.mark.parametrize("status", ["held", "rejected", "denied", "open"])
def test_a_visit_not_counted_has_no_line(w: dict[str, Any], status: str) -> None:
    make_entitlement(w["a"], 100_000)
    make_visit(w["xs"], w["a"], status=status)
    claims_build(period=PERIOD)
    claim = ServiceClaim.objects.get(provider=w["xs"])
    assert (claim.visits, claim.verified, claim.amount_claimed_fen) == (1, 0, 0)
    assert not ClaimLine.objects.exists()


def test_the_payable_stops_at_the_months_entitlement(w: dict[str, Any]) -> None:
    make_entitlement(w["a"], 10_000)
    v1 = make_visit(w["xs"], w["a"], day=PERIOD.replace(day=2), gov_fen=6000)
    v2 = make_visit(w["xs"], w["a"], day=PERIOD.replace(day=3), gov_fen=6000)
    v3 = make_visit(w["xs"], w["a"], day=PERIOD.replace(day=4), gov_fen=6000)
    claims_build(period=PERIOD)
    pay = dict(ClaimLine.objects.values_list("visit_id", "payable_fen"))
    assert pay == {v1.pk: 6000, v2.pk: 4000, v3.pk: 0}
    claim = ServiceClaim.objects.get()
    assert (claim.amount_claimed_fen, claim.amount_payable_fen) == (18000, 10000)


def test_no_entitlement_nothing_payable(w: dict[str, Any]) -> None:
    make_visit(w["xs"], w["a"], gov_fen=6000)
    claims_build(period=PERIOD)
    claim = ServiceClaim.objects.get()
    assert (claim.amount_claimed_fen, claim.amount_payable_fen) == (6000, 0)


def test_a_second_provider_shares_the_entitlement_in_time_order(w: dict[str, Any]) -> None:
    make_entitlement(w["a"], 10_000)
    make_visit(w["xs"], w["a"], day=PERIOD.replace(day=2), gov_fen=6000)
    make_visit(w["xs2"], w["a"], day=PERIOD.replace(day=3), gov_fen=6000)
    make_visit(w["xs"], w["a"], day=PERIOD.replace(day=4), gov_fen=6000)
    claims_build(period=PERIOD)
    payable = dict(ServiceClaim.objects.values_list("provider_id", "amount_payable_fen"))
    assert payable == {w["xs"].pk: 6000, w["xs2"].pk: 4000}
    # one provider built alone gives the same lines
    ServiceClaim.objects.all().delete()
    claims_build(period=PERIOD, provider=w["xs2"])
    assert ServiceClaim.objects.get().amount_payable_fen == 4000


def test_build_twice_changes_nothing(w: dict[str, Any]) -> None:
    make_entitlement(w["a"], 10_000)
    for d in range(1, 25):
        make_visit(w["xs"], w["a"], day=PERIOD.replace(day=d), gov_fen=1000)
    make_visit(w["sx"], w["c"], status="held")
    claims_build(period=PERIOD)
    before = (
        list(ServiceClaim.objects.values().order_by("pk")),
        list(ClaimLine.objects.values().order_by("pk")),
        list(Callback.objects.values().order_by("pk")),
        ChangeLog.objects.count(),
    )
    again = claims_build(period=PERIOD)
    after = (
        list(ServiceClaim.objects.values().order_by("pk")),
        list(ClaimLine.objects.values().order_by("pk")),
        list(Callback.objects.values().order_by("pk")),
        ChangeLog.objects.count(),
    )
    assert before == after
    assert (again.created, again.updated, again.unchanged, again.lines_created) == (0, 0, 2, 0)


def test_a_refresh_follows_a_changed_visit(w: dict[str, Any]) -> None:
    make_entitlement(w["a"], 100_000)
    v = make_visit(w["xs"], w["a"], status="held")
    claims_build(period=PERIOD)
    ServiceVisit.objects.filter(pk=v.pk).update(status="cleared")
    counts = claims_build(period=PERIOD)
    claim = ServiceClaim.objects.get()
    assert (counts.updated, counts.lines_created, claim.verified) == (1, 1, 1)
    ServiceVisit.objects.filter(pk=v.pk).update(status="rejected")
    counts = claims_build(period=PERIOD)
    assert counts.lines_deleted == 1
    assert ServiceClaim.objects.get().verified == 0


def test_an_approved_claim_is_not_changed_by_a_rebuild(w: dict[str, Any], xiangshan_officer: Any) -> None:
    make_entitlement(w["a"], 100_000)
    v = make_visit(w["xs"], w["a"])
    claims_build(period=PERIOD)
    claim = ServiceClaim.objects.get()
    Callback.objects.update(answer="confirmed")
    claim_approve(actor=xiangshan_officer, claim=claim)
    before = list(ServiceClaim.objects.values()), list(ClaimLine.objects.values())
    make_visit(w["xs"], w["a"], day=PERIOD.replace(day=9))
    ServiceVisit.objects.filter(pk=v.pk).update(gov_fen=9999)
    counts = claims_build(period=PERIOD)
    assert (list(ServiceClaim.objects.values()), list(ClaimLine.objects.values())) == before
    assert counts.approved_changed == [claim.pk]


def test_the_callback_sample_is_reproducible_and_at_least_the_minimum(w: dict[str, Any]) -> None:
    visits = [
        make_visit(w["xs"], w["a"], day=PERIOD.replace(day=1 + i % 28), hour=8 + i % 10) for i in range(50)
    ]
    make_visit(w["xs2"], w["b"])
    claims_build(period=PERIOD)
    first = set(Callback.objects.filter(claim__provider=w["xs"]).values_list("visit_id", flat=True))
    assert len(first) == callback_size(50, PERIOD) >= 3  # 5 % of 50, rounded up
    assert Callback.objects.filter(claim__provider=w["xs2"]).count() >= 1  # the minimum
    assert first <= {v.pk for v in visits}
    Callback.objects.all().delete()
    ServiceClaim.objects.all().delete()
    claims_build(period=PERIOD)
    assert set(Callback.objects.filter(claim__provider=w["xs"]).values_list("visit_id", flat=True)) == first


def test_an_operator_builds_only_its_own_provider(w: dict[str, Any]) -> None:
    op = make_user("op", ["provider_operator"], [], provider=w["xs"])
    make_visit(w["xs2"], w["b"])
    with pytest.raises(Exception) as exc:
        claims_build(actor=op, period=PERIOD, provider=w["xs2"])
    assert exc.type.__name__ in ("NotFound", "PermissionDenied")
    assert not ServiceClaim.objects.exists()


def test_an_operator_building_the_month_builds_its_own_claim_only(w: dict[str, Any]) -> None:
    op = make_user("op2", ["provider_operator"], [], provider=w["xs"])
    make_visit(w["xs"], w["a"])
    make_visit(w["xs2"], w["b"])
    claims_build(actor=op, period=PERIOD)
    assert list(ServiceClaim.objects.values_list("provider_id", flat=True)) == [w["xs"].pk]
    assert ServiceClaim.objects.get().prepared_by == op
