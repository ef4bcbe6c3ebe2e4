"""Hourly, half-day and temporary childcare (计时托、半日托、临时托): bookable slots and bookings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from laoxiao.services.models._base import ServiceRowQuerySet


class ChildcareSlot(models.Model):
    """Places a childcare provider offers on one day for one kind of care, within a class's capacity
    less its enrolled children. ``booked`` is kept with the bookings in one transaction and can
    never pass ``places`` (a check constraint: the last place goes to exactly one booking)."""

    class Kind(models.TextChoices):
        HOURLY = "hourly", _("hourly care")
        HALF_DAY = "half_day", _("half-day care")
        TEMPORARY = "temporary", _("temporary care")

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, related_name="childcare_slots"
    )
    childcare_class = models.ForeignKey(
        "providers.ChildcareClass", null=True, blank=True, on_delete=models.SET_NULL, related_name="slots"
    )
    region_code = models.CharField(max_length=12, db_index=True)
    day = models.DateField(_("day"), db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    places = models.PositiveSmallIntegerField(_("places"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)
    price_fen = models.PositiveIntegerField(_("price (fen)"), default=0)

    objects = ServiceRowQuerySet.as_manager()

    class Meta:
        ordering = ["day", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(booked__lte=models.F("places")), name="slot_not_overbooked"
            ),
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="slot_period"
            ),
            models.UniqueConstraint(
                fields=["provider", "childcare_class", "day", "kind", "start_time"], name="slot_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.day} {self.kind} {self.start_time:%H:%M}"


class SlotRowQuerySet(ServiceRowQuerySet):
    provider_field = "slot__provider_id"
    kind_field = "slot__provider__kind"


class ChildcareBooking(models.Model):
    """A child booked into a slot by a guardian (or staff); one live booking per child and slot."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        ATTENDED = "attended", _("attended")
        CANCELLED = "cancelled", _("cancelled")

    slot = models.ForeignKey(ChildcareSlot, on_delete=models.PROTECT, related_name="bookings")
    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="slot_bookings")
    region_code = models.CharField(max_length=12, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.BOOKED)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = SlotRowQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "child"],
                condition=~models.Q(status="cancelled"),
                name="booking_once_per_slot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.child_id}@{self.slot_id}"
