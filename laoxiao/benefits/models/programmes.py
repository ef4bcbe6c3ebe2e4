"""Benefit programmes as data, and their budgets per county and year."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from laoxiao.regions.scoping import RegionScopedQuerySet


class Programme(models.Model):
    """A programme that pays people or providers (高龄津贴, 育儿补贴, ...). Loaded from
    ``benefits/data/programmes.json`` (a city adds its own); who is eligible and how much is the
    versioned rule ``rule_key`` (``core.rules``), never code. ``excludes`` lists programme codes
    that cannot be paid to the same person for the same period."""

    class Payee(models.TextChoices):
        PERSON = "person", _("the person")
        GUARDIAN = "guardian", _("a guardian of the child")
        PROVIDER = "provider", _("a provider")

    class Period(models.TextChoices):
        MONTHLY = "monthly", _("monthly")
        YEARLY = "yearly", _("yearly")
        ONE_OFF = "one_off", _("one-off")

    class Entry(models.TextChoices):
        AUTOMATIC = "automatic", _("automatic (免申即享)")
        APPLICATION = "application", _("by application")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    sector = models.CharField(_("sector"), max_length=16)  # eldercare | childcare
    payee = models.CharField(_("paid to"), max_length=10, choices=Payee.choices)
    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    entry = models.CharField(_("how people enter"), max_length=12, choices=Entry.choices)
    funding_unit = models.CharField(_("funding unit"), max_length=100, blank=True)
    rule_key = models.CharField(_("rule"), max_length=80)
    excludes = models.JSONField(_("excludes programmes"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ProgrammeBudget(models.Model):
    """The money a county has for a programme in a year (integer fen)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="budgets")
    region_code = models.CharField(_("county"), max_length=12, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    amount_fen = models.PositiveBigIntegerField(_("budget (fen)"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "region_code", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "region_code", "year"], name="budget_prog_county_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.region_code} {self.year}"
