"""Approving and returning a claim; answering its call-backs."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.services.actions.claims import callback_answer, claim_approve, claim_return, claims_build
from laoxiao.services.models import Callback, ClaimLine, ServiceClaim, ServiceVisit
from laoxiao.services.tests.factories_claims import (
    PERIOD,
    claims_world,
    make_entitlement,
    make_visit,
    sx_civil_officer,
    xs_health_officer,
    xs_township_officer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sx_civil(city: dict[str, Any]) -> Any:
    return sx_civil_officer()


@pytest.fixture
def xs_township(city: dict[str, Any]) -> Any:
    return xs_township_officer()


@pytest.fixture
def xs_health(city: dict[str, Any]) -> Any:
    return xs_health_officer()


@pytest.fixture
def w(city: dict[str, Any], admin_user: Any) -> dict[str, Any]:
    world = claims_world(admin_user)
    make_entitlement(world["a"], 100_000)
    world["visits"] = [make_visit(world["xs"], world["a"], day=PERIOD.replace(day=d)) for d in (2, 3, 4)]
    return world


def _claim(actor: Any = None, provider: Any = None) -> ServiceClaim:
    claims_build(actor=actor, period=PERIOD, provider=provider)
    return ServiceClaim.objects.get(provider=provider) if provider else ServiceClaim.objects.get()


def _answer_all(claim: ServiceClaim) -> None:
    Callback.objects.filter(claim=claim).update(answer="confirmed")


def test_a_county_officer_approves_with_a_log_row(w: dict[str, Any], xiangshan_officer: Any) -> None:
    claim = _claim()
    _answer_all(claim)
    claim_approve(actor=xiangshan_officer, claim=claim, note="ok")
    claim.refresh_from_db()
    assert claim.status == "approved"
    assert claim.approved_by == xiangshan_officer
    assert ChangeLog.objects.filter(target_type="services.serviceclaim", action="status").count() == 1


def test_approval_by_the_preparer_is_refused(w: dict[str, Any], xiangshan_officer: Any) -> None:
    claim = _claim(actor=xiangshan_officer, provider=w["xs"])
    assert claim.prepared_by == xiangshan_officer
    _answer_all(claim)
    with pytest.raises(PermissionDenied):
        claim_approve(actor=xiangshan_officer, claim=claim)
    other = make_user("xs_mz2", ["civil_affairs_county"], ["340603000000"])
    claim_approve(actor=other, claim=claim)
    assert ServiceClaim.objects.get().status == "approved"


def test_approval_by_a_township_officer_is_refused(w: dict[str, Any], xs_township: Any) -> None:
    claim = _claim()
    _answer_all(claim)
    with pytest.raises(PermissionDenied):
        claim_approve(actor=xs_township, claim=claim)
    assert ServiceClaim.objects.get().status == "prepared"


def test_a_county_officer_of_another_county_does_not_find_it(w: dict[str, Any], sx_civil: Any) -> None:
    claim = _claim()
    _answer_all(claim)
    with pytest.raises(NotFound):
        claim_approve(actor=sx_civil, claim=claim)
    with pytest.raises(NotFound):
        claim_return(actor=sx_civil, claim=claim, note="no")


def test_a_provider_operator_cannot_approve_its_claim(w: dict[str, Any]) -> None:
    op = make_user("op", ["provider_operator"], ["340603000000"], provider=w["xs"])
    claim = _claim()
    _answer_all(claim)
    with pytest.raises(PermissionDenied):
        claim_approve(actor=op, claim=claim)


def test_pending_callbacks_block_approval(w: dict[str, Any], xiangshan_officer: Any) -> None:
    claim = _claim()
    assert Callback.objects.filter(claim=claim, answer="pending").exists()
    with pytest.raises(ValidationError) as exc:
        claim_approve(actor=xiangshan_officer, claim=claim)
    assert "callbacks" in exc.value.message_dict


def test_an_edited_line_blocks_approval(w: dict[str, Any], xiangshan_officer: Any) -> None:
    claim = _claim()
    _answer_all(claim)
    ClaimLine.objects.filter(claim=claim).update(payable_fen=1)
    with pytest.raises(ValidationError) as exc:
        claim_approve(actor=xiangshan_officer, claim=claim)
    assert "signature" in exc.value.message_dict


def test_return_needs_a_note_and_the_next_build_prepares_again(
    w: dict[str, Any], xiangshan_officer: Any
) -> None:
    claim = _claim()
    with pytest.raises(ValidationError) as exc:
        claim_return(actor=xiangshan_officer, claim=claim, note=" ")
    assert "note" in exc.value.message_dict
    claim_return(actor=xiangshan_officer, claim=claim, note="check the visits")
    assert ServiceClaim.objects.get().status == "returned"
    with pytest.raises(ValidationError):
        claim_approve(actor=xiangshan_officer, claim=claim)
    claims_build(period=PERIOD)
    assert ServiceClaim.objects.get().status == "prepared"


def test_a_denied_callback_unverifies_and_drops_the_visit(w: dict[str, Any], xs_township: Any) -> None:
    claim = _claim()
    cb = Callback.objects.get(claim=claim)
    before = claim.verified
    callback_answer(actor=xs_township, callback=cb, answer="denied", note="nobody came")
    visit = ServiceVisit.objects.get(pk=cb.visit_id)
    assert visit.status == "denied"
    claim.refresh_from_db()
    assert claim.verified == before - 1
    assert not ClaimLine.objects.filter(visit=visit).exists()
    assert ChangeLog.objects.filter(target_type="services.servicevisit", action="status").count() == 1
    # the sample does not grow a new pending call-back in its place: the claim can be approved
    assert not Callback.objects.filter(claim=claim, answer="pending").exists()
    approver = make_user("xs_mz2", ["civil_affairs_county"], ["340603000000"])
    claim_approve(actor=approver, claim=claim)


def test_callbacks_are_answered_by_the_persons_region_not_the_provider(
    w: dict[str, Any], sx_civil: Any, xs_health: Any
) -> None:
    claim = _claim()
    cb = Callback.objects.get(claim=claim)
    op = make_user("op", ["provider_operator"], ["340603000000"], provider=w["xs"])
    with pytest.raises(PermissionDenied):
        callback_answer(actor=op, callback=cb, answer="confirmed")
    with pytest.raises(NotFound):
        callback_answer(actor=sx_civil, callback=cb, answer="confirmed")
    with pytest.raises(PermissionDenied):
        callback_answer(actor=xs_health, callback=cb, answer="confirmed")
    assert Callback.objects.get(pk=cb.pk).answer == "pending"


def test_a_callback_answer_must_be_a_real_answer(w: dict[str, Any], xiangshan_officer: Any) -> None:
    claim = _claim()
    cb = Callback.objects.get(claim=claim)
    for bad in ("pending", "maybe"):
        with pytest.raises(ValidationError) as exc:
            callback_answer(actor=xiangshan_officer, callback=cb, answer=bad)
        assert "answer" in exc.value.message_dict
