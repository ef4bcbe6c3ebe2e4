"""Applications to a programme that needs one, and the immutable votes on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.benefits.models._base import BenefitRowQuerySet
from laoxiao.benefits.models.programmes import Programme


class Application(models.Model):
    """An application for a person to a programme, submitted by a family member or a community
    worker, reviewed step by step (the steps and the approvals each needs are the rule
    ``benefits.application_steps``, copied to ``steps`` when submitted). ``step`` is the index of
    the step under review. At most one pending application per person and programme."""

    class Status(models.TextChoices):
        PENDING = "pending", _("under review")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications")
    beneficiary_key = models.CharField(max_length=24, db_index=True)
    elder = models.ForeignKey(
        "people.Elder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    child = models.ForeignKey(
        "people.Child", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        "providers.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # a care worker paid an award (beneficiary ``s<staff id>``)
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    steps = models.JSONField(_("review steps"), default=list)  # [{"level": "community", "approvals": 1}, ...]
    step = models.PositiveSmallIntegerField(_("step under review"), default=0)
    # the level of the step under review (``steps[step]["level"]``), "" once decided: the review
    # queue filters on it in the database
    step_level = models.CharField(_("level under review"), max_length=12, blank=True, db_index=True)
    # [{"name", "size", "sha256", "file", "content_type"}]: ``file`` is the random name under
    # VAR_DIR/benefits/documents
    documents = models.JSONField(_("documents"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    valid_from = models.DateField(_("paid from"), null=True, blank=True)  # the month it starts

    objects = BenefitRowQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "beneficiary_key"],
                condition=models.Q(status="pending"),
                name="application_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.beneficiary_key} {self.status}"

    @property
    def record_sector(self) -> str:
        """The change log's sector of this row: the programme's."""
        return str(self.programme.sector)


class ApplicationVoteQuerySet(BenefitRowQuerySet):
    scope_field = "application__region_code"
    sector_field = "application__programme__sector"


class ApplicationVote(models.Model):
    """One reviewer's decision at one step: never edited, never deleted; unique per step and voter."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("approve")
        REJECT = "reject", _("reject")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="votes")
    step = models.PositiveSmallIntegerField(_("step"))
    level = models.CharField(_("level"), max_length=12)
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    reason = models.CharField(_("reason"), max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ApplicationVoteQuerySet.as_manager()

    class Meta:
        ordering = ["application", "step", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "step", "voter"], name="vote_one_per_step_voter")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.step} {self.decision}"

    @property
    def record_sector(self) -> str:
        return str(self.application.programme.sector)
