"""Meal assistance (老年助餐): diners registered at meal points, each meal, monthly settlement."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from laoxiao.services.models._base import ServiceRowQuerySet


class Diner(models.Model):
    """An older person registered to eat at a meal point (a provider of kind ``meal_point`` or any
    provider that ``serves_meals``)."""

    elder = models.ForeignKey("people.Elder", on_delete=models.CASCADE, related_name="diner_registrations")
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="diners")
    region_code = models.CharField(max_length=12, db_index=True)
    registered_on = models.DateField(_("registered on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    delivery = models.BooleanField(_("meals delivered"), default=False)

    objects = ServiceRowQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "elder"]
        constraints = [models.UniqueConstraint(fields=["elder", "provider"], name="diner_once_per_point")]

    def __str__(self) -> str:
        return f"{self.elder_id}@{self.provider_id}"


class MealSettlement(models.Model):
    """A meal point's month: meals and subsidy, built from the meal records (never typed in)."""

    class Status(models.TextChoices):
        PREPARED = "prepared", _("prepared")
        APPROVED = "approved", _("approved")

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="meal_settlements"
    )
    region_code = models.CharField(max_length=12, db_index=True)
    period = models.DateField(_("month"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREPARED)
    meals = models.PositiveIntegerField(_("meals"), default=0)
    subsidised = models.PositiveIntegerField(_("subsidised meals"), default=0)
    price_fen = models.PositiveBigIntegerField(_("price (fen)"), default=0)
    subsidy_fen = models.PositiveBigIntegerField(_("subsidy (fen)"), default=0)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    objects = ServiceRowQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "provider"]
        constraints = [models.UniqueConstraint(fields=["provider", "period"], name="meal_settlement_month")]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.period:%Y-%m}"


class MealRecord(models.Model):
    """One meal served: where, when (day and slot), dine-in or delivered, how the diner was
    identified, the price, the subsidy (the rule ``services.meal_subsidy`` by age band and category)
    and what the diner paid. At most one subsidised meal per person per slot per day: a database
    constraint, so two tills cannot both subsidise the same lunch."""

    class Slot(models.TextChoices):
        BREAKFAST = "breakfast", _("breakfast")
        LUNCH = "lunch", _("lunch")
        DINNER = "dinner", _("dinner")

    class Mode(models.TextChoices):
        DINE_IN = "dine_in", _("dine-in")
        DELIVERED = "delivered", _("delivered")

    class Verification(models.TextChoices):
        ID_CARD = "id_card", _("ID card")
        SS_CARD = "ss_card", _("social-security card")
        FACE = "face", _("face check")

    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="meals")
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="meal_records")
    region_code = models.CharField(max_length=12, db_index=True)
    served_on = models.DateField(_("day"), db_index=True)
    slot = models.CharField(_("meal"), max_length=10, choices=Slot.choices)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    verified_by = models.CharField(_("identified by"), max_length=8, choices=Verification.choices)
    served_at = models.DateTimeField(_("served at"), null=True, blank=True)
    price_fen = models.PositiveIntegerField(_("price (fen)"))
    subsidy_fen = models.PositiveIntegerField(_("subsidy (fen)"), default=0)
    paid_fen = models.PositiveIntegerField(_("paid by the diner (fen)"))
    subsidy_reason = models.CharField(_("subsidy reason"), max_length=100, blank=True)
    external_ref = models.CharField(_("till reference"), max_length=64, blank=True)
    recorded_at = models.DateTimeField(_("received"))
    settlement = models.ForeignKey(
        MealSettlement, null=True, blank=True, on_delete=models.SET_NULL, related_name="records"
    )

    objects = ServiceRowQuerySet.as_manager()

    class Meta:
        ordering = ["-served_on", "provider"]
        indexes = [models.Index(fields=["provider", "served_on"], name="meal_provider_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["elder", "served_on", "slot"],
                condition=models.Q(subsidy_fen__gt=0),
                name="meal_one_subsidy_per_slot",
            ),
            models.UniqueConstraint(
                fields=["provider", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="meal_till_ref_once",
            ),
            models.CheckConstraint(
                condition=models.Q(price_fen=models.F("subsidy_fen") + models.F("paid_fen")),
                name="meal_price_split",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.served_on} {self.slot}"
