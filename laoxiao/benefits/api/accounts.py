"""The benefits API: payment accounts (masked), overpayments and their steps, a batch's anti-fraud
checks, and an officer's stop of an item for loss of eligibility (mounted at /api/v1/benefits by
``laoxiao.api.main``). Money-moving POSTs accept an ``Idempotency-Key``. (No ``from __future__
import annotations``: ninja must see the real ``Query[...]`` types.)"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from laoxiao.api.idempotency import idempotent
from laoxiao.api.pagination import Pages
from laoxiao.benefits.actions import accounts as account_actions
from laoxiao.benefits.actions import overpayments as op_actions
from laoxiao.benefits.actions.stops import benefits_stop_ineligible
from laoxiao.benefits.models import PaymentBatch, PaymentItem
from laoxiao.benefits.selectors import accounts as selectors
from laoxiao.benefits.selectors.checks import batch_checks
from laoxiao.benefits.selectors.overpayments import overpayment_get, overpayments_visible
from laoxiao.core.errors import NotFound
from laoxiao.core.masking import mask_account_number

router = Router(tags=["benefits"])


class BenefitAccountOut(Schema):
    id: int
    beneficiary_key: str
    bank_code: str
    account_number: str = Field(description="masked; the full number only through /reveal (logged)")
    account_name: str
    active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_account_number(obj: Any) -> str:
        return mask_account_number(obj.account_number or "")


class BenefitAccountIn(Schema):
    bank_code: str = Field(min_length=1, max_length=20)
    account_number: str = Field(min_length=1, max_length=40, description="12-30 digits")
    account_name: str = Field(min_length=1, max_length=100)


class BenefitOverpaymentOut(Schema):
    id: int
    item_code: str
    beneficiary_key: str
    programme: str
    region_code: str
    period: dt.date
    amount_fen: int
    recovered_fen: int
    reason: str
    status: str
    note: str
    requested_by: str | None
    decided_by: str | None

    @staticmethod
    def resolve_item_code(obj: Any) -> str:
        return str(obj.item.code)

    @staticmethod
    def resolve_beneficiary_key(obj: Any) -> str:
        return str(obj.item.beneficiary_key)

    @staticmethod
    def resolve_programme(obj: Any) -> str:
        return str(obj.programme.code)

    @staticmethod
    def resolve_requested_by(obj: Any) -> str | None:
        return obj.requested_by.username if obj.requested_by_id else None

    @staticmethod
    def resolve_decided_by(obj: Any) -> str | None:
        return obj.decided_by.username if obj.decided_by_id else None


class BenefitOverpaymentFilters(Schema):
    status: str | None = Field(None, max_length=20)
    programme: str | None = Field(None, max_length=40)


class BenefitNoteIn(Schema):
    note: str = Field("", max_length=500)


class BenefitReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class BenefitRecoverIn(Schema):
    amount_fen: int = Field(gt=0, le=2**53)
    recovered_before: int | None = Field(
        None, ge=0, le=2**53, description="what was recovered before this step: a repeat then changes nothing"
    )


class BenefitFindingOut(Schema):
    item_id: int
    item_code: str
    beneficiary_key: str
    reason: str


class BenefitCheckOut(Schema):
    key: str
    title: str
    count: int
    findings: list[BenefitFindingOut]


class BenefitChecksOut(Schema):
    batch: int
    total: int
    certainty: str
    checks: list[BenefitCheckOut]


class BenefitStopOut(Schema):
    cancelled: list[str]
    overpayments: list[int]
    marked_sent: list[str]


def _subject(request: HttpRequest, key: str) -> account_actions.Beneficiary:
    obj: Any = selectors.beneficiary_of(actor=request.auth, beneficiary_key=key)
    label = obj._meta.label_lower
    if label == "people.elder":
        return account_actions.beneficiary(elder=obj)
    if label == "people.child":
        return account_actions.beneficiary(child=obj)
    return account_actions.beneficiary(provider=obj)


@router.get("/accounts/{key}", response=BenefitAccountOut, summary="A beneficiary's current account (masked)")
def get_account(request: HttpRequest, key: str):
    who = _subject(request, key)
    account = selectors.current_account(actor=request.auth, beneficiary_key=who.key)
    if account is None:
        raise NotFound(key)
    return account


@router.post(
    "/accounts/{key}",
    response=BenefitAccountOut,
    summary="Set a beneficiary's account (replaces the current)",
)
@idempotent
def set_account(request: HttpRequest, key: str, payload: BenefitAccountIn):
    who = _subject(request, key)
    return account_actions.account_set(
        actor=request.auth,
        elder=who.elder,
        child=who.child,
        provider=who.provider,
        bank_code=payload.bank_code,
        account_number=payload.account_number,
        account_name=payload.account_name,
    )


@router.get("/overpayments", response=list[BenefitOverpaymentOut], summary="Overpayments to recover")
@paginate(Pages)
def list_overpayments(request: HttpRequest, filters: Query[BenefitOverpaymentFilters]):
    return overpayments_visible(actor=request.auth, status=filters.status, programme=filters.programme)


@router.get("/overpayments/{pk}", response=BenefitOverpaymentOut, summary="One overpayment")
def get_overpayment(request: HttpRequest, pk: int):
    return overpayment_get(actor=request.auth, pk=pk)


@router.post("/overpayments/{pk}/notify", response=BenefitOverpaymentOut, summary="Mark notified")
@idempotent
def notify_overpayment(request: HttpRequest, pk: int, payload: BenefitNoteIn):
    op = overpayment_get(actor=request.auth, pk=pk)
    op_actions.overpayment_notify(actor=request.auth, overpayment=op, note=payload.note)
    return overpayment_get(actor=request.auth, pk=pk)


@router.post("/overpayments/{pk}/recover", response=BenefitOverpaymentOut, summary="Record money recovered")
@idempotent
def recover_overpayment(request: HttpRequest, pk: int, payload: BenefitRecoverIn):
    op = overpayment_get(actor=request.auth, pk=pk)
    op_actions.overpayment_recover(
        actor=request.auth,
        overpayment=op,
        amount_fen=payload.amount_fen,
        recovered_before=payload.recovered_before,
    )
    return overpayment_get(actor=request.auth, pk=pk)


@router.post(
    "/overpayments/{pk}/write-off/request", response=BenefitOverpaymentOut, summary="Ask for a write-off"
)
@idempotent
def request_write_off(request: HttpRequest, pk: int, payload: BenefitReasonIn):
    op = overpayment_get(actor=request.auth, pk=pk)
    op_actions.overpayment_request_write_off(actor=request.auth, overpayment=op, reason=payload.reason)
    return overpayment_get(actor=request.auth, pk=pk)


@router.post(
    "/overpayments/{pk}/write-off/approve",
    response=BenefitOverpaymentOut,
    summary="Approve a write-off (not by who asked for it)",
)
@idempotent
def approve_write_off(request: HttpRequest, pk: int):
    op = overpayment_get(actor=request.auth, pk=pk)
    op_actions.overpayment_approve_write_off(actor=request.auth, overpayment=op)
    return overpayment_get(actor=request.auth, pk=pk)


@router.post(
    "/overpayments/{pk}/write-off/reject", response=BenefitOverpaymentOut, summary="Refuse a write-off"
)
@idempotent
def reject_write_off(request: HttpRequest, pk: int, payload: BenefitReasonIn):
    op = overpayment_get(actor=request.auth, pk=pk)
    op_actions.overpayment_reject_write_off(actor=request.auth, overpayment=op, reason=payload.reason)
    return overpayment_get(actor=request.auth, pk=pk)


@router.get("/batches/{pk}/checks", response=BenefitChecksOut, summary="A batch's anti-fraud checks")
def get_batch_checks(request: HttpRequest, pk: int):
    batch = PaymentBatch.objects.select_related("programme").get_for(request.auth, pk=pk)
    result = batch_checks(actor=request.auth, batch=batch)
    return {
        "batch": batch.pk,
        "total": result.total,
        "certainty": result.certainty,
        "checks": [
            {"key": c.key, "title": str(c.title), "count": c.count, "findings": c.findings}
            for c in result.checks
        ],
    }


@router.post(
    "/items/{pk}/stop", response=BenefitStopOut, summary="Stop an item: the beneficiary was not eligible"
)
@idempotent
def stop_item(request: HttpRequest, pk: int, payload: BenefitReasonIn):
    item = PaymentItem.objects.select_related("programme").get_for(request.auth, pk=pk)
    result = benefits_stop_ineligible(actor=request.auth, item=item, reason=payload.reason)
    return {
        "cancelled": [i.code for i in result.cancelled],
        "overpayments": [o.pk for o in result.overpayments],
        "marked_sent": [i.code for i in result.marked_sent],
    }
