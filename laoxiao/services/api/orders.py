"""The services API: entitlements, orders and care plans (mounted at /api/v1/services by
``laoxiao.api.main``). (No ``from __future__ import annotations``: ninja reads the real types.)"""

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BeforeValidator

from laoxiao.api.idempotency import idempotent
from laoxiao.api.pagination import Pages
from laoxiao.core import clock
from laoxiao.core.schemas import contract
from laoxiao.people.models import Elder
from laoxiao.providers.models import StaffMember
from laoxiao.services.actions import care_plans as plan_actions
from laoxiao.services.actions import entitlements as ent_actions
from laoxiao.services.actions import orders as actions
from laoxiao.services.models import CarePlan, Entitlement, ServiceOrder
from laoxiao.services.schemas import ProviderNamed
from laoxiao.services.selectors import entitlements as ent_sel
from laoxiao.services.selectors import orders as sel

router = Router(tags=["services"])


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("Input should be a valid integer, not true or false")
    return value


# an integer of a body: JSON true/false is not a number (pydantic's lax mode would read it as 1/0)
Int = Annotated[int, BeforeValidator(_no_bool)]


# --- schemas --------------------------------------------------------------------------------------


class EntitlementOut(Schema):
    id: int
    elder_id: int
    source: str
    group: str
    monthly_fen: int
    valid_from: dt.date
    valid_to: dt.date | None
    reason: str
    rule_version: str
    note: str
    end_reason: str


class EntitlementMonthOut(Schema):
    elder_id: int
    month: str
    monthly_fen: int
    used_fen: int
    remaining_fen: int
    reasons: list[str]
    rows: list[EntitlementOut]


@contract(Entitlement)
class GrantIn(Schema):
    monthly_fen: Int = Field(gt=0)
    valid_from: dt.date
    valid_to: dt.date | None = None
    note: str = Field(min_length=1)


@contract(Entitlement)
class EndIn(Schema):
    valid_to: dt.date
    note: str = ""


@contract(Entitlement)
class RefreshIn(Schema):
    region_code: str | None = None
    on: dt.date | None = None


class RefreshOut(Schema):
    created: int
    ended: int
    updated: int
    unchanged: int


class OrderOut(ProviderNamed):
    id: int
    elder_id: int
    region_code: str
    item: str
    channel: str
    status: str
    scheduled_at: dt.datetime
    minutes: int
    note: str
    price_fen: int
    gov_fen: int
    self_fen: int
    accept_by: dt.datetime | None
    overdue: bool
    accepted_at: dt.datetime | None
    worker_id: int | None
    worker_name: str | None
    assigned_at: dt.datetime | None
    started_at: dt.datetime | None
    done_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    rating: int | None
    comment: str
    cancelled_at: dt.datetime | None
    cancel_reason: str
    disputed_at: dt.datetime | None
    complaint_id: int | None
    care_plan_id: int | None
    external_ref: str

    @staticmethod
    def resolve_item(obj: Any) -> str:
        return str(obj.item_id)

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return sel.is_overdue(obj)

    @staticmethod
    def resolve_worker_name(obj: Any) -> str | None:
        return obj.worker.name if obj.worker_id else None


@contract(ServiceOrder)
class OrderIn(Schema):
    elder_id: Int | None = Field(None, description="the person's id (or elder_id_number)")
    elder_id_number: str | None = Field(None, max_length=18, description="the person's ID number")
    provider: str = Field(description="the provider's unified social credit code", max_length=18)
    item: str = Field(description="a home-visit service item code", max_length=40)
    scheduled_at: dt.datetime
    minutes: Int = Field(ge=1, le=24 * 60)
    note: str = ""


@contract(ServiceOrder)
class OrderFilters(Schema):
    status: str | None = None
    provider: str | None = Field(None, max_length=18)
    elder: int | None = None
    day: dt.date | None = None
    overdue: bool | None = None


@contract()
class AssignIn(Schema):
    worker: Int


@contract(ServiceOrder)
class ConfirmIn(Schema):
    rating: Int = Field(ge=1, le=5)
    comment: str = ""


@contract(ServiceOrder)
class CancelIn(Schema):
    reason: str = Field("", max_length=300)


@contract()
class DisputeIn(Schema):
    description: str = Field(min_length=1, max_length=2000)


