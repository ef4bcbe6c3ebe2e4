"""Supervision (监管) of providers: inspections with checklist items and rectification orders,
complaints with their handling steps, incidents, risk signals of illegal fund-raising with alerts to
the county office, the credit rating and the supervision tier that follows from it, grade ratings of
elder-care homes and demonstration decisions.

Every row belongs to a provider and carries the provider's ``region_code`` (copied by the action
that creates it), so the managers come from ``ProviderRowQuerySet``: scoped by region, by the
provider's sector, and (for the records a provider must act on) visible to its own operators.
Rules (checklists, deadlines, credit parts and thresholds, tiers) are versioned data in ``rules/``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Self, cast

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from laoxiao.core import clock
from laoxiao.providers.models import Provider, ProviderRowQuerySet


class StaffOnlyQuerySet(ProviderRowQuerySet):
    """Rows about a provider that its own operators do not see (risk signals, alerts): scoped by
    region and sector only."""

    def visible_to(self, actor: Any) -> Self:
        if getattr(actor, "provider_id", None) and not getattr(actor, "is_superuser", False):
            return self.none()
        return cast(Self, super().visible_to(actor))


class InspectionChildQuerySet(ProviderRowQuerySet):
    """Rows attached to an inspection (checklist items, rectification orders)."""

    scope_field = "inspection__region_code"
    provider_field = "inspection__provider_id"
    kind_field = "inspection__provider__kind"


class ComplaintStepQuerySet(ProviderRowQuerySet):
    scope_field = "complaint__region_code"
    provider_field = "complaint__provider_id"
    kind_field = "complaint__provider__kind"


class Inspection(models.Model):
    """A supervision visit to a provider (GB 38600: elder-care homes at least once a year)."""

    class Kind(models.TextChoices):
        ROUTINE = "routine", _("routine")
        SPECIAL = "special", _("special")
        RANDOM = "random", _("random (double-random)")
        FOLLOW_UP = "follow_up", _("follow-up")

    class Result(models.TextChoices):
        PASS = "pass", _("passed")
        RECTIFY = "rectify", _("rectification required")
        FAIL = "fail", _("failed")

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="inspections")
    region_code = models.CharField(max_length=12, db_index=True)
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    inspectors = models.CharField(_("inspectors"), max_length=300)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    summary = models.TextField(_("summary"), blank=True)
    checklist_from = models.DateField(_("checklist version"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderRowQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["provider", "date"], name="inspection_inst_date")]

    def __str__(self) -> str:
        return f"{self.provider} {self.date} {self.get_result_display()}"


class InspectionItem(models.Model):
    """One checklist item of an inspection and what the inspectors found."""

    class Finding(models.TextChoices):
        OK = "ok", _("in order")
        MINOR = "minor", _("minor issue")
        MAJOR = "major", _("major issue")
        CRITICAL = "critical", _("critical issue")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=20)
    text = models.CharField(_("item"), max_length=300)
    finding = models.CharField(_("finding"), max_length=16, choices=Finding.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = InspectionChildQuerySet.as_manager()

    class Meta:
        ordering = ["inspection", "code"]
        constraints = [models.UniqueConstraint(fields=["inspection", "code"], name="inspection_item_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.get_finding_display()}"


class RectificationOrder(models.Model):
    """An order to put something right by a deadline; "overdue" is derived (open past the deadline)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")
        OVERDUE = "overdue", _("overdue")  # derived, never stored

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="orders")
    item = models.ForeignKey(
        InspectionItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    requirement = models.TextField(_("requirement"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    followed_up_on = models.DateField(_("followed up on"), null=True, blank=True)
    follow_up_note = models.TextField(_("follow-up note"), blank=True)

    objects = InspectionChildQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(status="overdue"), name="rectification_status_stored")
        ]

    def __str__(self) -> str:
        return f"{self.requirement[:40]} ({self.deadline})"

    def status_on(self, on: dt.date) -> str:
        if self.status == self.Status.OPEN and self.deadline < on:
            return self.Status.OVERDUE
        return self.status

    @property
    def current_status(self) -> str:
        return self.status_on(clock.today())

    @property
    def region_code(self) -> str:
        return self.inspection.region_code


class Complaint(models.Model):
    """A complaint about a provider (12345 hotline, phone, visit...), handled by a deadline."""

    class Source(models.TextChoices):
        HOTLINE_12345 = "hotline_12345", _("12345 hotline")
        PHONE = "phone", _("phone")
        VISIT = "visit", _("visit in person")
        ONLINE = "online", _("online")
        MEDIA = "media", _("media")
        OTHER = "other", _("other")

    class Category(models.TextChoices):
        SERVICE_QUALITY = "service_quality", _("service quality")
        SAFETY = "safety", _("safety")
        FEES = "fees", _("fees")
        ABUSE = "abuse", _("abuse")
        FOOD = "food", _("food")
        STAFF = "staff", _("staff")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        IN_PROGRESS = "in_progress", _("in progress")
        RESOLVED = "resolved", _("resolved")
        CLOSED = "closed", _("closed")

    OPEN_STATUSES = ("open", "in_progress")

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="complaints")
    region_code = models.CharField(max_length=12, db_index=True)
    received_on = models.DateField(_("received on"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    description = models.TextField(_("description"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    outcome = models.TextField(_("outcome"), blank=True)
    substantiated = models.BooleanField(_("substantiated"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderRowQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.received_on} {self.get_category_display()}"

    def past_deadline_on(self, on: dt.date) -> bool:
        return self.status in self.OPEN_STATUSES and self.deadline < on


class ComplaintStep(models.Model):
    """One handling step of a complaint (the complaint's history)."""

    class Action(models.TextChoices):
        RECEIVED = "received", _("received")
        ASSIGNED = "assigned", _("assigned")
        INVESTIGATED = "investigated", _("investigated")
        REPLIED = "replied", _("replied to the complainant")
        RESOLVED = "resolved", _("resolved")
        CLOSED = "closed", _("closed")
        REOPENED = "reopened", _("reopened")
        NOTE = "note", _("note")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField()
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    note = models.TextField(_("note"), blank=True)

    objects = ComplaintStepQuerySet.as_manager()

    class Meta:
        ordering = ["complaint", "at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action}"


class Incident(models.Model):
    """An accident or emergency at a provider (the nine hazards of GB 38600 and more)."""

    class Kind(models.TextChoices):
        FALL = "fall", _("fall")
        CHOKING = "choking", _("choking")
        WRONG_INGESTION = "wrong_ingestion", _("wrong ingestion")
        PRESSURE_SORE = "pressure_sore", _("pressure sore")
        SCALD = "scald", _("scald")
        FALL_FROM_BED = "fall_from_bed", _("fall from bed")
        WANDERING = "wandering", _("wandering off")
        SELF_HARM = "self_harm", _("harm to self or others")
        OUTBREAK = "outbreak", _("outbreak of disease")
        FIRE = "fire", _("fire")
        ABUSE = "abuse", _("abuse")
        FOOD_POISONING = "food_poisoning", _("food poisoning")
        OTHER = "other", _("other")

    class Severity(models.TextChoices):
        MINOR = "minor", _("minor")
        SERIOUS = "serious", _("serious")
        MAJOR = "major", _("major")
        CRITICAL = "critical", _("critical")

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="incidents")
    region_code = models.CharField(max_length=12, db_index=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    description = models.TextField(_("description"))
    reported_at = models.DateTimeField(_("reported at"))
    reported_late = models.BooleanField(_("reported late"), default=False, db_index=True)
    report_limit_hours = models.PositiveIntegerField(_("report limit (hours)"), null=True, blank=True)
    handling = models.TextField(_("handling"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = ProviderRowQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reported_at__gte=models.F("occurred_at")), name="incident_reported_after"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class RiskSignal(models.Model):
    """A sign of illegal fund-raising (非法集资): prepaid cards, memberships, deposits, promised returns."""

    class Kind(models.TextChoices):
        PREPAID_CARDS = "prepaid_cards", _("prepaid cards")
        MEMBERSHIPS = "memberships", _("memberships")
        LARGE_DEPOSITS = "large_deposits", _("large deposits")
        PROMISED_RETURNS = "promised_returns", _("promised returns")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        VERIFIED = "verified", _("verified")
        DISMISSED = "dismissed", _("dismissed")
        REFERRED = "referred", _("referred to the authorities")

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="risk_signals")
    region_code = models.CharField(max_length=12, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    detected_on = models.DateField(_("detected on"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    status_note = models.TextField(_("status note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_on", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.get_kind_display()} {self.detected_on}"


class Alert(models.Model):
    """A message to the county office of a provider (``region_code`` = the county's 12-digit code,
    so county officers and the city see it, township and community users do not)."""

    class Kind(models.TextChoices):
        RISK_SIGNAL = "risk_signal", _("illegal fund-raising risk")
        INCIDENT = "incident", _("incident")

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="alerts")
    region_code = models.CharField(max_length=12, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    risk_signal = models.ForeignKey(
        RiskSignal, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    message = models.CharField(_("message"), max_length=500)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.message[:60]

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class CreditRating(models.Model):
    """The credit evaluation (信用评价) of a provider on a date, with every part explained."""

    class Level(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"
        D = "D", "D"

    class Tier(models.TextChoices):
        LOW = "low", _("low (light-touch)")
        NORMAL = "normal", _("normal")
        CLOSE = "close", _("close")
        KEY = "key", _("key (focused)")

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="credit_ratings")
    region_code = models.CharField(max_length=12, db_index=True)
    computed_on = models.DateField(_("computed on"))
    score = models.IntegerField(_("score"))
    level = models.CharField(_("level"), max_length=1, choices=Level.choices, db_index=True)
    tier = models.CharField(_("supervision tier"), max_length=8, choices=Tier.choices)
    inspections_per_year = models.PositiveSmallIntegerField(_("inspections per year"))
    parts = models.JSONField(_("parts"), default=list)
    rule_version = models.JSONField(_("rule versions"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderRowQuerySet.as_manager()

    class Meta:
        ordering = ["-computed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "computed_on"], name="credit_provider_date")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.computed_on}: {self.level} ({self.score})"


class GradeRating(models.Model):
    """A grade decision for an elder-care home (GB/T 37276: grades 1–5, 5 best); history kept."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="grade_ratings")
    region_code = models.CharField(max_length=12, db_index=True)
    grade = models.PositiveSmallIntegerField(_("grade"))
    rated_on = models.DateField(_("rated on"))
    body = models.CharField(_("rating body"), max_length=200)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)

    objects = ProviderRowQuerySet.as_manager()

    class Meta:
        ordering = ["-rated_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(grade__gte=1, grade__lte=5), name="grade_1_to_5")
        ]

    def __str__(self) -> str:
        return f"{self.provider} grade {self.grade} ({self.rated_on})"


class DemonstrationDecision(models.Model):
    """A decision to grant or withdraw demonstration (示范性) status; the latest sets
    ``Provider.is_demonstration``."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="demonstration_decisions")
    region_code = models.CharField(max_length=12, db_index=True)
    granted = models.BooleanField(_("granted"))
    decided_on = models.DateField(_("decided on"))
    body = models.CharField(_("deciding body"), max_length=200)
    note = models.TextField(_("note"), blank=True)

    objects = ProviderRowQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} {'granted' if self.granted else 'withdrawn'} {self.decided_on}"
