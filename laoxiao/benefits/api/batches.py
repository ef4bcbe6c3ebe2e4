"""The benefits API: payment batches and their items (mounted at /api/v1/benefits by
``laoxiao.api.main``). Amounts in integer fen. Every money-moving POST accepts an
``Idempotency-Key``. (No ``from __future__ import annotations`` here: ninja must see the real
``Query[...]`` types.)"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from laoxiao.api.idempotency import idempotent
from laoxiao.api.pagination import Pages
from laoxiao.benefits.actions import batches as actions
from laoxiao.benefits.models import PaymentBatch, PaymentItem, Programme
from laoxiao.benefits.selectors import batches as selectors
from laoxiao.core.errors import NotFound
from laoxiao.core.masking import mask_name

router = Router(tags=["benefits"])

MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


# the status filters as patterns (an enum class named Status would share one OpenAPI component with
# every other app's Status enum)
BATCH_STATUS = "^(" + "|".join(PaymentBatch.Status.values) + ")$"
ITEM_STATUS = "^(" + "|".join(PaymentItem.Status.values) + ")$"


class BenefitBatchFilters(Schema):
    programme: str | None = Field(None, max_length=40, description="the programme's code")
    period: str | None = Field(None, pattern=MONTH, description="the month, YYYY-MM")
    region: str | None = Field(None, pattern=r"^[0-9]{12}$", description="the city's or a county's code")
    status: str | None = Field(None, pattern=BATCH_STATUS, description="a batch status")


class BenefitBatchOut(Schema):
    id: int
    programme: str
    period: str
    region_code: str
    kind: str
    follow_up_of_id: int | None
    status: str
    build_status: str
    chunks_total: int
    chunks_done: int
    items_count: int
    total_fen: int
    held_count: int
    skipped_count: int
    signature: str
    created_at: dt.datetime
    approved_at: dt.datetime | None
    sent_at: dt.datetime | None
    job_id: int | None

    @staticmethod
    def resolve_programme(obj: Any) -> str:
        return str(obj.programme.code)

    @staticmethod
    def resolve_period(obj: Any) -> str:
        return f"{obj.period:%Y-%m}"


class BenefitBatchStatusCount(Schema):
    status: str
    count: int
    total_fen: int


class BenefitBatchDetailOut(BenefitBatchOut):
    by_status: list[BenefitBatchStatusCount]

    @staticmethod
    def resolve_by_status(obj: Any) -> list[dict[str, Any]]:
        return [c for c in selectors.status_counts(obj) if c["count"]]


class BenefitItemFilters(Schema):
    status: str | None = Field(None, pattern=ITEM_STATUS, description="an item status")


class BenefitItemOut(Schema):
    id: int
    code: str
    beneficiary_key: str
    name: str = Field(description="masked")
    region_code: str
    amount_fen: int
    status: str
    status_reason: str
    has_account: bool
    source_id: int | None
    rule_key: str
    rule_from: dt.date | None

    @staticmethod
    def resolve_name(obj: Any) -> str:
        person = obj.elder or obj.child
        if person is not None:
            return mask_name(person.name)
        return obj.provider.name if obj.provider else ""

    @staticmethod
    def resolve_has_account(obj: Any) -> bool:
        return obj.account_id is not None


class BenefitBatchIn(Schema):
    programme: str = Field(..., min_length=1, max_length=40, description="the programme's code")
    period: str = Field(..., pattern=MONTH, description="the month, YYYY-MM")
    region: str = Field("", pattern=r"^([0-9]{12})?$", description="a county's code (default: the city)")


class BenefitBatchStartOut(Schema):
    batch: BenefitBatchOut
    job_id: int | None


class BenefitCancelIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


def _get(request: HttpRequest, pk: int) -> PaymentBatch:
    return selectors.batch_get(actor=request.auth, pk=pk)


@router.get(
    "/batches", response=list[BenefitBatchOut], summary="Payment batches (programme, month, region, status)"
)
@paginate(Pages)
def list_batches(request: HttpRequest, filters: Query[BenefitBatchFilters]):
    f = filters.dict()
    if f.get("status") is not None:
        f["status"] = getattr(f["status"], "value", f["status"])
    return selectors.batch_list(actor=request.auth, **f)


@router.post(
    "/batches", response={202: BenefitBatchStartOut}, summary="Open the period's batch and build it (a job)"
)
@idempotent
def create_batch(request: HttpRequest, payload: BenefitBatchIn):
    programme = Programme.objects.filter(code=payload.programme.strip()).first()
    if programme is None:
        raise NotFound(payload.programme)
    period = selectors.parse_period(payload.period)
    assert period is not None  # the schema's pattern
    batch = actions.batch_start(
        actor=request.auth, programme=programme, period=period, region_code=payload.region
    )
    return Status(202, {"batch": _get(request, batch.pk), "job_id": batch.job_id})


@router.get("/batches/{pk}", response=BenefitBatchDetailOut, summary="One batch with its counts by status")
def get_batch(request: HttpRequest, pk: int):
    return _get(request, pk)


@router.get("/batches/{pk}/items", response=list[BenefitItemOut], summary="A batch's items (names masked)")
@paginate(Pages)
def list_batch_items(request: HttpRequest, pk: int, filters: Query[BenefitItemFilters]):
    status = getattr(filters.status, "value", filters.status)
    return selectors.batch_items(_get(request, pk), status=status)


@router.post("/batches/{pk}/approve", response=BenefitBatchOut, summary="Approve a batch (not its maker)")
@idempotent
def approve_batch(request: HttpRequest, pk: int):
    actions.batch_approve(actor=request.auth, batch=_get(request, pk))
    return _get(request, pk)


@router.post("/batches/{pk}/send", response=BenefitBatchOut, summary="Send an approved batch")
@idempotent
def send_batch(request: HttpRequest, pk: int):
    actions.batch_send(actor=request.auth, batch=_get(request, pk))
    return _get(request, pk)


@router.post(
    "/batches/{pk}/follow-up", response=BenefitBatchOut, summary="The follow-up batch of the failed items"
)
@idempotent
def follow_up_batch(request: HttpRequest, pk: int):
    follow = actions.batch_follow_up(actor=request.auth, batch=_get(request, pk))
    return _get(request, follow.pk)


@router.post("/batches/{pk}/cancel", response=BenefitBatchOut, summary="Cancel a batch not yet sent")
@idempotent
def cancel_batch(request: HttpRequest, pk: int, payload: BenefitCancelIn):
    actions.batch_cancel(actor=request.auth, batch=_get(request, pk), reason=payload.reason)
    return _get(request, pk)