class CarePlanOut(Schema):
    id: int
    elder_id: int
    provider: str
    item: str
    weekdays: list[int]
    start_time: dt.time
    minutes: int
    valid_from: dt.date
    valid_to: dt.date | None
    worker_id: int | None
    note: str

    @staticmethod
    def resolve_provider(obj: Any) -> str:
        return str(obj.provider.uscc)

    @staticmethod
    def resolve_item(obj: Any) -> str:
        return str(obj.item_id)


@contract(CarePlan)
class CarePlanIn(Schema):
    elder_id: Int | None = None
    elder_id_number: str | None = Field(None, max_length=18)
    provider: str = Field(max_length=18)
    item: str = Field(max_length=40)
    weekdays: list[Annotated[int, Field(ge=1, le=7), BeforeValidator(_no_bool)]] = Field(
        min_length=1, max_length=7
    )
    start_time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM")
    minutes: Int = Field(ge=1, le=24 * 60)
    valid_from: dt.date
    valid_to: dt.date | None = None
    worker: Int | None = None
    note: str = ""


@contract()
class PlanRunIn(Schema):
    provider: str | None = Field(None, max_length=18)
    days_ahead: Int = Field(ge=0, le=60, description="how many days ahead to make the orders (7 a week)")


class PlanRunOut(Schema):
    created: int
    existing: int


# --- entitlements ---------------------------------------------------------------------------------


def _elder(request: Any, pk: int) -> Elder:
    return sel.elder_for(actor=request.auth, pk=pk)


@router.get(
    "/elders/{elder_id}/entitlements", response=list[EntitlementOut], summary="A person's entitlements"
)
@paginate(Pages)
def list_entitlements(request: HttpRequest, elder_id: int):
    return ent_sel.entitlements_of(actor=request.auth, elder=_elder(request, elder_id))


