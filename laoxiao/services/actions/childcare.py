"""Hourly, half-day and temporary childcare (计时托、半日托、临时托): slots a childcare provider opens,
bookings guardians make. No overbooking, also under concurrency: a booking takes its place with
one conditional ``UPDATE … SET booked = booked + 1 WHERE id = … AND booked < places`` (the
database decides who gets the last place), and the ``slot_not_overbooked`` CHECK constraint is the
backstop."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.access import CHILDCARE_KINDS, require_can_act
from laoxiao.core.bulk import save_logged
from laoxiao.core.changelog import log_change
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import rule
from laoxiao.people.actions.enrolment import current_children
from laoxiao.people.models import Child, FamilyLink
from laoxiao.providers.models import ChildcareClass, Provider
from laoxiao.services.models import ChildcareBooking, ChildcareSlot


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def free_capacity(
    *, provider: Provider, childcare_class: ChildcareClass | None, day: dt.date, start: dt.time, end: dt.time
) -> int:
    """Places a new slot may offer: the class's capacity (or, without a class, the sum of the
    provider's class capacities) less the children enrolled there now, less the places of the
    other slots of the same class (or provider) that overlap in time on that day."""
    if childcare_class is not None:
        capacity = childcare_class.capacity
        enrolled = current_children(childcare_class=childcare_class).count()
        others = ChildcareSlot.objects.filter(childcare_class=childcare_class)
    else:
        capacity = ChildcareClass.objects.filter(provider=provider).aggregate(s=Sum("capacity"))["s"] or 0
        enrolled = current_children(provider=provider).count()
        others = ChildcareSlot.objects.filter(provider=provider)
    overlapping = (
        others.filter(day=day, start_time__lt=end, end_time__gt=start).aggregate(s=Sum("places"))["s"] or 0
    )
    return max(capacity - enrolled - overlapping, 0)


@transaction.atomic
def slots_open(
    *,
    actor: User,
    provider: Provider,
    childcare_class: ChildcareClass | None = None,
    day: dt.date,
    kind: str,
    start_time: dt.time,
    end_time: dt.time,
    places: int,
    price_fen: int = 0,
) -> ChildcareSlot:
    """Open a slot of ``places`` at a childcare provider (its operator or health staff of its
    region): within the kind's limits (``services.childcare_slot_kinds``) and within the class's
    capacity less its enrolled children and the overlapping slots (``free_capacity``)."""
    require_can_act(actor, provider)
    if provider.kind not in CHILDCARE_KINDS:
        raise ValidationError({"provider": _("Slots are opened at childcare providers.")})
    if childcare_class is not None:
        if childcare_class.provider_id != provider.pk:
            raise ValidationError({"childcare_class": _("The class is not this provider's.")})
        # one writer at a time per class: two slots opened together cannot both take the same places
        childcare_class = ChildcareClass.objects.select_for_update().get(pk=childcare_class.pk)
    else:
        Provider.objects.select_for_update().filter(pk=provider.pk).first()
    kinds: dict[str, dict[str, Any]] = rule("services.childcare_slot_kinds", on=day)["kinds"]
    if kind not in kinds:
        raise ValidationError({"kind": _("Unknown kind of childcare slot.")})
    if day < clock.today():
        raise ValidationError({"day": _("A slot cannot be opened on a past day.")})
    if end_time <= start_time:
        raise ValidationError({"end_time": _("The slot must end after it starts.")})
    limits = kinds[kind]
    span = _minutes(end_time) - _minutes(start_time)
    if "max_hours" in limits and span > int(limits["max_hours"]) * 60:
        raise ValidationError(
            {
                "end_time": _("A slot of this kind lasts at most %(hours)s hours.")
                % {"hours": limits["max_hours"]}
            }
        )
    if places < 1:
        raise ValidationError({"places": _("A slot offers at least one place.")})
    if price_fen < 0:
        raise ValidationError({"price_fen": _("The price cannot be negative.")})
    free = free_capacity(
        provider=provider, childcare_class=childcare_class, day=day, start=start_time, end=end_time
    )
    if places > free:
        raise ValidationError(
            {
                "places": _(
                    "Only %(free)s places are free (capacity less enrolled children and other slots)."
                )
                % {"free": free}
            }
        )
    if ChildcareSlot.objects.filter(
        provider=provider, childcare_class=childcare_class, day=day, kind=kind, start_time=start_time
    ).exists():
        raise ValidationError({"start_time": _("This slot is already open.")})
    slot = ChildcareSlot(provider=provider, childcare_class=childcare_class)
    save_logged(
        slot,
        actor=actor,
        values={
            "region_code": provider.region_code,
            "day": day,
            "kind": kind,
            "start_time": start_time,
            "end_time": end_time,
            "places": places,
            "price_fen": price_fen,
        },
        fields=["day", "kind", "places", "price_fen"],
        note=f"{start_time:%H:%M}–{end_time:%H:%M}",
    )
    return slot


def is_guardian_of(actor: Any, child: Child) -> bool:
    """The actor holds a live family link (consented, not revoked) to the child."""
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        return False
    return FamilyLink.objects.live().filter(user=actor, child=child).exists()


def _require_may_book(actor: Any, slot: ChildcareSlot, child: Child) -> None:
    """A guardian with a live link to the child, or the slot's provider's operator or health staff
    over it (``require_can_act``: else NotFound / PermissionDenied)."""
    if is_guardian_of(actor, child):
        return
    require_can_act(actor, slot.provider)


@transaction.atomic
def slot_book(*, actor: User, slot: ChildcareSlot, child: Child) -> ChildcareBooking:
    """Book ``child`` into ``slot``. A full slot is a ``ValidationError`` on ``slot`` (never an
    overbooking: the conditional update takes the place or takes nothing); one live booking per
    child and slot."""
    _require_may_book(actor, slot, child)
    if child.died_on is not None or child.moved_out_on is not None:
        raise ValidationError({"child": _("This child is no longer registered here.")})
    if slot.day < clock.today():
        raise ValidationError({"slot": _("This slot is over.")})
    if (
        ChildcareBooking.objects.filter(slot=slot, child=child)
        .exclude(status=ChildcareBooking.Status.CANCELLED)
        .exists()
    ):
        raise ValidationError({"child": _("This child is already booked into this slot.")})
    try:
        with transaction.atomic():  # a savepoint: the CHECK constraint is the backstop
            taken = ChildcareSlot.objects.filter(pk=slot.pk, booked__lt=F("places")).update(
                booked=F("booked") + 1
            )
    except IntegrityError:
        taken = 0
    if not taken:
        raise ValidationError({"slot": _("This slot is full.")})
    booking = ChildcareBooking(slot=slot, child=child, booked_by=actor)
    try:
        with transaction.atomic():
            save_logged(
                booking,
                actor=actor,
                values={"region_code": child.region_code, "status": ChildcareBooking.Status.BOOKED},
                fields=["status"],
                note=f"slot {slot.pk}",
            )
    except IntegrityError:  # the same child booked twice at the same moment
        raise ValidationError({"child": _("This child is already booked into this slot.")}) from None
    slot.refresh_from_db(fields=["booked"])
    return booking


@transaction.atomic
def booking_cancel(*, actor: User, booking: ChildcareBooking) -> ChildcareBooking:
    """Cancel a live booking (its guardian, or the provider's operator or health staff): the place
    is free again. Cancelling twice changes nothing."""
    slot = booking.slot
    _require_may_book(actor, slot, booking.child)
    locked = ChildcareBooking.objects.select_for_update().get(pk=booking.pk)
    if locked.status == ChildcareBooking.Status.CANCELLED:
        return locked
    if locked.status != ChildcareBooking.Status.BOOKED:
        raise ValidationError({"status": _("Only a booking not yet attended can be cancelled.")})
    if slot.day < clock.today():
        raise ValidationError({"slot": _("This slot is over.")})
    now = clock.now()
    locked.status = ChildcareBooking.Status.CANCELLED
    locked.cancelled_at = now
    locked.save(update_fields=["status", "cancelled_at"])
    ChildcareSlot.objects.filter(pk=slot.pk, booked__gt=0).update(booked=F("booked") - 1)
    log_change(
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        target=locked,
        changes={"status": [ChildcareBooking.Status.BOOKED, ChildcareBooking.Status.CANCELLED]},
        note=f"slot {slot.pk}",
    )
    return locked


__all__ = [
    "booking_cancel",
    "free_capacity",
    "is_guardian_of",
    "slot_book",
    "slots_open",
]
