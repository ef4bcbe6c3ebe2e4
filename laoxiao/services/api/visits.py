"""The services API: visits (mounted at /api/v1/services by ``laoxiao.api.main``). Check-in and
check-out by the provider's operator (or the worker's app with the operator's token), the scoped
list and one visit with its flags and reasons, the review queue and a review. (No ``from
__future__ import annotations`` here: ninja must see the real ``Query[...]`` types.)"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from laoxiao.api.pagination import Pages
from laoxiao.core.schemas import contract
from laoxiao.people.models import Elder
from laoxiao.providers.models import Provider
from laoxiao.services.actions import visits as actions
from laoxiao.services.models import ServiceOrder, ServiceVisit
from laoxiao.services.selectors import visits as selectors

router = Router(tags=["services"])


def _actor(request: HttpRequest) -> Any:
    return request.auth


@contract(
    ServiceVisit, at="check_in_at", lon="check_in_lon", lat="check_in_lat", accuracy_m="check_in_accuracy_m"
)
class CheckInIn(Schema):
    order: int | None = Field(None, description="the order served (or provider, elder and item)")
    provider: str | None = Field(None, description="the provider's unified social credit code")
    elder: int | None = None
    item: str | None = Field(None, description="service item code (hv_bath...)")
    worker: int = Field(description="the worker (staff member id)")
    at: dt.datetime
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    accuracy_m: int | None = Field(None, ge=0)
    method: str = Field("app_gps", description="app_gps, phone_callback, card or qr")


@contract(
    ServiceVisit,
    at="check_out_at",
    lon="check_out_lon",
    lat="check_out_lat",
    accuracy_m="check_out_accuracy_m",
)
class CheckOutIn(Schema):
    at: dt.datetime
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    accuracy_m: int | None = Field(None, ge=0)


@contract(ServiceVisit, note="review_note")
class VisitReviewIn(Schema):
    decision: str = Field(description="clear or reject")
    note: str = Field(min_length=1, max_length=500)


@contract()
class VisitFilters(Schema):
    status: str | None = None
    flag: str | None = None
    provider: str | None = Field(None, description="the provider's unified social credit code")
    elder: int | None = None
    day_from: dt.date | None = None
    day_to: dt.date | None = None


class VisitOut(Schema):
    id: int
    provider: str
    region_code: str
    elder: int
    worker: int
    worker_name: str
    item: str
    method: str
    check_in_at: dt.datetime
    check_out_at: dt.datetime | None
    minutes: int
    distance_m: int | None
    service_day: dt.date
    status: str
    flags: list[str]
    gov_fen: int = Field(description="government price of the visit (fen)")

    @staticmethod
    def resolve_provider(obj: Any) -> str:
        return str(obj.provider.uscc)

    @staticmethod
    def resolve_elder(obj: Any) -> int:
        return int(obj.elder_id)

    @staticmethod
    def resolve_worker(obj: Any) -> int:
        return int(obj.worker_id)

    @staticmethod
    def resolve_worker_name(obj: Any) -> str:
        return str(obj.worker.name)

    @staticmethod
    def resolve_item(obj: Any) -> str:
        return str(obj.item_id)


class VisitDetailOut(VisitOut):
    check_in_lon: float | None
    check_in_lat: float | None
    check_in_accuracy_m: int | None
    check_out_lon: float | None
    check_out_lat: float | None
    check_out_accuracy_m: int | None
    flag_detail: dict[str, str] = Field(description="each flag's reason")
    recorded_at: dt.datetime
    source: str
    reviewed_at: dt.datetime | None
    review_note: str
    integrity_hash: str


@router.post("/visits/check-in", response={201: VisitDetailOut}, summary="Check in (opens a visit)")
def check_in(request: HttpRequest, payload: CheckInIn):
    actor = _actor(request)
    order = provider = elder = None
    if payload.order is not None:
        order = ServiceOrder.objects.get_for(actor, pk=payload.order)
    else:
        if payload.provider:
            provider = Provider.objects.visible_to(actor).filter(uscc=payload.provider).first()
            if provider is None:
                from laoxiao.core.errors import NotFound

                raise NotFound(payload.provider)
        if payload.elder is not None:
            elder = Elder.objects.filter(pk=payload.elder).first()
    visit = actions.visit_check_in(
        actor=actor,
        order=order,
        provider=provider,
        elder=elder,
        item=payload.item,
        worker=payload.worker,
        at=payload.at,
        lon=payload.lon,
        lat=payload.lat,
        accuracy_m=payload.accuracy_m,
        method=payload.method,
    )
    return Status(201, selectors.visit_get(actor=actor, pk=visit.pk))


@router.post("/visits/{pk}/check-out", response=VisitDetailOut, summary="Check out (the visit is checked)")
def check_out(request: HttpRequest, pk: int, payload: CheckOutIn):
    visit = selectors.visit_get(actor=_actor(request), pk=pk)
    actions.visit_check_out(
        actor=_actor(request),
        visit=visit,
        at=payload.at,
        lon=payload.lon,
        lat=payload.lat,
        accuracy_m=payload.accuracy_m,
    )
    return selectors.visit_get(actor=_actor(request), pk=pk)


@router.get("/visits", response=list[VisitOut], summary="Visits (scoped; filters)")
@paginate(Pages)
def list_visits(request: HttpRequest, filters: Query[VisitFilters]):
    return selectors.visit_list(actor=_actor(request), **filters.dict())


@router.get("/visits/review-queue", response=list[VisitDetailOut], summary="Held visits to review")
@paginate(Pages)
def review_queue(request: HttpRequest, filters: Query[VisitFilters]):
    values = filters.dict()
    values["status"] = ServiceVisit.Status.HELD
    return selectors.visit_list(actor=_actor(request), **values)


@router.get("/visits/{pk}", response=VisitDetailOut, summary="One visit with its flags and reasons")
def get_visit(request: HttpRequest, pk: int):
    return selectors.visit_get(actor=_actor(request), pk=pk)


@router.post("/visits/{pk}/review", response=VisitDetailOut, summary="Clear or reject a held visit")
def review(request: HttpRequest, pk: int, payload: VisitReviewIn):
    visit = selectors.visit_get(actor=_actor(request), pk=pk)
    actions.visit_review(actor=_actor(request), visit=visit, decision=payload.decision, note=payload.note)
    return selectors.visit_get(actor=_actor(request), pk=pk)
