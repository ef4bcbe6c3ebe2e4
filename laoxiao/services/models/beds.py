"""Family care beds (家庭养老床位) and respite (喘息服务)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from laoxiao.services.models._base import ServiceRowQuerySet


class CareBedContract(models.Model):
    """A family care bed: a contract between an assessed older person (moderate or worse loss of
    ability), a provider and the county office (``county_code``), from ``signed_on`` until
    ``ended_on``. Its home adaptations and devices hang off it; ``CareBedMonth`` is the monthly
    check of the minimum service visits (the rule ``services.care_bed_min_visits``)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("in service")
        ENDED = "ended", _("ended")

    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="care_beds")
    region_code = models.CharField(max_length=12, db_index=True)
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="care_beds")
    county_code = models.CharField(_("county office"), max_length=12)
    assessment = models.ForeignKey(
        "people.AbilityAssessment", on_delete=models.PROTECT, related_name="+", verbose_name=_("assessment")
    )
    number = models.CharField(_("contract number"), max_length=40, blank=True)
    signed_on = models.DateField(_("signed on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ServiceRowQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder"], condition=models.Q(status="active"), name="care_bed_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.elder_id}@{self.provider_id}"


class BedRowQuerySet(ServiceRowQuerySet):
    provider_field = "contract__provider_id"
    kind_field = "contract__provider__kind"


class HomeAdaptation(models.Model):
    """One item of the 适老化改造 catalogue (the rule ``services.adaptation_items``) done in the home."""

    contract = models.ForeignKey(CareBedContract, on_delete=models.CASCADE, related_name="adaptations")
    region_code = models.CharField(max_length=12, db_index=True)
    item = models.CharField(_("item"), max_length=40)
    done_on = models.DateField(_("done on"))
    cost_fen = models.PositiveIntegerField(_("cost (fen)"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = BedRowQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "item"], name="adaptation_once")]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.item}"


class CareBedMonth(models.Model):
    """The monthly check of a care bed: visits delivered against the minimum; ``short`` flags it."""

    contract = models.ForeignKey(CareBedContract, on_delete=models.CASCADE, related_name="months")
    region_code = models.CharField(max_length=12, db_index=True)
    period = models.DateField(_("month"))
    visits = models.PositiveIntegerField(_("visits"))
    required = models.PositiveIntegerField(_("required"))
    short = models.BooleanField(_("below the minimum"), default=False)

    objects = BedRowQuerySet.as_manager()

    class Meta:
        ordering = ["-period"]
        constraints = [models.UniqueConstraint(fields=["contract", "period"], name="care_bed_month_once")]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.period:%Y-%m}"


class RespiteBooking(models.Model):
    """Respite for a carer family (喘息服务): days at a provider with a free bed, within the
    family's days per year (the rule ``services.respite_days``); over the quota is refused."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        USED = "used", _("used")
        CANCELLED = "cancelled", _("cancelled")

    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="respite_bookings")
    region_code = models.CharField(max_length=12, db_index=True)
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="respite_bookings"
    )
    carer = models.ForeignKey(
        "people.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("carer"),
    )
    start_on = models.DateField(_("from"))
    end_on = models.DateField(_("until"))
    days = models.PositiveSmallIntegerField(_("days"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.BOOKED)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = ServiceRowQuerySet.as_manager()

    class Meta:
        ordering = ["-start_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_on__gte=models.F("start_on")), name="respite_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.elder_id}@{self.provider_id} {self.start_on}"
