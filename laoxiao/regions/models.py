from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from laoxiao.regions.scoping import PREFIX_LENGTH, RegionScopedQuerySet


class RegionQuerySet(RegionScopedQuerySet):
    scope_field = "code"


class Region(models.Model):
    """A division of the city: city → county/district → township (subdistrict, town) → community."""

    class Level(models.TextChoices):
        CITY = "city", _("city")
        COUNTY = "county", _("county / district")
        TOWNSHIP = "township", _("township / subdistrict / town")
        COMMUNITY = "community", _("community / village")

    code = models.CharField(_("division code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    is_rural = models.BooleanField(_("rural"), default=False)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    is_age_friendly_demo = models.BooleanField(_("demonstration age-friendly community"), default=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def region_code(self) -> str:
        return self.code

    @property
    def scope_prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]


class PopulationFigure(models.Model):
    """A region's population figures for one year.

    ``source`` says where a figure came from: ``entered`` (imported or typed for this region) or
    ``summed`` (the sum of the region's children, kept up to date by ``population_rollup``).
    An entered figure is never overwritten by a sum.
    """

    class Source(models.TextChoices):
        ENTERED = "entered", _("entered")
        SUMMED = "summed", _("summed from sub-regions")

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="population_figures")
    region_code = models.CharField(max_length=12, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    population = models.PositiveIntegerField(_("resident population"))
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    age_0_2 = models.PositiveIntegerField(_("aged 0–2"), null=True, blank=True)
    age_60_plus = models.PositiveIntegerField(_("aged 60+"), null=True, blank=True)
    age_65_plus = models.PositiveIntegerField(_("aged 65+"), null=True, blank=True)
    age_80_plus = models.PositiveIntegerField(_("aged 80+"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.ENTERED)

    objects = RegionScopedQuerySet.as_manager()

    FIGURES = ("population", "households", "age_0_2", "age_60_plus", "age_65_plus", "age_80_plus")

    class Meta:
        ordering = ["region_code", "year"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="population_region_year")]
        verbose_name = _("population figure")
        verbose_name_plural = _("population figures")

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}"