@router.get(
    "/elders/{elder_id}/entitlement",
    response=EntitlementMonthOut,
    summary="A person's entitlement of a month (month=YYYY-MM): value, reasons, used, remaining",
)
def month_entitlement(
    request: HttpRequest, elder_id: int, month: str = Query(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
):
    period = dt.date.fromisoformat(month + "-01") if month else clock.today()
    return ent_sel.entitlement_of_month(actor=request.auth, elder=_elder(request, elder_id), period=period)


@router.post(
    "/elders/{elder_id}/entitlements", response={201: EntitlementOut}, summary="Grant an entitlement"
)
@idempotent
def grant_entitlement(request: HttpRequest, elder_id: int, payload: GrantIn):
    row = ent_actions.entitlement_grant(
        actor=request.auth,
        elder=_elder(request, elder_id),
        monthly_fen=payload.monthly_fen,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        note=payload.note,
    )
    return Status(201, row)


@router.post("/entitlements/{pk}/end", response=EntitlementOut, summary="End a granted entitlement")
def end_entitlement(request: HttpRequest, pk: int, payload: EndIn):
    row = Entitlement.objects.get_for(request.auth, pk=pk)
    return ent_actions.entitlement_end(
        actor=request.auth, entitlement=row, valid_to=payload.valid_to, note=payload.note
    )


@router.post(
    "/entitlements/refresh",
    response=RefreshOut,
    summary="Derive the entitlements of a region from the registry",
)
def refresh_entitlements(request: HttpRequest, payload: RefreshIn):
    return ent_actions.entitlements_refresh(
        actor=request.auth, region_code=payload.region_code, on=payload.on
    )


# --- orders ---------------------------------------------------------------------------------------


@router.get("/orders", response=list[OrderOut], summary="Orders (status, provider, elder, day, overdue)")
@paginate(Pages)
def list_orders(request: HttpRequest, filters: Query[OrderFilters]):
    return sel.order_list(actor=request.auth, **filters.dict())


@router.get("/orders/{pk}", response=OrderOut, summary="One order")
def get_order(request: HttpRequest, pk: int):
    return sel.order_get(actor=request.auth, pk=pk)


@router.post("/orders", response={201: OrderOut}, summary="Place an order (Idempotency-Key honoured)")
@idempotent
def place_order(request: HttpRequest, payload: OrderIn):
    elder = _person(request, payload.elder_id, payload.elder_id_number)
    order = actions.order_place(
        actor=request.auth,
        elder=elder,
        provider=sel.provider_for(actor=request.auth, uscc=payload.provider),
        item=sel.item_for(payload.item),
        scheduled_at=payload.scheduled_at,
        minutes=payload.minutes,
        note=payload.note,
    )
    return Status(201, sel.order_get(actor=request.auth, pk=order.pk))


def _person(request: Any, pk: int | None, id_number: str | None) -> Elder:
    if pk is None and not id_number:
        raise ValidationError({"elder_id": _("Name the person by elder_id or elder_id_number.")})
    return sel.elder_for(actor=request.auth, pk=pk, id_number=id_number)


def _order(request: Any, pk: int) -> ServiceOrder:
    return sel.order_get(actor=request.auth, pk=pk)


def _fresh(request: Any, order: ServiceOrder) -> ServiceOrder:
    return sel.order_get(actor=request.auth, pk=order.pk)


@router.post("/orders/{pk}/accept", response=OrderOut, summary="The provider accepts")
def accept_order(request: HttpRequest, pk: int):
    return _fresh(request, actions.order_accept(actor=request.auth, order=_order(request, pk)))


@router.post("/orders/{pk}/assign", response=OrderOut, summary="Assign a qualified worker")
def assign_order(request: HttpRequest, pk: int, payload: AssignIn):
    order = _order(request, pk)
    worker = StaffMember.objects.filter(pk=payload.worker, provider_id=order.provider_id).first()
    if worker is None:
        raise ValidationError({"worker": _("This worker is not staff of the provider.")})
    return _fresh(request, actions.order_assign(actor=request.auth, order=order, worker=worker))


@router.post("/orders/{pk}/start", response=OrderOut, summary="The service starts")
def start_order(request: HttpRequest, pk: int):
    return _fresh(request, actions.order_start(actor=request.auth, order=_order(request, pk)))


@router.post("/orders/{pk}/finish", response=OrderOut, summary="The service is done")
def finish_order(request: HttpRequest, pk: int):
    return _fresh(request, actions.order_finish(actor=request.auth, order=_order(request, pk)))


@router.post("/orders/{pk}/confirm", response=OrderOut, summary="Confirm and rate 1–5")
def confirm_order(request: HttpRequest, pk: int, payload: ConfirmIn):
    order = actions.order_confirm(
        actor=request.auth, order=_order(request, pk), rating=payload.rating, comment=payload.comment
    )
    return _fresh(request, order)


@router.post("/orders/{pk}/cancel", response=OrderOut, summary="Cancel (with a reason)")
def cancel_order(request: HttpRequest, pk: int, payload: CancelIn):
    return _fresh(
        request, actions.order_cancel(actor=request.auth, order=_order(request, pk), reason=payload.reason)
    )


@router.post("/orders/{pk}/dispute", response=OrderOut, summary="Dispute: a complaint in supervision")
def dispute_order(request: HttpRequest, pk: int, payload: DisputeIn):
    order = actions.order_dispute(
        actor=request.auth, order=_order(request, pk), description=payload.description
    )
    return _fresh(request, order)


# --- care plans -----------------------------------------------------------------------------------


@router.get("/care-plans", response=list[CarePlanOut], summary="Care plans")
@paginate(Pages)
def list_care_plans(request: HttpRequest, provider: str | None = Query(None, max_length=18)):
    qs = sel.care_plans_visible(request.auth)
    if provider:
        qs = qs.filter(provider__uscc=provider)
    return qs.order_by("pk")


@router.post("/care-plans", response={201: CarePlanOut}, summary="Plan a recurring service")
def create_care_plan(request: HttpRequest, payload: CarePlanIn):
    provider = sel.provider_for(actor=request.auth, uscc=payload.provider)
    worker = None
    if payload.worker is not None:
        worker = StaffMember.objects.filter(pk=payload.worker, provider=provider).first()
        if worker is None:
            raise ValidationError({"worker": _("This worker is not staff of the provider.")})
    plan = plan_actions.care_plan_create(
        actor=request.auth,
        elder=_person(request, payload.elder_id, payload.elder_id_number),
        provider=provider,
        item=sel.item_for(payload.item),
        weekdays=payload.weekdays,
        start_time=dt.time.fromisoformat(payload.start_time),
        minutes=payload.minutes,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        worker=worker,
        note=payload.note,
    )
    return Status(201, plan)


@router.post(
    "/care-plans/run", response=PlanRunOut, summary="Make the orders of the coming days from the plans"
)
def run_care_plans(request: HttpRequest, payload: PlanRunIn):
    provider = sel.provider_for(actor=request.auth, uscc=payload.provider) if payload.provider else None
    return plan_actions.orders_from_plans(
        actor=request.auth, provider=provider, days_ahead=payload.days_ahead
    )
