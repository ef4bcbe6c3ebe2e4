"""Monthly provider claims from verified visits, their approval and the call-backs (回访)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from laoxiao.services.models._base import ServiceRowQuerySet


class ClaimRowQuerySet(ServiceRowQuerySet):
    provider_field = "claim__provider_id"
    kind_field = "claim__provider__kind"


class ServiceClaim(models.Model):
    """A provider's claim for one month: its verified visits × the government price, within each
    person's entitlement. Built (and rebuilt, idempotently) by ``claims_build``; approved by the
    county office — never by the one who prepared it. ``region_code`` is the provider's."""

    class Status(models.TextChoices):
        PREPARED = "prepared", _("prepared")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned")

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="service_claims"
    )
    region_code = models.CharField(max_length=12, db_index=True)
    period = models.DateField(_("month"))  # the first day of the month
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREPARED)
    visits = models.PositiveIntegerField(_("visits"), default=0)
    verified = models.PositiveIntegerField(_("verified"), default=0)
    flagged = models.PositiveIntegerField(_("flagged"), default=0)
    minutes = models.PositiveIntegerField(_("minutes"), default=0)
    amount_claimed_fen = models.PositiveBigIntegerField(_("claimed (fen)"), default=0)
    amount_payable_fen = models.PositiveBigIntegerField(_("payable (fen)"), default=0)
    signature = models.CharField(max_length=64, blank=True)  # sha256 over the lines; an edit shows
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ServiceRowQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "provider"]
        constraints = [models.UniqueConstraint(fields=["provider", "period"], name="claim_provider_month")]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.period:%Y-%m}"


class ClaimLine(models.Model):
    """One visit of a claim: what the government pays for it (within the person's entitlement)."""

    claim = models.ForeignKey(ServiceClaim, on_delete=models.CASCADE, related_name="lines")
    visit = models.OneToOneField("services.ServiceVisit", on_delete=models.PROTECT, related_name="claim_line")
    region_code = models.CharField(max_length=12, db_index=True)
    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="+")
    price_fen = models.PositiveIntegerField(_("government price (fen)"))
    payable_fen = models.PositiveIntegerField(_("payable (fen)"))

    objects = ClaimRowQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.claim_id}:{self.visit_id}"


class Callback(models.Model):
    """A call-back (回访) to the person served, sampled reproducibly from a month's verified visits
    (the rule ``services.callback_share``): the answer is recorded; ``denied`` un-verifies the visit."""

    class Answer(models.TextChoices):
        PENDING = "pending", _("not yet called")
        CONFIRMED = "confirmed", _("service confirmed")
        DENIED = "denied", _("service denied")
        UNREACHABLE = "unreachable", _("could not be reached")

    visit = models.OneToOneField("services.ServiceVisit", on_delete=models.CASCADE, related_name="callback")
    claim = models.ForeignKey(ServiceClaim, on_delete=models.CASCADE, related_name="callbacks")
    region_code = models.CharField(max_length=12, db_index=True)
    answer = models.CharField(_("answer"), max_length=12, choices=Answer.choices, default=Answer.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ClaimRowQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.visit_id} {self.answer}"
