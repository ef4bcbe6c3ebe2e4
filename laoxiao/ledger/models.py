"""The append-only double-entry ledger: money in integer fen, time in integer minutes.

An ``Account`` is a bucket (a programme's budget in a county for a year, what is payable, what was
paid, what is to be recovered; a time-bank member's hours). A ``Posting`` is one movement, made of
``Entry`` rows whose amounts sum to zero (checked by ``ledger.actions.posting_create`` and, on
PostgreSQL, by a deferred constraint trigger, migration 0002). Postings and entries are never
edited or deleted (on PostgreSQL, triggers refuse UPDATE and DELETE): a mistake is corrected by a
reversing posting. A posting's ``key`` is unique, so a movement retried
after a crash is written once. Balances are sums over entries (``ledger.selectors``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.regions.scoping import RegionScopedQuerySet


class Unit(models.TextChoices):
    FEN = "fen", _("fen (money)")
    MINUTE = "minute", _("minutes (time)")


class Account(models.Model):
    """A ledger account. ``code`` is unique and says what it holds, e.g.
    ``budget:elderly_allowance:340603000000:2026`` (kind:programme:county:year)."""

    class Kind(models.TextChoices):
        BUDGET = "budget", _("budget")
        PAYABLE = "payable", _("payable")
        PAID = "paid", _("paid")
        RECEIVABLE = "receivable", _("to recover")
        WRITTEN_OFF = "written_off", _("written off")
        FUNDING = "funding", _("funding source")
        MEMBER = "member", _("member")  # a time-bank member's hours
        POOL = "pool", _("pool")

    code = models.CharField(max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, default=Unit.FEN)
    programme_code = models.CharField(_("programme"), max_length=40, blank=True, db_index=True)
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, db_index=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Posting(models.Model):
    """One movement: its entries sum to zero. ``key`` is the idempotency key (unique), e.g.
    ``batch:12:approve:340603000000``."""

    key = models.CharField(max_length=160, unique=True)
    kind = models.CharField(_("kind"), max_length=32, db_index=True)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, default=Unit.FEN)
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals"
    )
    # PROTECT, not SET_NULL: a posting is never updated (on PostgreSQL a trigger refuses it), so a
    # user who wrote postings is deactivated, not deleted
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.key


class Entry(models.Model):
    """One leg of a posting: a signed amount (never zero) on one account."""

    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField(_("amount"))

    class Meta:
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_entry_nonzero")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d}"
