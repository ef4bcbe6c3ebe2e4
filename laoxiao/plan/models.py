"""The plans: each city plan (``Plan``) with its indicators (Table 1) and tasks (Annex 1) — the
seed's plan is reference data loaded from ``laoxiao/plan/data/`` by a migration, a city loads its
own with ``laoxiao import plan`` —, the measures the indicators name (``Measure``) and their values
per region and period (computed by ``engine`` or reported by the responsible units), the tasks'
milestones and progress reports, the joint meetings and the major project list.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import ResponsibleUnit
from laoxiao.regions.scoping import RegionScopedQuerySet


def plain_number(value: Decimal | float | int) -> str:
    """``Decimal("50.8300")`` → ``"50.83"``, ``Decimal("60.0000")`` → ``"60"`` (never an exponent)."""
    return format(Decimal(str(value)).normalize(), "f")


class Plan(models.Model):
    """A city's "一老一小" plan (整体解决方案): its period, baseline year and status, with its
    indicators (Table 1) and its tasks (Annex 1). The seed's plan (淮北市 2021–2025) is loaded from
    ``laoxiao/plan/data/``; a city loads its own with ``laoxiao import plan``. A draft can be edited;
    a plan in force is frozen: a change is a new version (``replaces``, with a ``reason``) which
    supersedes it once put in force."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        IN_FORCE = "in_force", _("in force")
        CLOSED = "closed", _("closed")
        SUPERSEDED = "superseded", _("superseded by a new version")

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    region_code = models.CharField(_("issuing region"), max_length=12, db_index=True)
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("version it replaces"),
    )
    follows = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_plans",
        verbose_name=_("plan it follows"),
    )
    reason = models.TextField(_("reason for this version"), blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    targets_are_examples = models.BooleanField(_("targets are examples"), default=False)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-first_year", "-version"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_year__lte=models.F("last_year")), name="plan_period_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.first_year}–{self.last_year})"

    @property
    def period_text(self) -> str:
        return f"{self.first_year}–{self.last_year}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year


class Measure(models.Model):
    """What an indicator measures, with a stable name of its own (``nursing_bed_share``) that no
    plan's code decides: a computed measure has a calculator (``laoxiao.plan.calculators``), a
    reported one is filed by the responsible unit. Values are stored per measure, region and period,
    so every plan that uses a measure shows the same values. ``alias`` is the seed plan's indicator
    code (E06), which a plan file may name instead of the key."""

    class Kind(models.TextChoices):
        COMPUTED = "computed", _("computed from records")
        REPORTED = "reported", _("reported by the responsible unit")

    key = models.CharField(_("measure"), max_length=64, primary_key=True)
    alias = models.CharField(_("alias"), max_length=16, blank=True, db_index=True)
    sector = models.CharField(_("sector"), max_length=16)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=16)
    unit_en = models.CharField(_("unit (English)"), max_length=32, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    responsible_unit = models.ForeignKey(
        ResponsibleUnit, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("responsible unit")
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")

    def __str__(self) -> str:
        return f"{self.key} {self.name}"


class Indicator(models.Model):
    """One indicator of a plan's table (the seed's Table 1: E01–E16, C01–C09, and C10 of its overall
    goals): its own baseline, target and comparator, and the measure that gives its values."""

    class Sector(models.TextChoices):
        ELDERCARE = "eldercare", _("elder care")
        CHILDCARE = "childcare", _("childcare")

    class Comparator(models.TextChoices):
        GTE = "gte", "≥"
        GT = "gt", ">"
        EQ = "eq", "="
        LTE = "lte", "≤"
        LT = "lt", "<"

    Kind = Measure.Kind

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=16)
    order = models.PositiveSmallIntegerField(_("order"))
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=16)
    unit_en = models.CharField(_("unit (English)"), max_length=32, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=4, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"))
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=4)
    target_year = models.PositiveSmallIntegerField(_("target year"))
    comparator = models.CharField(_("comparator"), max_length=4, choices=Comparator.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Measure.Kind.choices)
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("measure")
    )
    responsible_unit = models.ForeignKey(
        ResponsibleUnit, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("responsible unit")
    )
    continues = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="continued_by",
        verbose_name=_("continues the indicator"),
    )
    source = models.CharField(_("source in the plan"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="indicator_plan_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def baseline_text(self) -> str:
        """The baseline as the plan writes it: ``50.83``, ``—`` when there is none."""
        return plain_number(self.baseline) if self.baseline is not None else "—"

    @property
    def target_text(self) -> str:
        """The target with its comparator: ``≥ 60``, ``> 90``."""
        return f"{self.get_comparator_display()} {plain_number(self.target)}"


class PlanTask(models.Model):
    """One key task of a plan (the seed's Annex 1: T01–T37)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    code = models.CharField(_("code"), max_length=16)
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("task"))
    text_en = models.TextField(_("task (English)"), blank=True)
    note = models.TextField(_("note"), blank=True)
    units: models.ManyToManyField[ResponsibleUnit, PlanTaskUnit] = models.ManyToManyField(
        ResponsibleUnit, through="PlanTaskUnit", related_name="tasks"
    )
    indicators = models.ManyToManyField(
        Indicator,
        blank=True,
        related_name="tasks",
        verbose_name=_("indicators it moves"),
    )
    continues = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="continued_by",
        verbose_name=_("continues the task"),
    )

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("plan task")
        verbose_name_plural = _("plan tasks")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="plantask_plan_code"),
            models.UniqueConstraint(fields=["plan", "number"], name="plantask_plan_number"),
        ]

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

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="values")
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
        ordering = ["measure", "region_code", "period"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(fields=["measure", "region_code", "period"], name="indicatorvalue_unique")
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.region_code} {self.period}: {self.value}"


class ReportedValue(models.Model):
    """A figure of a reported indicator (or any indicator whose records the platform does not hold)
    submitted by the responsible unit's reporter for a region and a period, and reviewed by a city
    administrator. Every submission is a row: an approved row is locked (never edited); a change
    after approval is a new submission which, once approved, supersedes the old one. The approved
    figure is also written to ``IndicatorValue`` so that every reader sees one table."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        SUPERSEDED = "superseded", _("superseded")
        WITHDRAWN = "withdrawn", _("withdrawn")

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="reported_values")
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    period = models.CharField(_("period"), max_length=7)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    source = models.CharField(_("source"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    unit = models.ForeignKey(
        ResponsibleUnit, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("reporting unit")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("replaces")
    )

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["measure", "region_code", "period", "-submitted_at"]
        verbose_name = _("reported value")
        verbose_name_plural = _("reported values")
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "region_code", "period"],
                condition=models.Q(status="submitted"),
                name="reportedvalue_one_pending",
            ),
            models.UniqueConstraint(
                fields=["measure", "region_code", "period"],
                condition=models.Q(status="approved"),
                name="reportedvalue_one_approved",
            ),
        ]
        indexes = [models.Index(fields=["measure", "region_code", "period"])]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.region_code} {self.period}: {self.value} ({self.status})"


