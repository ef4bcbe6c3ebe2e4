"""The credit rating (信用评价) of a provider, computed from its supervision records.

The parts, their points and the level thresholds are the versioned rule ``supervision.credit_rules``;
the tier and inspection frequency that follow from the level are ``supervision.tiers``. This module
reads and computes; ``actions.credit_compute`` stores the result.

Each part answers ``{"code", "label", "points", "records": [{"type", "id", "date", "text", "points"}]}``
so the provider's credit page can show every deduction and the record behind it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from laoxiao.core.rules import rule_version
from laoxiao.providers.models import FilingDocument, Provider
from laoxiao.supervision.models import (
    Complaint,
    Incident,
    Inspection,
    RectificationOrder,
    RiskSignal,
)

CREDIT_RULES = "supervision.credit_rules"
TIERS = "supervision.tiers"


@dataclass
class CreditResult:
    score: int
    level: str
    tier: str
    inspections_per_year: int
    parts: list[dict[str, Any]] = field(default_factory=list)
    rule_version: dict[str, str] = field(default_factory=dict)


def months_before(on: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the last day of the month where it has fewer days)."""
    y, m = divmod(on.year * 12 + on.month - 1 - months, 12)
    m += 1
    for day in (on.day, 30, 29, 28):
        try:
            return dt.date(y, m, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _capped(total: int, spec: dict[str, Any]) -> int:
    cap = spec.get("cap")
    return max(total, int(cap)) if cap is not None else total


def _part(code: str, spec: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
    total = sum(int(r["points"]) for r in records)
    return {
        "code": code,
        "label": spec.get("label", code),
        "points": _capped(total, spec),
        "records": records,
    }


def _local_date(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def level_for(score: int, levels: list[list[Any]]) -> str:
    for level, threshold in sorted(levels, key=lambda lv: -int(lv[1])):
        if score >= int(threshold):
            return str(level)
    return str(sorted(levels, key=lambda lv: int(lv[1]))[0][0])


def compute(provider: Provider, on: dt.date) -> CreditResult:
    """The rating of ``provider`` on ``on`` under the rules in force that day."""
    rules_row = rule_version(CREDIT_RULES, on=on)
    tiers_row = rule_version(TIERS, on=on)
    rules: dict[str, Any] = rules_row.data
    parts_spec: dict[str, Any] = rules["parts"]
    start = months_before(on, int(rules.get("window_months", 12)))
    parts: list[dict[str, Any]] = []

    if "inspections" in parts_spec:
        spec = parts_spec["inspections"]
        records = [
            {
                "type": "inspection",
                "id": i.pk,
                "date": i.date.isoformat(),
                "text": f"{i.get_kind_display()}: {i.get_result_display()}",
                "points": int(spec["points"].get(i.result, 0)),
            }
            for i in Inspection.objects.filter(provider=provider, date__gt=start, date__lte=on)
        ]
        parts.append(_part("inspections", spec, records))

    if "complaints" in parts_spec:
        spec = parts_spec["complaints"]
        records = [
            {
                "type": "complaint",
                "id": c.pk,
                "date": c.received_on.isoformat(),
                "text": c.get_category_display(),
                "points": int(spec["each"]),
            }
            for c in Complaint.objects.filter(
                provider=provider, substantiated=True, received_on__gt=start, received_on__lte=on
            )
        ]
        parts.append(_part("complaints", spec, records))

    if "incidents" in parts_spec:
        spec = parts_spec["incidents"]
        records = []
        for inc in Incident.objects.filter(provider=provider):
            day = _local_date(inc.occurred_at)
            if not (start < day <= on):
                continue
            points = int(spec["points"].get(inc.severity, 0))
            text = f"{inc.get_kind_display()} ({inc.get_severity_display()})"
            if inc.reported_late:
                points += int(spec.get("late_report", 0))
                text += " · reported late"
            records.append(
                {"type": "incident", "id": inc.pk, "date": day.isoformat(), "text": text, "points": points}
            )
        parts.append(_part("incidents", spec, records))

    if "rectifications" in parts_spec:
        spec = parts_spec["rectifications"]
        records = []
        orders = RectificationOrder.objects.filter(
            inspection__provider=provider, inspection__date__lte=on, deadline__lt=on
        )
        for o in orders:
            open_then = o.status == RectificationOrder.Status.OPEN or (
                o.followed_up_on is not None and o.followed_up_on > on
            )
            if open_then:
                records.append(
                    {
                        "type": "rectification",
                        "id": o.pk,
                        "date": o.deadline.isoformat(),
                        "text": o.requirement[:80],
                        "points": int(spec["each"]),
                    }
                )
        parts.append(_part("rectifications", spec, records))

    if "risk_signals" in parts_spec:
        spec = parts_spec["risk_signals"]
        records = [
            {
                "type": "risk_signal",
                "id": s.pk,
                "date": s.detected_on.isoformat(),
                "text": f"{s.get_kind_display()} ({s.get_status_display()})",
                "points": int(spec["points"].get(s.status, 0)),
            }
            for s in RiskSignal.objects.filter(provider=provider, detected_on__lte=on)
            if int(spec["points"].get(s.status, 0))
        ]
        parts.append(_part("risk_signals", spec, records))

    if "filing" in parts_spec:
        spec = parts_spec["filing"]
        points = int(spec["points"].get(provider.filing_status, spec.get("other", 0)))
        records = [
            {
                "type": "filing",
                "id": provider.pk,
                "date": (provider.filed_on or on).isoformat(),
                "text": provider.get_filing_status_display(),
                "points": points,
            }
        ]
        parts.append(_part("filing", spec, records))

    if "documents" in parts_spec:
        spec = parts_spec["documents"]
        records = [
            {
                "type": "document",
                "id": d.pk,
                "date": d.expires_on.isoformat() if d.expires_on else "",
                "text": d.kind,
                "points": int(spec["each"]),
            }
            for d in FilingDocument.objects.filter(
                provider=provider, expires_on__isnull=False, expires_on__lt=on
            )
        ]
        parts.append(_part("documents", spec, records))

    base = int(rules.get("base", 100))
    score = max(0, min(base, base + sum(p["points"] for p in parts)))
    level = level_for(score, rules["levels"])
    tier = tiers_row.data[level]
    return CreditResult(
        score=score,
        level=level,
        tier=str(tier["tier"]),
        inspections_per_year=int(tier["inspections_per_year"]),
        parts=parts,
        rule_version={
            CREDIT_RULES: rules_row.effective_from.isoformat(),
            TIERS: tiers_row.effective_from.isoformat(),
        },
    )
