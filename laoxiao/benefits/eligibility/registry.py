"""Bulk reads of the registry for the calculators: one query per fact for a whole id range, so a
chunk of a thousand beneficiaries costs a handful of queries (never one per person).

Every fact is taken on a day (the first day of the period): the categories valid on it, the
latest ability assessment on or before it, an institution stay open on it, the applications
approved with ``valid_from`` on or before it. The same day gives the same answer, so a rerun of a
chunk writes the same items.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from laoxiao.benefits.models import Application, PaymentItem, Programme
from laoxiao.people.models import AbilityAssessment, AbilityLevel, ElderCategory, InstitutionStay

# GB/T 42195-2022 levels from best to worst: "moderate or worse" is an index comparison
LEVELS: list[str] = list(AbilityLevel.values)


def level_at_least(level: str | None, minimum: str | None) -> bool:
    """Is ``level`` ``minimum`` or worse? (no minimum: always; no assessment: never)."""
    if not minimum:
        return True
    if not level or level not in LEVELS or minimum not in LEVELS:
        return False
    return LEVELS.index(level) >= LEVELS.index(minimum)


def level_label(level: str) -> str:
    return str(dict(AbilityLevel.choices).get(level, level))


def category_label(category: str) -> str:
    return str(dict(ElderCategory.Category.choices).get(category, category))


def valid_on(day: dt.date, start: str = "valid_from", end: str = "valid_to") -> Q:
    """A dated row in force on ``day`` (open end: still in force)."""
    return Q(**{f"{start}__lte": day}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": day}))


def categories_on(day: dt.date, lo: int, hi: int) -> dict[int, set[str]]:
    """elder id → the categories valid on ``day``, for the elders with an id in ``[lo, hi]``."""
    out: dict[int, set[str]] = defaultdict(set)
    rows = ElderCategory.objects.filter(valid_on(day), elder_id__gte=lo, elder_id__lte=hi).values_list(
        "elder_id", "category"
    )
    for elder_id, category in rows:
        out[elder_id].add(category)
    return out


def levels_on(day: dt.date, lo: int, hi: int) -> dict[int, str]:
    """elder id → the final level of the latest assessment on or before ``day``."""
    out: dict[int, str] = {}
    rows = (
        AbilityAssessment.objects.filter(assessed_on__lte=day, elder_id__gte=lo, elder_id__lte=hi)
        .order_by("elder_id", "-assessed_on", "-id")
        .values_list("elder_id", "level")
    )
    for elder_id, level in rows:
        out.setdefault(elder_id, level)
    return out


def in_institution_on(day: dt.date, lo: int, hi: int) -> set[int]:
    """The elders (ids in ``[lo, hi]``) living in an institution on ``day``: a stay admitted on or
    before it and not left before or on it (leaving on the day counts as home)."""
    return set(
        InstitutionStay.objects.filter(
            Q(left_on__isnull=True) | Q(left_on__gt=day),
            admitted_on__lte=day,
            elder_id__gte=lo,
            elder_id__lte=hi,
        ).values_list("elder_id", flat=True)
    )


def approved_q(programme: Programme, period: dt.date) -> Q:
    """The applications that let a person in for ``period``: approved, paid from on or before it."""
    return Q(
        programme=programme,
        status=Application.Status.APPROVED,
        valid_from__isnull=False,
        valid_from__lte=period,
    )


def approved_from(programme: Programme, period: dt.date, field: str, lo: int, hi: int) -> dict[int, dt.date]:
    """``field`` id (elder_id, staff_id) → the earliest ``valid_from`` of an approved application."""
    out: dict[int, dt.date] = {}
    rows = (
        Application.objects.filter(
            approved_q(programme, period), **{f"{field}__gte": lo, f"{field}__lte": hi}
        )
        .order_by(field, "valid_from")
        .values_list(field, "valid_from")
    )
    for pk, valid_from in rows:
        out.setdefault(pk, valid_from)
    return out


def paid_before(programme: Programme, period: dt.date, keys: Iterable[str]) -> set[str]:
    """The beneficiary keys with an item (not cancelled) of ``programme`` for an earlier period:
    a one-off programme pays once (a failed item is retried by a follow-up batch, not paid anew)."""
    keys = list(keys)
    if not keys:
        return set()
    return set(
        PaymentItem.objects.filter(programme=programme, period__lt=period, beneficiary_key__in=keys)
        .exclude(status=PaymentItem.Status.CANCELLED)
        .values_list("beneficiary_key", flat=True)
    )


def excluded_codes(programme: Programme, data: dict[str, Any]) -> list[str]:
    """The programmes that exclude this one: ``Programme.excludes`` and the rule's
    ``exclude_programmes`` (versioned with the rule)."""
    codes = list(programme.excludes or []) + list(data.get("exclude_programmes") or [])
    return [c for c in dict.fromkeys(codes) if c != programme.code]


def reason_excluded(code: str, name: str) -> str:
    return _("Eligible for %(name)s (%(code)s) in the same month, which excludes this programme.") % {
        "name": name,
        "code": code,
    }
