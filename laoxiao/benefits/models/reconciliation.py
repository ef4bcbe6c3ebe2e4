"""A bank's results file, applied: the record of one reconciliation (the raw file is kept)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.regions.scoping import RegionScopedQuerySet


class ReconciliationFile(models.Model):
    """A ``payment-results`` file that was applied: its sha256 (unique: the same file is applied
    once), where the raw bytes are kept (``path``, relative to ``VAR_DIR``), who applied it, and
    what it did. ``region_code`` is the common prefix of its items' batches' regions (the city when
    they differ), so it is read like the batches it touched."""

    digest = models.CharField(_("sha256"), max_length=64, unique=True)
    filename = models.CharField(_("file name"), max_length=200)
    path = models.CharField(_("stored as"), max_length=300)
    size = models.PositiveIntegerField(_("bytes"), default=0)
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    batch_ids = models.JSONField(_("batches"), default=list)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    paid_count = models.PositiveIntegerField(_("paid"), default=0)
    paid_fen = models.PositiveBigIntegerField(_("paid (fen)"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    failed_fen = models.PositiveBigIntegerField(_("failed (fen)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} {self.digest[:12]}"
