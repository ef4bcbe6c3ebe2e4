"""Ability assessments of older people: scored with the table in force on their date.

``assessment_record`` stores one (one per person and day: the same day again updates it);
``assessments_upsert_many`` many (imports, the demo city), scoring each with ``ScoringCache``, which
reads the versions of the scoring rules once per call. Checks: scope (``NotFound``), the elder-care
sector (``PermissionDenied``), then the date and the items (``ValidationError``).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.access import require_sector
from laoxiao.core.bulk import Progress, WriteResult
from laoxiao.core.models import RuleVersion
from laoxiao.core.rules import RuleMissing, rule, rule_version
from laoxiao.people.actions.elder_checks import add_months, check_follow_up_date, elder_in_scope
from laoxiao.people.actions.elder_followup import (
    check_dates,
    no_progress,
    refs_checked,
    save_follow_up,
    upsert_follow_up,
)
from laoxiao.people.assessment import ItemError, Result, ScoringRules, score
from laoxiao.people.models import AbilityAssessment, Elder


class ScoringCache:
    """The scoring table in force on each date, read once per call (bulk writes score many rows)."""

    def __init__(self) -> None:
        versions = list(RuleVersion.objects.filter(key="assessment.scoring").order_by("effective_from"))
        raises = list(RuleVersion.objects.filter(key="assessment.max_raises").order_by("effective_from"))
        months = list(
            RuleVersion.objects.filter(key="assessment.reassessment_interval_months").order_by(
                "effective_from"
            )
        )
        self._versions = versions
        self._starts = [v.effective_from for v in versions]
        self._raises = [(v.effective_from, int(v.data["max_raises"])) for v in raises]
        self._months = [(v.effective_from, int(v.data["months"])) for v in months]
        self._built: dict[tuple[int, int | None], ScoringRules] = {}

    @staticmethod
    def _at(pairs: list[tuple[dt.date, int]], on: dt.date) -> int | None:
        found = None
        for start, value in pairs:
            if start <= on:
                found = value
        return found

    def rules(self, on: dt.date) -> ScoringRules:
        i = bisect.bisect_right(self._starts, on) - 1
        if i < 0:
            raise RuleMissing(f"no version of rule 'assessment.scoring' in force on {on}")
        raises = self._at(self._raises, on)
        key = (i, raises)
        if key not in self._built:
            v = self._versions[i]
            self._built[key] = ScoringRules.from_data(
                v.data, max_raises=raises, version=f"assessment.scoring@{v.effective_from.isoformat()}"
            )
        return self._built[key]

    def interval_months(self, on: dt.date) -> int | None:
        return self._at(self._months, on)


def scoring_rules(on: dt.date) -> ScoringRules:
    """The scoring table in force on ``on`` (for pages that score before saving)."""
    v = rule_version("assessment.scoring", on=on)
    try:
        raises = int(rule("assessment.max_raises", on=on)["max_raises"])
    except RuleMissing:
        raises = None
    return ScoringRules.from_data(v.data, max_raises=raises, version=f"assessment.scoring@{v.effective_from}")


def _scored(cache: ScoringCache, rec: Mapping[str, Any], on: dt.date) -> tuple[Result, ScoringRules]:
    rules = cache.rules(on)
    try:
        result = score(
            rec["items"],
            rules=rules,
            coma=bool(rec.get("coma")),
            dementia=bool(rec.get("dementia")),
            psychiatric=bool(rec.get("psychiatric")),
            risk_events_30d=int(rec.get("risk_events_30d") or 0),
        )
    except ItemError as exc:
        raise ValidationError({exc.item: exc.message}) from None
    return result, rules


def _assessment_values(cache: ScoringCache, rec: Mapping[str, Any]) -> dict[str, Any]:
    on: dt.date = rec["assessed_on"]
    result, rules = _scored(cache, rec, on)
    months = cache.interval_months(on)
    return {
        "reason": rec["reason"],
        "items": result.items,
        "self_care": result.domains["self_care"],
        "mobility": result.domains["mobility"],
        "mental": result.domains["mental"],
        "perception": result.domains["perception"],
        "total": result.total,
        "preliminary_level": result.preliminary_level,
        "coma": bool(rec.get("coma")),
        "dementia": bool(rec.get("dementia")),
        "psychiatric": bool(rec.get("psychiatric")),
        "risk_events_30d": int(rec.get("risk_events_30d") or 0),
        "level": result.level,
        "assessor": rec.get("assessor") or "",
        "next_due_on": add_months(on, months) if months else None,
        "rule_version": rules.version[:40],
    }


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    elder: Elder,
    assessed_on: dt.date,
    reason: str,
    items: Mapping[str, int],
    coma: bool = False,
    dementia: bool = False,
    psychiatric: bool = False,
    risk_events_30d: int = 0,
    assessor: str = "",
) -> AbilityAssessment:
    """Score and store an assessment with the scoring table in force on ``assessed_on`` (one per
    person and day: recording the same day again updates it)."""
    elder_in_scope(actor, elder)
    require_sector(actor, "eldercare")
    check_follow_up_date(elder, assessed_on, "assessed_on")
    if reason not in AbilityAssessment.Reason.values:
        raise ValidationError({"reason": _("Unknown assessment reason.")})
    try:
        values = _assessment_values(
            ScoringCache(),
            {
                "assessed_on": assessed_on,
                "reason": reason,
                "items": items,
                "coma": coma,
                "dementia": dementia,
                "psychiatric": psychiatric,
                "risk_events_30d": risk_events_30d,
                "assessor": assessor,
            },
        )
    except RuleMissing:
        raise ValidationError({"assessed_on": _("No scoring table is in force on this date.")}) from None
    return save_follow_up(
        actor=actor,
        model=AbilityAssessment,
        elder=elder,
        day_field="assessed_on",
        day=assessed_on,
        values=values,
    )


@transaction.atomic
def assessments_upsert_many(
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = no_progress
) -> WriteResult:
    """Create or update assessments by (elder_id, assessed_on), each scored with the table in force
    on its date. A record: ``elder_id, assessed_on, reason, items`` (26 scores), optionally ``coma,
    dementia, psychiatric, risk_events_30d, assessor``."""
    recs = list(records)
    refs = refs_checked(actor, recs, "eldercare")
    today = clock.today()
    check_dates(recs, refs, "assessed_on", today)
    for rec in recs:
        if rec["reason"] not in AbilityAssessment.Reason.values:
            raise ValidationError({"reason": _("Unknown assessment reason.")})
    cache = ScoringCache()

    def values(rec: Mapping[str, Any]) -> dict[str, Any]:
        return _assessment_values(cache, rec)

    try:
        return upsert_follow_up(
            actor=actor,
            model=AbilityAssessment,
            records=recs,
            refs=refs,
            key_fields=("assessed_on",),
            values_of=values,
            progress=progress,
        )
    except RuleMissing:
        raise ValidationError({"assessed_on": _("No scoring table is in force on this date.")}) from None
