"""Reads of childcare slots and bookings. Slots are an offer, not personal data: any active
signed-in account may read them (guardians choose where to book); staff and operators read them
scoped as every provider row. Bookings: a guardian reads those of the children linked to them,
staff and operators those they may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q, QuerySet

from laoxiao.core.access import CHILDCARE_KINDS, is_active_actor
from laoxiao.core.errors import NotFound
from laoxiao.people.models import Child, FamilyLink
from laoxiao.services.models import ChildcareBooking, ChildcareSlot


def _linked_child_ids(actor: Any) -> QuerySet[Any]:
    return FamilyLink.objects.live().filter(user=actor, child__isnull=False).values("child_id")


def _staff_or_operator(actor: Any) -> bool:
    return bool(actor.region_prefixes() != () or getattr(actor, "provider_id", None))


def slot_list(
    *,
    actor: Any,
    provider: str | None = None,
    day: dt.date | None = None,
    kind: str | None = None,
    open_only: bool = False,
) -> QuerySet[ChildcareSlot]:
    """Slots by day and time, annotated with ``free`` (places less booked)."""
    if not is_active_actor(actor):
        return ChildcareSlot.objects.none()
    if _staff_or_operator(actor):
        qs = ChildcareSlot.objects.visible_to(actor)
    else:  # a guardian (or any other signed-in account): the whole offer
        qs = ChildcareSlot.objects.filter(provider__kind__in=CHILDCARE_KINDS)
    qs = qs.select_related("provider", "childcare_class").annotate(free=F("places") - F("booked"))
    if provider:
        qs = qs.filter(provider__uscc=provider)
    if day:
        qs = qs.filter(day=day)
    if kind:
        qs = qs.filter(kind=kind)
    if open_only:
        qs = qs.filter(booked__lt=F("places"))
    return qs.order_by("day", "start_time", "pk")


def slot_get(*, actor: Any, pk: int) -> ChildcareSlot:
    slot = slot_list(actor=actor).filter(pk=pk).first()
    if slot is None:
        raise NotFound(str(pk))
    return slot


def booking_list(
    *, actor: Any, child: int | None = None, day: dt.date | None = None, status: str | None = None
) -> QuerySet[ChildcareBooking]:
    """Bookings: a guardian's own (children with a live link), plus those staff may see."""
    if not is_active_actor(actor):
        return ChildcareBooking.objects.none()
    own = Q(child_id__in=_linked_child_ids(actor))
    if _staff_or_operator(actor):
        seen = ChildcareBooking.objects.visible_to(actor).values("pk")
        qs = ChildcareBooking.objects.filter(own | Q(pk__in=seen))
    else:
        qs = ChildcareBooking.objects.filter(own)
    qs = qs.select_related("slot", "slot__provider", "child")
    if child:
        qs = qs.filter(child_id=child)
    if day:
        qs = qs.filter(slot__day=day)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def booking_get(*, actor: Any, pk: int) -> ChildcareBooking:
    booking = booking_list(actor=actor).filter(pk=pk).first()
    if booking is None:
        raise NotFound(str(pk))
    return booking


def child_for_booking(*, actor: Any, pk: int) -> Child:
    """The child a booking is for: one linked to the guardian, or one the staff may see; the
    action then checks the right to book. Any other id is not found."""
    if not is_active_actor(actor):
        raise NotFound(str(pk))
    own = Child.objects.filter(pk=pk, pk__in=_linked_child_ids(actor)).first()
    if own is not None:
        return own
    if getattr(actor, "provider_id", None):
        found = Child.objects.filter(pk=pk).first()  # the operator books a child at their door
    else:
        found = Child.objects.visible_to(actor).filter(pk=pk).first()
    if found is None:
        raise NotFound(str(pk))
    return found


__all__ = ["booking_get", "booking_list", "child_for_booking", "slot_get", "slot_list"]
