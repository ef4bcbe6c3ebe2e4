"""The plan's reference data: responsible units, the indicators of Table 1, the tasks of Annex 1.

Loaded from the data files in ``laoxiao/indicators/data/`` by migrations; later issues compute
indicator values and track tasks.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


def plain_number(value: Decimal | float | int) -> str:
    """``Decimal("50.8300")`` → ``"50.83"``, ``Decimal("60.0000")`` → ``"60"`` (never an exponent)."""
    return format(Decimal(str(value)).normalize(), "f")


class ResponsibleUnit(models.Model):
    """A unit named in the plan as responsible for tasks or indicators (市民政局, 市卫健委, ...)."""

    code = models.CharField(_("code"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    aliases = models.JSONField(
        _("also written as"),
        default=list,
        blank=True,
        help_text=_("Other spellings of the name in the plan."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """One indicator of the plan's Table 1 (E01–E16, C01–C09) or of its overall goals (C10)."""

    class Sector(models.TextChoices):
        ELDERCARE = "eldercare", _("elder care")
        CHILDCARE = "childcare", _("childcare")

    class Comparator(models.TextChoices):
        GTE = "gte", "≥"
        GT = "gt", ">"
        EQ = "eq", "="

    class Kind(models.TextChoices):
        COMPUTED = "computed", _("computed from records")
        REPORTED = "reported", _("reported by the responsible unit")

    code = models.CharField(_("code"), max_length=8, primary_key=True)
    order = models.PositiveSmallIntegerField(_("order"))
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=16)
    unit_en = models.CharField(_("unit (English)"), max_length=32, blank=True)
    baseline = models.DecimalField(_("2020 baseline"), max_digits=14, decimal_places=4, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(default=2020)
    target = models.DecimalField(_("2025 target"), max_digits=14, decimal_places=4)
    target_year = models.PositiveSmallIntegerField(default=2025)
    comparator = models.CharField(_("comparator"), max_length=4, choices=Comparator.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    responsible_unit = models.ForeignKey(
        ResponsibleUnit, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("responsible unit")
    )
    source = models.CharField(_("source in the plan"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["order"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def baseline_text(self) -> str:
        """The 2020 baseline as the plan writes it: ``50.83``, ``—`` when there is none."""
        return plain_number(self.baseline) if self.baseline is not None else "—"

    @property
    def target_text(self) -> str:
        """The 2025 target with its comparator: ``≥ 60``, ``> 90``."""
        return f"{self.get_comparator_display()} {plain_number(self.target)}"


class PlanTask(models.Model):
    """One of the 37 key tasks of the plan's Annex 1 (T01–T37)."""

    code = models.CharField(_("code"), max_length=8, primary_key=True)
    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    text = models.TextField(_("task"))
    text_en = models.TextField(_("task (English)"), blank=True)
    note = models.TextField(_("note"), blank=True)
    units: models.ManyToManyField[ResponsibleUnit, PlanTaskUnit] = models.ManyToManyField(
        ResponsibleUnit, through="PlanTaskUnit", related_name="tasks"
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("plan task")
        verbose_name_plural = _("plan tasks")

    def __str__(self) -> str:
        return f"{self.code} {self.text[:30]}"

    @property
    def ordered_units(self) -> list[ResponsibleUnit]:
        """The responsible units in the plan's order, the lead first (uses a prefetch when there is one)."""
        return [tu.unit for tu in sorted(self.task_units.all(), key=lambda tu: tu.order)]

    @property
    def lead_unit(self) -> ResponsibleUnit | None:
        units = self.ordered_units
        return units[0] if units else None


class PlanTaskUnit(models.Model):
    """A responsible unit of a task, in the order the plan lists them; the first is the lead."""

    task = models.ForeignKey(PlanTask, on_delete=models.CASCADE, related_name="task_units")
    unit = models.ForeignKey(ResponsibleUnit, on_delete=models.PROTECT, related_name="task_units")
    order = models.PositiveSmallIntegerField()
    is_lead = models.BooleanField(default=False)

    class Meta:
        ordering = ["task", "order"]
        constraints = [models.UniqueConstraint(fields=["task", "unit"], name="taskunit_task_unit")]

    def __str__(self) -> str:
        return f"{self.task_id}/{self.unit_id}"


class IndicatorValue(models.Model):
    """The value of an indicator for a region (the code's prefix scope) and a period (``2022`` or
    ``2022-03``), with the numerator, the denominator and the inputs behind it. ``value`` is null
    with a ``reason`` where it cannot be computed (or is reported by the responsible unit)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    period = models.CharField(_("period"), max_length=7, db_index=True)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(_("numerator"), max_digits=20, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(
        _("denominator"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    reason = models.TextField(_("reason when there is no value"), blank=True)
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["indicator__order", "region_code", "period"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region_code", "period"], name="indicatorvalue_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.region_code} {self.period}: {self.value}"
