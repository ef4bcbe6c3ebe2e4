"""The services API: monthly provider claims, their lines and call-backs (mounted at
/api/v1/services by ``laoxiao.api.main``). Amounts in fen. (No ``from __future__ import
annotations`` here: ninja must see the real ``Query[...]`` types.)"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from laoxiao.api.idempotency import idempotent
from laoxiao.api.pagination import Pages
from laoxiao.core.schemas import contract
from laoxiao.providers.models import Provider
from laoxiao.services.actions import claims as actions
from laoxiao.services.models import Callback, ServiceClaim
from laoxiao.services.schemas import ProviderNamed
from laoxiao.services.selectors import claims as selectors
from laoxiao.services.selectors.claims import parse_period

router = Router(tags=["services"])

MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class ClaimFilters(Schema):
    period: str | None = Field(None, pattern=MONTH, description="the month, YYYY-MM")
    provider: str | None = Field(None, max_length=18, description="the provider's unified social credit code")
    status: ServiceClaim.Status | None = None


class ClaimOut(ProviderNamed):
    id: int
    region_code: str
    period: str
    status: str
    visits: int
    verified: int
    flagged: int
    minutes: int
    amount_claimed_fen: int
    amount_payable_fen: int
    signature: str
    prepared_at: dt.datetime | None
    approved_at: dt.datetime | None
    note: str

    @staticmethod
    def resolve_period(obj: Any) -> str:
        return f"{obj.period:%Y-%m}"


class ClaimLineOut(Schema):
    visit_id: int
    service_day: dt.date
    item: str
    minutes: int
    price_fen: int
    payable_fen: int

    @staticmethod
    def resolve_service_day(obj: Any) -> dt.date:
        return obj.visit.service_day

    @staticmethod
    def resolve_item(obj: Any) -> str:
        return str(obj.visit.item_id)

    @staticmethod
    def resolve_minutes(obj: Any) -> int:
        return int(obj.visit.minutes)


class CallbackOut(Schema):
    id: int
    claim_id: int
    visit_id: int
    region_code: str
    answer: str
    answered_at: dt.datetime | None
    note: str


class ClaimDetailOut(ClaimOut):
    lines: list[ClaimLineOut]
    callbacks: list[CallbackOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(selectors.claim_lines(obj))

    @staticmethod
    def resolve_callbacks(obj: Any) -> list[Any]:
        return list(obj.callbacks_shown)  # set by the view: what the caller may see


class BuildIn(Schema):
    period: str = Field(..., pattern=MONTH, description="the month, YYYY-MM")
    provider: str | None = Field(None, max_length=18, description="only this provider (credit code)")


class BuildOut(Schema):
    period: str
    claims: int
    created: int
    updated: int
    unchanged: int
    approved_kept: int
    approved_changed: list[int]
    lines_created: int
    lines_updated: int
    lines_deleted: int
    callbacks_created: int


@contract(ServiceClaim)
class ApproveIn(Schema):
    note: str = ""


@contract(ServiceClaim)
class ReturnIn(Schema):
    note: str = Field(..., min_length=1)


@contract(Callback)
class CallbackAnswerIn(Schema):
    answer: Callback.Answer
    note: str = ""


class CallbackFilters(Schema):
    claim: int | None = Field(None, ge=1, le=2**63 - 1)
    answer: Callback.Answer | None = None


def _detail(actor: Any, claim: ServiceClaim) -> ServiceClaim:
    claim.callbacks_shown = list(selectors.callback_list(actor=actor, claim=claim))
    return claim


@router.get("/claims", response=list[ClaimOut], summary="Monthly provider claims (period, provider, status)")
@paginate(Pages)
def list_claims(request: HttpRequest, filters: Query[ClaimFilters]):
    f = filters.dict()
    if f.get("status") is not None:
        f["status"] = f["status"].value if hasattr(f["status"], "value") else f["status"]
    return selectors.claim_list(actor=request.auth, **f)


@router.post("/claims/build", response=BuildOut, summary="Build or refresh the month's claims")
@idempotent
def build_claims(request: HttpRequest, payload: BuildIn):
    period = parse_period(payload.period)
    provider = None
    if payload.provider:
        provider = Provider.objects.get_for(request.auth, uscc=payload.provider.strip().upper())
    assert period is not None  # the schema's pattern
    counts = actions.claims_build(actor=request.auth, period=period, provider=provider)
    return counts.as_dict()


@router.get("/claims/{pk}", response=ClaimDetailOut, summary="One claim with its lines and call-backs")
def get_claim(request: HttpRequest, pk: int):
    return _detail(request.auth, selectors.claim_get(actor=request.auth, pk=pk))


@router.post("/claims/{pk}/approve", response=ClaimOut, summary="Approve a claim (county office)")
@idempotent
def approve_claim(request: HttpRequest, pk: int, payload: ApproveIn):
    claim = selectors.claim_get(actor=request.auth, pk=pk)
    actions.claim_approve(actor=request.auth, claim=claim, note=payload.note)
    return selectors.claim_get(actor=request.auth, pk=pk)


@router.post("/claims/{pk}/return", response=ClaimOut, summary="Send a claim back (county office)")
def return_claim(request: HttpRequest, pk: int, payload: ReturnIn):
    claim = selectors.claim_get(actor=request.auth, pk=pk)
    actions.claim_return(actor=request.auth, claim=claim, note=payload.note)
    return selectors.claim_get(actor=request.auth, pk=pk)


@router.get("/callbacks", response=list[CallbackOut], summary="Call-backs (回访) of claims (claim, answer)")
@paginate(Pages)
def list_callbacks(request: HttpRequest, filters: Query[CallbackFilters]):
    claim = selectors.claim_get(actor=request.auth, pk=filters.claim) if filters.claim else None
    answer = filters.answer.value if filters.answer is not None else None
    return selectors.callback_list(actor=request.auth, claim=claim, answer=answer)


@router.post("/callbacks/{pk}", response=CallbackOut, summary="Record a call-back's answer")
def answer_callback(request: HttpRequest, pk: int, payload: CallbackAnswerIn):
    cb = selectors.callback_get(actor=request.auth, pk=pk)
    return actions.callback_answer(
        actor=request.auth, callback=cb, answer=payload.answer.value, note=payload.note
    )
