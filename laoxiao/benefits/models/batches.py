"""Payment batches, their chunks (the unit of repeatable work) and the payable items."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.benefits.models._base import BenefitRowQuerySet
from laoxiao.benefits.models.programmes import Programme


class PaymentBatch(models.Model):
    """One programme's payments for one period in one region (the city or a county).

    ``status`` is the business state; ``build_status`` the state of the (chunked, repeatable) build,
    so a failed or killed build never corrupts the business state and is resumed by running the
    build again. A regular batch is unique per programme, period and region; a follow-up batch
    (``follow_up_of``) holds exactly the failed items of another batch."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("being built")
        READY = "ready", _("waiting for approval")
        APPROVED = "approved", _("approved")
        SENT = "sent", _("sent to the bank")
        RECONCILED = "reconciled", _("reconciled")
        CANCELLED = "cancelled", _("cancelled")

    class Build(models.TextChoices):
        PENDING = "pending", _("not started")
        BUILDING = "building", _("building")
        BUILT = "built", _("built")
        FAILED = "failed", _("failed")

    class Kind(models.TextChoices):
        REGULAR = "regular", _("regular")
        FOLLOW_UP = "follow_up", _("follow-up")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="batches")
    period = models.DateField(_("period"))  # the first day of the month (or of the year)
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    build_status = models.CharField(_("build"), max_length=10, choices=Build.choices, default=Build.PENDING)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    items_count = models.PositiveIntegerField(_("items"), default=0)
    total_fen = models.PositiveBigIntegerField(_("total (fen)"), default=0)
    held_count = models.PositiveIntegerField(_("held"), default=0)
    # beneficiaries left out because another batch already holds their live item for the period
    skipped_count = models.PositiveIntegerField(_("already paid elsewhere"), default=0)
    signature = models.CharField(max_length=64, blank=True)  # sha256 over the items when approved
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = BenefitRowQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "programme", "region_code", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "period", "region_code"],
                condition=models.Q(kind="regular") & ~models.Q(status="cancelled"),
                name="batch_one_regular_per_period",
            ),
            models.UniqueConstraint(
                fields=["follow_up_of"],
                condition=models.Q(follow_up_of__isnull=False),
                name="batch_one_follow_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.period:%Y-%m} {self.region_code} #{self.pk}"


class BatchChunkQuerySet(BenefitRowQuerySet):
    scope_field = "batch__region_code"
    sector_field = "batch__programme__sector"


class BatchChunk(models.Model):
    """About a thousand beneficiaries of a batch: the id range ``[lo, hi]`` of the source table
    (elders, children or providers), computed once when the build starts. A chunk is written in one
    short transaction (its items and ``done`` together), so a killed process leaves it whole or
    not at all; a rerun writes the chunks not yet done. A lease keeps two workers apart."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    lo = models.BigIntegerField()
    hi = models.BigIntegerField()
    done = models.BooleanField(default=False)
    items = models.PositiveIntegerField(default=0)
    total_fen = models.PositiveBigIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)  # already paid elsewhere
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires = models.DateTimeField(null=True, blank=True)

    objects = BatchChunkQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "seq"]
        constraints = [models.UniqueConstraint(fields=["batch", "seq"], name="chunk_batch_seq")]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.seq} [{self.lo}, {self.hi}]"


class PaymentItemQuerySet(BenefitRowQuerySet):
    provider_field = "provider_id"


class PaymentItem(models.Model):
    """One payment to one beneficiary for one programme and period.

    The database holds the rule that matters most: at most one live item (not failed, not
    cancelled) per programme, beneficiary and period, across all batches; and one item per
    beneficiary in a batch. A failed item is paid again only by a new item in a follow-up batch
    (``source``). The amount (integer fen) and the account are snapshotted when the item is made."""

    class Status(models.TextChoices):
        READY = "ready", _("ready")
        APPROVED = "approved", _("approved")
        HELD = "held", _("held")
        SENT = "sent", _("sent")
        PAID = "paid", _("paid")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    code = models.CharField(_("item code"), max_length=40, unique=True)
    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="items")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    period = models.DateField(_("period"))
    beneficiary_key = models.CharField(max_length=24)
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
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.READY)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)  # held / cancelled / failed
    account = models.ForeignKey(
        "benefits.PaymentAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule_key = models.CharField(max_length=80, blank=True)
    rule_from = models.DateField(null=True, blank=True)  # the rule version the amount came from
    source = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="retries"
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = PaymentItemQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "beneficiary_key"], name="item_one_per_batch"),
            models.UniqueConstraint(
                fields=["programme", "beneficiary_key", "period"],
                condition=~models.Q(status__in=["failed", "cancelled"]),
                name="item_one_live_per_period",
            ),
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="item_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["batch", "status"]),
            models.Index(fields=["beneficiary_key", "period"]),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def record_sector(self) -> str | None:
        """Who reads this item's change-log rows: the programme's sector (elder care, childcare),
        when the programme is loaded (never a query per logged row; else the change log's default)."""
        return str(self.programme.sector) if PaymentItem.programme.is_cached(self) else None


class OverpaymentQuerySet(BenefitRowQuerySet):
    provider_field = "item__provider_id"


class Overpayment(models.Model):
    """Money paid for a period after the beneficiary's entitlement ended (a death, a move out of the
    city, a loss of eligibility): to recover. Steps: open → notified → recovered, or written off
    (which needs the approval of someone other than who asked for it)."""

    class Status(models.TextChoices):
        OPEN = "open", _("to recover")
        NOTIFIED = "notified", _("notified")
        RECOVERED = "recovered", _("recovered")
        WRITE_OFF_REQUESTED = "write_off_requested", _("write-off requested")
        WRITTEN_OFF = "written_off", _("written off")

    item = models.OneToOneField(PaymentItem, on_delete=models.PROTECT, related_name="overpayment")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    period = models.DateField(_("period"))
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    recovered_fen = models.PositiveBigIntegerField(_("recovered (fen)"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = OverpaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"overpayment {self.item_id} {self.amount_fen}"

    @property
    def record_sector(self) -> str | None:
        """Who reads this overpayment's change-log rows: the programme's sector (when loaded)."""
        return str(self.programme.sector) if Overpayment.programme.is_cached(self) else None