class TaskMilestone(models.Model):
    """A dated step of a plan task (Annex 1): due on a date, done when ``done_on`` is set."""

    task = models.ForeignKey(PlanTask, on_delete=models.CASCADE, related_name="milestones")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["task", "due_on", "order"]
        verbose_name = _("task milestone")
        verbose_name_plural = _("task milestones")

    def __str__(self) -> str:
        return f"{self.task_id} {self.title} ({self.due_on})"


class TaskProgressReport(models.Model):
    """A progress report on a plan task by one of its responsible units: what was done, how far the
    task has come (0–100 %), with evidence files."""

    task = models.ForeignKey(PlanTask, on_delete=models.CASCADE, related_name="reports")
    unit = models.ForeignKey(ResponsibleUnit, on_delete=models.PROTECT, related_name="task_reports")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reported by")
    )
    reported_at = models.DateTimeField(_("reported at"))
    as_of = models.DateField(_("as of"))
    percent = models.PositiveSmallIntegerField(_("progress (%)"))
    text = models.TextField(_("progress"))
    milestone = models.ForeignKey(
        TaskMilestone,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("milestone reached"),
    )

    class Meta:
        ordering = ["task", "-as_of", "-reported_at"]
        verbose_name = _("task progress report")
        verbose_name_plural = _("task progress reports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__gte=0, percent__lte=100), name="taskreport_percent_0_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.as_of} {self.percent}%"


class TaskEvidence(models.Model):
    """A file attached to a progress report as evidence (a document, a photo, a spreadsheet)."""

    report = models.ForeignKey(TaskProgressReport, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["report", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.name


class JointMeeting(models.Model):
    """A joint meeting of the bureaus (联席会议). Its agenda gathers the overdue tasks and the
    indicators behind target of its plan as of the meeting date (computed when it is read or
    exported)."""

    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("plan")
    )
    held_on = models.DateField(_("meeting date"))
    title = models.CharField(_("title"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class MajorProject(models.Model):
    """A project of the yearly major project list (重大项目清单) kept by the development-and-reform
    bureau: what it builds, where, for how much, and the beds or childcare slots it adds."""

    class Kind(models.TextChoices):
        ELDERCARE_HOME = "eldercare_home", _("elder-care home")
        NURSING_HOME = "nursing_home", _("nursing home / medical-care facility")
        COMMUNITY_CENTRE = "community_centre", _("community elder-care centre")
        CHILDCARE_CENTRE = "childcare_centre", _("childcare centre")
        INTEGRATED = "integrated", _("integrated elder-care and childcare")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        UNDER_CONSTRUCTION = "under_construction", _("under construction")
        COMPLETED = "completed", _("completed")
        SUSPENDED = "suspended", _("suspended")

    year = models.PositiveSmallIntegerField(_("list year"))
    name = models.CharField(_("project name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    investment = models.DecimalField(_("investment (10,000 yuan)"), max_digits=14, decimal_places=2)
    beds_added = models.PositiveIntegerField(_("beds added"), default=0)
    nursing_beds_added = models.PositiveIntegerField(_("nursing-type beds added"), default=0)
    slots_added = models.PositiveIntegerField(_("childcare slots added"), default=0)
    floor_area_added = models.DecimalField(
        _("community elder-care floor space added (m²)"), max_digits=12, decimal_places=2, default=0
    )
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.PLANNED)
    starts_on = models.DateField(_("start"), null=True, blank=True)
    completes_on = models.DateField(_("planned completion"), null=True, blank=True)
    unit = models.ForeignKey(
        ResponsibleUnit, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("responsible unit")
    )
    note = models.TextField(_("note"), blank=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "region_code", "name"]
        verbose_name = _("major project")
        verbose_name_plural = _("major projects")
        constraints = [models.UniqueConstraint(fields=["year", "name"], name="majorproject_year_name")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"
