"""The services API: childcare slots and bookings (mounted at /api/v1/services by
``laoxiao.api.main``). (No ``from __future__ import annotations`` here: ninja must see the real
``Query[...]`` types.)"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from laoxiao.api.idempotency import idempotent
from laoxiao.api.pagination import Pages
from laoxiao.core.schemas import contract
from laoxiao.providers.models import ChildcareClass, Provider
from laoxiao.services.actions import childcare as actions
from laoxiao.services.models import ChildcareBooking, ChildcareSlot
from laoxiao.services.selectors import childcare as selectors

router = Router(tags=["services"])


@contract()
class SlotFilters(Schema):
    provider: str | None = Field(None, description="the provider's unified social credit code")
    day: dt.date | None = None
    kind: ChildcareSlot.Kind | None = None
    open_only: bool = Field(False, description="only slots with a free place")


class SlotOut(Schema):
    id: int
    provider: str
    provider_name: str
    childcare_class_id: int | None
    region_code: str
    day: dt.date
    kind: str
    start_time: dt.time
    end_time: dt.time
    places: int
    booked: int
    free: int
    price_fen: int

    @staticmethod
    def resolve_provider(obj: ChildcareSlot) -> str:
        return obj.provider.uscc

    @staticmethod
    def resolve_provider_name(obj: ChildcareSlot) -> str:
        return obj.provider.name

    @staticmethod
    def resolve_free(obj: ChildcareSlot) -> int:
        return max(obj.places - obj.booked, 0)


@contract(ChildcareSlot)
class SlotIn(Schema):
    provider: str = Field(description="the provider's unified social credit code")
    childcare_class_id: int | None = None
    day: dt.date
    kind: ChildcareSlot.Kind
    start_time: dt.time
    end_time: dt.time
    places: int
    price_fen: int = 0


@contract()
class BookIn(Schema):
    child_id: int


class BookingOut(Schema):
    id: int
    slot_id: int
    child_id: int
    status: str
    day: dt.date
    kind: str
    start_time: dt.time
    end_time: dt.time
    provider: str
    created_at: dt.datetime
    cancelled_at: dt.datetime | None

    @staticmethod
    def resolve_day(obj: ChildcareBooking) -> dt.date:
        return obj.slot.day

    @staticmethod
    def resolve_kind(obj: ChildcareBooking) -> str:
        return obj.slot.kind

    @staticmethod
    def resolve_start_time(obj: ChildcareBooking) -> dt.time:
        return obj.slot.start_time

    @staticmethod
    def resolve_end_time(obj: ChildcareBooking) -> dt.time:
        return obj.slot.end_time

    @staticmethod
    def resolve_provider(obj: ChildcareBooking) -> str:
        return obj.slot.provider.uscc


@contract()
class BookingFilters(Schema):
    child: int | None = None
    day: dt.date | None = None
    status: ChildcareBooking.Status | None = None


def _provider(actor: Any, uscc: str) -> Provider:
    return Provider.objects.get_for(actor, uscc=uscc)


@router.get("/childcare/slots", response=list[SlotOut], summary="Childcare slots with their free places")
@paginate(Pages)
def list_slots(request: HttpRequest, filters: Query[SlotFilters]):
    f = filters.dict()
    f["kind"] = f["kind"].value if f.get("kind") else None
    return selectors.slot_list(actor=request.auth, **f)


@router.get("/childcare/slots/{pk}", response=SlotOut, summary="One childcare slot")
def get_slot(request: HttpRequest, pk: int):
    return selectors.slot_get(actor=request.auth, pk=pk)


@router.post("/childcare/slots", response={201: SlotOut}, summary="Open a childcare slot")
def open_slot(request: HttpRequest, payload: SlotIn):
    provider = _provider(request.auth, payload.provider)
    klass = None
    if payload.childcare_class_id is not None:
        klass = ChildcareClass.objects.filter(pk=payload.childcare_class_id, provider=provider).first()
        if klass is None:
            raise ValidationError({"childcare_class_id": _("No such class at this provider.")})
    slot = actions.slots_open(
        actor=request.auth,
        provider=provider,
        childcare_class=klass,
        day=payload.day,
        kind=payload.kind.value,
        start_time=payload.start_time,
        end_time=payload.end_time,
        places=payload.places,
        price_fen=payload.price_fen,
    )
    return Status(201, selectors.slot_get(actor=request.auth, pk=slot.pk))


@router.post("/childcare/slots/{pk}/bookings", response={201: BookingOut}, summary="Book a child into a slot")
@idempotent
def book_slot(request: HttpRequest, pk: int, payload: BookIn):
    slot = selectors.slot_get(actor=request.auth, pk=pk)
    child = selectors.child_for_booking(actor=request.auth, pk=payload.child_id)
    booking = actions.slot_book(actor=request.auth, slot=slot, child=child)
    return Status(201, selectors.booking_get(actor=request.auth, pk=booking.pk))


@router.get("/childcare/bookings", response=list[BookingOut], summary="Bookings (a guardian: their own)")
@paginate(Pages)
def list_bookings(request: HttpRequest, filters: Query[BookingFilters]):
    f = filters.dict()
    f["status"] = f["status"].value if f.get("status") else None
    return selectors.booking_list(actor=request.auth, **f)


@router.post("/childcare/bookings/{pk}/cancel", response=BookingOut, summary="Cancel a booking")
def cancel_booking(request: HttpRequest, pk: int):
    booking = selectors.booking_get(actor=request.auth, pk=pk)
    actions.booking_cancel(actor=request.auth, booking=booking)
    return selectors.booking_get(actor=request.auth, pk=pk)
