"""The services API: family care beds (contracts, adaptations, devices, monthly checks) and respite
bookings (mounted at /api/v1/services by ``laoxiao.api.main``). (No ``from __future__ import
annotations``: ninja must see the real ``Query[...]`` types.)"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from laoxiao.api.idempotency import idempotent
from laoxiao.api.pagination import Pages
from laoxiao.core.errors import NotFound
from laoxiao.core.schemas import contract
from laoxiao.people.models import AbilityAssessment, Contact
from laoxiao.services.actions import beds as actions
from laoxiao.services.actions import respite as respite_actions
from laoxiao.services.models import CareBedContract, Device, DeviceVendor, HomeAdaptation, RespiteBooking
from laoxiao.services.schemas import PersonServiceRow
from laoxiao.services.selectors import beds as selectors
from laoxiao.services.selectors import meals as common

router = Router(tags=["services"])


class AdaptationOut(Schema):
    id: int
    item: str
    done_on: dt.date
    cost_fen: int
    note: str


class CareBedDeviceOut(Schema):
    id: int
    vendor: str = Field(alias="vendor_id")
    serial: str
    kind: str
    installed_on: dt.date
    removed_on: dt.date | None


class CareBedMonthOut(Schema):
    period: dt.date
    visits: int
    required: int
    short: bool


class CareBedOut(PersonServiceRow):
    county_code: str
    assessment: int = Field(alias="assessment_id")
    number: str
    signed_on: dt.date
    ended_on: dt.date | None
    end_reason: str
    status: str


class CareBedDetailOut(CareBedOut):
    adaptations: list[AdaptationOut]
    devices: list[CareBedDeviceOut]
    months: list[CareBedMonthOut]

    @staticmethod
    def resolve_adaptations(obj: Any) -> list[Any]:
        return list(obj.adaptations.order_by("done_on", "pk"))

    @staticmethod
    def resolve_devices(obj: Any) -> list[Any]:
        return list(obj.devices.order_by("installed_on", "pk"))

    @staticmethod
    def resolve_months(obj: Any) -> list[Any]:
        return list(obj.months.order_by("-period"))


class RespiteOut(PersonServiceRow):
    carer: int | None = Field(None, alias="carer_id")
    start_on: dt.date
    end_on: dt.date
    days: int
    status: str


@contract()
class BedFilters(Schema):
    provider: str | None = None
    status: str | None = None


@contract(CareBedContract)
class CareBedIn(Schema):
    provider: str = Field(description="the provider's unified social credit code")
    elder: int
    assessment: int = Field(description="the id of the person's latest ability assessment")
    signed_on: dt.date
    number: str = ""


@contract(CareBedContract)
class CareBedEndIn(Schema):
    ended_on: dt.date
    reason: str = Field(min_length=1, max_length=200)


@contract(HomeAdaptation)
class AdaptationIn(Schema):
    item: str
    done_on: dt.date
    cost_fen: int = 0
    note: str = ""


@contract(Device)
class CareBedDeviceIn(Schema):
    vendor: str = Field(max_length=40)
    serial: str
    kind: Device.Kind
    installed_on: dt.date


@contract()
class MonthIn(Schema):
    period: str = Field(description="YYYY-MM")


@contract(RespiteBooking)
class RespiteIn(Schema):
    provider: str
    elder: int
    start_on: dt.date
    end_on: dt.date
    carer: int | None = None


def _provider(request: HttpRequest, uscc: str | None) -> Any:
    return common.provider_get(actor=request.auth, uscc=uscc) if uscc else None


def _period(raw: str) -> dt.date:
    try:
        return dt.date(int(raw[:4]), int(raw[5:7]), 1)
    except ValueError:
        raise ValidationError({"period": _("Give the month as YYYY-MM.")}) from None


def _detail(request: HttpRequest, pk: int) -> CareBedContract:
    return selectors.care_bed_get(actor=request.auth, pk=pk)


# --- care beds -------------------------------------------------------------------------------------


@router.get("/care-beds", response=list[CareBedOut], summary="Family care bed contracts")
@paginate(Pages)
def list_care_beds(request: HttpRequest, filters: Query[BedFilters]):
    f = filters.dict()
    return selectors.care_beds_of(
        actor=request.auth, provider=_provider(request, f["provider"]), status=f["status"]
    )


@router.get(
    "/care-beds/{pk}", response=CareBedDetailOut, summary="One contract: adaptations, devices, months"
)
def get_care_bed(request: HttpRequest, pk: int):
    return _detail(request, pk)


@router.post("/care-beds", response={201: CareBedDetailOut}, summary="Sign a family care bed (county office)")
def create_care_bed(request: HttpRequest, payload: CareBedIn):
    provider = common.provider_get(actor=request.auth, uscc=payload.provider)
    elder = common.elder_for(actor=request.auth, pk=payload.elder)
    assessment = AbilityAssessment.objects.visible_to(request.auth).filter(pk=payload.assessment).first()
    if assessment is None:
        raise ValidationError({"assessment": _("No such assessment.")})
    bed = actions.care_bed_open(
        actor=request.auth,
        elder=elder,
        provider=provider,
        assessment=assessment,
        signed_on=payload.signed_on,
        number=payload.number,
    )
    return Status(201, _detail(request, bed.pk))


@router.post(
    "/care-beds/{pk}/end", response={200: CareBedDetailOut}, summary="End a family care bed contract"
)
def end_care_bed(request: HttpRequest, pk: int, payload: CareBedEndIn):
    actions.care_bed_end(
        actor=request.auth, contract=_detail(request, pk), reason=payload.reason, ended_on=payload.ended_on
    )
    return Status(200, _detail(request, pk))


@router.post(
    "/care-beds/{pk}/adaptations", response={201: CareBedDetailOut}, summary="Record a home adaptation"
)
def add_adaptation(request: HttpRequest, pk: int, payload: AdaptationIn):
    actions.care_bed_adaptation_add(
        actor=request.auth,
        contract=_detail(request, pk),
        item=payload.item,
        done_on=payload.done_on,
        cost_fen=payload.cost_fen,
        note=payload.note,
    )
    return Status(201, _detail(request, pk))


@router.post("/care-beds/{pk}/devices", response={201: CareBedDetailOut}, summary="Record a device installed")
def add_device(request: HttpRequest, pk: int, payload: CareBedDeviceIn):
    vendor = DeviceVendor.objects.filter(code=payload.vendor, active=True).first()
    if vendor is None:
        raise ValidationError({"vendor": _("No such device vendor.")})
    actions.care_bed_device_add(
        actor=request.auth,
        contract=_detail(request, pk),
        vendor=vendor,
        serial=payload.serial,
        kind=payload.kind.value,
        installed_on=payload.installed_on,
    )
    return Status(201, _detail(request, pk))


@router.post("/care-bed-months", response={200: list[CareBedMonthOut]}, summary="Run the monthly visit check")
def check_months(request: HttpRequest, payload: MonthIn):
    if not request.auth.has_perm("accounts.sector_eldercare"):
        raise NotFound("care-bed-months")
    return Status(200, actions.care_beds_check_month(period=_period(payload.period), actor=request.auth))


# --- respite ---------------------------------------------------------------------------------------


@router.get("/respite", response=list[RespiteOut], summary="Respite bookings")
@paginate(Pages)
def list_respite(request: HttpRequest, filters: Query[BedFilters]):
    f = filters.dict()
    return selectors.respite_of(
        actor=request.auth, provider=_provider(request, f["provider"]), status=f["status"]
    )


@router.get("/respite/{pk}", response=RespiteOut, summary="One respite booking")
def get_respite(request: HttpRequest, pk: int):
    return selectors.respite_get(actor=request.auth, pk=pk)


@router.post("/respite", response={201: RespiteOut}, summary="Book respite days (within the yearly quota)")
@idempotent
def create_respite(request: HttpRequest, payload: RespiteIn):
    provider = selectors.respite_provider(actor=request.auth, uscc=payload.provider)
    elder = selectors.elder_for_booking(actor=request.auth, pk=payload.elder, provider=provider)
    carer = None
    if payload.carer is not None:
        carer = Contact.objects.filter(pk=payload.carer, elder=elder).first()
        if carer is None:
            raise ValidationError({"carer": _("This carer is not a contact of the person.")})
    booking = respite_actions.respite_book(
        actor=request.auth,
        elder=elder,
        provider=provider,
        start_on=payload.start_on,
        end_on=payload.end_on,
        carer=carer,
    )
    return Status(201, selectors.respite_get(actor=request.auth, pk=booking.pk))


@router.post("/respite/{pk}/cancel", response={200: RespiteOut}, summary="Cancel a respite booking")
def cancel_respite(request: HttpRequest, pk: int):
    respite_actions.respite_cancel(
        actor=request.auth, booking=selectors.respite_get(actor=request.auth, pk=pk)
    )
    return Status(200, selectors.respite_get(actor=request.auth, pk=pk))


@router.post("/respite/{pk}/used", response={200: RespiteOut}, summary="Mark a respite stay as used")
def use_respite(request: HttpRequest, pk: int):
    respite_actions.respite_mark_used(
        actor=request.auth, booking=selectors.respite_get(actor=request.auth, pk=pk)
    )
    return Status(200, selectors.respite_get(actor=request.auth, pk=pk))
