"""Records the planning analyses need beyond providers and people: residential projects and the
facilities their plans promise (checked against the plan's standards, and indicator E05)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from laoxiao.regions.scoping import RegionScopedQuerySet


class ResidentialProject(models.Model):
    """A new or existing residential area (居住区) and the elder-care floor space and childcare slots
    planned in it. New areas must meet the new-area standard, existing ones the renovation standard
    (rules ``planning.residential_standards``)."""

    class Area(models.TextChoices):
        NEW = "new", _("new residential area")
        EXISTING = "existing", _("existing residential area")

    class Acceptance(models.TextChoices):
        PENDING = "pending", _("not yet accepted")
        PASSED = "passed", _("accepted")
        FAILED = "failed", _("not accepted")

    code = models.CharField(_("project code"), max_length=40, unique=True)
    name = models.CharField(_("project name"), max_length=200)
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    area_type = models.CharField(_("new or existing"), max_length=16, choices=Area.choices)
    households = models.PositiveIntegerField(_("households"))
    residents = models.PositiveIntegerField(_("residents"))
    eldercare_floor_area = models.DecimalField(
        _("planned community elder-care floor space (m²)"), max_digits=12, decimal_places=2, default=0
    )
    largest_facility_area = models.DecimalField(
        _("largest single elder-care facility (m²)"), max_digits=12, decimal_places=2, default=0
    )
    childcare_slots = models.PositiveIntegerField(_("planned childcare slots"), default=0)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    acceptance = models.CharField(
        _("acceptance result"), max_length=16, choices=Acceptance.choices, default=Acceptance.PENDING
    )
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["region_code", "name"]
        verbose_name = _("residential project")
        verbose_name_plural = _("residential projects")

    def __str__(self) -> str:
        return self.name
