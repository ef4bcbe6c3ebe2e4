"""Entitlements (政府购买居家养老服务): how much government-purchased service an older person
receives a month, and why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from laoxiao.services.models._base import ElderRowQuerySet


class Entitlement(models.Model):
    """A monthly value of government-purchased home care for one older person, from ``valid_from``
    until ``valid_to`` (open when empty).

    ``source`` says where it comes from: ``derived`` rows are made from the registry by the rule
    ``services.entitlement_groups`` (``group`` names the group, ``reason`` says why in words) and
    are ended by ``entitlements_refresh`` when the person no longer qualifies, dies, moves into an
    institution or moves away; ``grant`` rows are made by a community worker with a note. In a
    month, the value is the highest derived value plus every grant."""

    class Source(models.TextChoices):
        DERIVED = "derived", _("from the registry")
        GRANT = "grant", _("granted by a worker")

    class EndReason(models.TextChoices):
        NO_LONGER = "no_longer", _("no longer qualifies")
        DIED = "died", _("died")
        INSTITUTION = "institution", _("moved into an institution")
        MOVED = "moved", _("moved away")
        ENDED = "ended", _("ended by a worker")
        RULE = "rule", _("the rule's value changed")

    elder = models.ForeignKey("people.Elder", on_delete=models.CASCADE, related_name="entitlements")
    region_code = models.CharField(max_length=12, db_index=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    group = models.CharField(_("group"), max_length=40, blank=True)
    monthly_fen = models.PositiveIntegerField(_("monthly value (fen)"))
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    rule_version = models.CharField(max_length=40, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=12, choices=EndReason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ElderRowQuerySet.as_manager()
    record_sector = "eldercare"

    class Meta:
        ordering = ["elder", "-valid_from"]
        indexes = [models.Index(fields=["elder", "valid_from"], name="entitlement_elder_from")]
        constraints = [
            # one open derived row per person and group: refreshing twice changes nothing
            models.UniqueConstraint(
                fields=["elder", "group"],
                condition=models.Q(source="derived", valid_to__isnull=True),
                name="entitlement_one_open_derived",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="entitlement_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.group or self.source} {self.monthly_fen}"
