from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.roles import RECORD_SECTOR
from laoxiao.regions.scoping import RegionScopedQuerySet


def _fill_sector(row: ChangeLog) -> ChangeLog:
    """Rows made without ``build_entry`` (summary rows of bulk writes) get the sector of their label."""
    if not row.sector:
        row.sector = RECORD_SECTOR.get(row.target_type, "")
    return row


class ChangeLogQuerySet(RegionScopedQuerySet):
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        return super().bulk_create([_fill_sector(o) for o in objs], *args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        raise TypeError("the change log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("the change log is append-only")


class ChangeLog(models.Model):
    """One row per change of a domain record, written by the action in the same transaction.

    Append-only: rows are never updated or deleted through the ORM.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        STATUS = "status", _("status changed")
        REVEAL = "reveal", _("personal data revealed")
        REVEAL_DENIED = "reveal_denied", _("reveal refused")
        HANDOVER = "handover", _("handed over")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices, db_index=True)
    target_type = models.CharField(max_length=64, db_index=True)
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=200, blank=True)
    region_code = models.CharField(max_length=12, db_index=True)
    # who may read the row besides the region: the record's kind (accounts.roles.RECORD_READERS;
    # "" = no sector, seen by region) and the provider it belongs to (its operator sees it)
    sector = models.CharField(max_length=16, blank=True, default="", db_index=True)
    provider_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True)

    objects = ChangeLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="changelog_target"),
            # the latest change of a kind of record in one index step (caches key on it)
            models.Index(fields=["target_type", "id"], name="changelog_type_latest"),
        ]
        permissions = [("view_all_changelog", "Can browse the change log of every region")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target_type}#{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError("the change log is append-only")
        _fill_sector(self)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("the change log is append-only")


class RuleVersion(models.Model):
    """A rule of the plan or of a national standard, as data with an effective date.

    ``key`` names the rule (``childcare.class_types``, ``pricing.inclusive_ratio``...); ``data`` holds
    its content; the version in force on a date is the latest with ``effective_from`` on or before it.
    ``certainty`` says how sure we are of the source: V (read in the source), S (secondary sources
    agree), ? (not confirmed: shown as such in the UI). Loaded from ``laoxiao/<app>/rules/*.json`` by
    migrations (``laoxiao load-rules``); a city adds its own versions with ``rule_version_create``.
    """

    class Certainty(models.TextChoices):
        VERIFIED = "V", _("verified in the source")
        SECONDARY = "S", _("from agreeing secondary sources")
        UNCONFIRMED = "?", _("not confirmed: a setting")

    key = models.CharField(max_length=80, db_index=True)
    effective_from = models.DateField()
    data = models.JSONField()
    title = models.CharField(max_length=200, blank=True)
    certainty = models.CharField(max_length=1, choices=Certainty.choices, default=Certainty.SECONDARY)
    source = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["key", "effective_from"], name="rule_key_from")]

    def __str__(self) -> str:
        return f"{self.key} from {self.effective_from}"
