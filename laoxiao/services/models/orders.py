"""Home-care orders (上门服务工单) and the care plans that make them recur."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from laoxiao.services.models._base import ServiceRowQuerySet


class CarePlan(models.Model):
    """A provider's recurring service for one person (every Tuesday 09:00 for 60 minutes):
    ``weekdays`` are ISO weekdays (1 = Monday); ``orders_from_plans`` makes its orders ahead,
    once per (plan, start)."""

    elder = models.ForeignKey("people.Elder", on_delete=models.CASCADE, related_name="care_plans")
    region_code = models.CharField(max_length=12, db_index=True)
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="care_plans")
    item = models.ForeignKey("providers.ServiceItem", on_delete=models.PROTECT, related_name="+")
    weekdays = models.JSONField(_("weekdays"), default=list)
    start_time = models.TimeField(_("start time"))
    minutes = models.PositiveIntegerField(_("minutes"))
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    worker = models.ForeignKey(
        "providers.StaffMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ServiceRowQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "elder"]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.elder_id} {self.item_id}"


class ServiceOrder(models.Model):
    """One service for one person: requested → accepted → assigned → in service → done →
    confirmed (rated), or cancelled, or disputed (a complaint in supervision).

    The price splits when the order is placed: ``gov_fen`` within the person's remaining
    entitlement of the month at the government purchase price, ``self_fen`` the rest at the
    provider's price."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        ACCEPTED = "accepted", _("accepted")
        ASSIGNED = "assigned", _("assigned")
        IN_SERVICE = "in_service", _("in service")
        DONE = "done", _("done")
        CONFIRMED = "confirmed", _("confirmed")
        CANCELLED = "cancelled", _("cancelled")
        DISPUTED = "disputed", _("disputed")

    class Channel(models.TextChoices):
        FAMILY = "family", _("a family member")
        COMMUNITY = "community", _("a community worker")
        PROVIDER = "provider", _("the provider")
        CARE_PLAN = "care_plan", _("a care plan")
        IMPORT = "import", _("an import")

    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="service_orders")
    region_code = models.CharField(max_length=12, db_index=True)
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="service_orders"
    )
    item = models.ForeignKey("providers.ServiceItem", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("placed by"), max_length=12, choices=Channel.choices)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    care_plan = models.ForeignKey(
        CarePlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    external_ref = models.CharField(_("provider's reference"), max_length=64, blank=True)
    scheduled_at = models.DateTimeField(_("scheduled for"), db_index=True)
    minutes = models.PositiveIntegerField(_("minutes"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    note = models.CharField(_("note"), max_length=300, blank=True)
    price_fen = models.PositiveIntegerField(_("price (fen)"), default=0)
    gov_fen = models.PositiveIntegerField(_("government-purchased (fen)"), default=0)
    self_fen = models.PositiveIntegerField(_("self-paid (fen)"), default=0)
    accept_by = models.DateTimeField(_("accept by"), null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    worker = models.ForeignKey(
        "providers.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_orders",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)
    complaint = models.ForeignKey(
        "supervision.Complaint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ServiceRowQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_at"]
        indexes = [
            models.Index(fields=["provider", "status", "scheduled_at"], name="order_provider_status"),
            models.Index(fields=["elder", "scheduled_at"], name="order_elder_when"),
            models.Index(fields=["scheduled_at", "id"], name="order_when_id"),  # the lists' order
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["care_plan", "scheduled_at"],
                condition=models.Q(care_plan__isnull=False),
                name="order_once_per_plan_start",
            ),
            models.UniqueConstraint(
                fields=["provider", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="order_provider_ref",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="order_rating_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(price_fen=models.F("gov_fen") + models.F("self_fen")),
                name="order_price_split",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.item_id} {self.status}"
