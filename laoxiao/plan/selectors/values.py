"""Reading indicator values and reported values.

Indicator values are stored per measure (``IndicatorValue``), written by the engine for computed
measures and by the approval of a reported value; nothing is computed here. A plan's indicator
reads the value of its measure, with the status against that plan's own baseline, target and
straight line. They are aggregates: any signed-in staff user reads them for any region of the city.

Reported values (``ReportedValue``) are read by the reporters of the measure's responsible unit
(every region: the units are city bureaus) and by city administrators (all of them); anyone else
sees none, and a single one outside what the actor sees answers ``NotFound``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from laoxiao.accounts import roles
from laoxiao.core.access import is_city_admin
from laoxiao.core.errors import NotFound
from laoxiao.plan.calculators import REGISTRY, Period
from laoxiao.plan.engine import REPORTED_REASON, applies_to
from laoxiao.plan.models import Indicator, IndicatorValue, Measure, Plan, ReportedValue
from laoxiao.plan.selectors.plans import plan_indicators, plan_or_default
from laoxiao.plan.status import (
    Status,
    expected_value,
    indicator_status,
    is_count_value,
    status_rule,
)
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import level_of_code, prefix_for


@dataclass(frozen=True)
class ValueRow:
    indicator: Indicator
    region_code: str
    period: str
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    reason: str
    computed_at: Any
    status: Status = Status(None, None)
    inputs: dict[str, Any] | None = None

    @property
    def reported_value_id(self) -> int | None:
        return (self.inputs or {}).get("reported_value")

    def as_json(self) -> dict[str, Any]:
        i = self.indicator
        count = self.denominator is None
        return {
            "code": i.code,
            "plan": i.plan_id,
            "measure": i.measure_id,
            "name": i.name,
            "unit": i.unit,
            "period": self.period,
            "region_code": self.region_code,
            "value": _number(self.value, as_int=count),
            "numerator": _number(self.numerator),
            "denominator": _number(self.denominator),
            "reason": self.reason or None,
            "baseline": _number(i.baseline),
            "target": _number(i.target),
            "comparator": i.comparator,
            "kind": i.kind,
            "status": self.status.code,
            "expected": _number(self.status.expected),
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
        }


def _number(d: Decimal | None, *, as_int: bool | None = None) -> int | float | None:
    """A JSON number: an int for whole numbers (or always for counts), else a float."""
    if d is None:
        return None
    whole = d == d.to_integral_value()
    if as_int is None:
        as_int = whole
    return int(d) if as_int and whole else float(d)


def not_computed_reason(indicator: Indicator, period: Period) -> str:
    if indicator.kind == Indicator.Kind.REPORTED or indicator.measure_id not in REGISTRY:
        return REPORTED_REASON
    return f"not computed yet: run `laoxiao indicators compute --period {period.text}`"


def value_row(
    indicator: Indicator,
    stored: IndicatorValue | None,
    *,
    region_code: str,
    period: Period,
    rule_data: Any = None,
) -> ValueRow:
    """The row of one indicator: the stored value with its status, or no value and the reason."""
    if stored is None:
        return ValueRow(
            indicator,
            region_code,
            period.text,
            None,
            None,
            None,
            not_computed_reason(indicator, period),
            None,
        )
    data = rule_data if rule_data is not None else status_rule(period.year)
    status = indicator_status(
        indicator,
        stored.value,
        year=period.year,
        region_level=level_of_code(region_code),
        is_count=is_count_value(indicator, stored.denominator, rule_data=data),
        rule_data=data,
    )
    return ValueRow(
        indicator,
        region_code,
        period.text,
        stored.value,
        stored.numerator,
        stored.denominator,
        stored.reason,
        stored.computed_at,
        status,
        stored.inputs,
    )


def indicator_values(*, region_code: str, period: str, plan: Plan | None = None) -> list[ValueRow]:
    """Every indicator of the plan (default: the plan for the period's year) that has values for the
    period, in the plan's order, with its measure's stored value for the region, or no value and
    the reason."""
    return indicator_values_many(region_codes=[region_code], period=period, plan=plan)[region_code]


def indicator_values_many(
    *, region_codes: Iterable[str], period: str, plan: Plan | None = None
) -> dict[str, list[ValueRow]]:
    """``indicator_values`` for several regions at once (one query for the values)."""
    p = Period.parse(period)
    if plan is None:
        plan = plan_or_default(year=p.year)
    codes = list(dict.fromkeys(region_codes))
    indicators = [i for i in plan_indicators(plan) if applies_to(i.measure_id, p)]
    stored = {
        (v.region_code, v.measure_id): v
        for v in IndicatorValue.objects.filter(
            region_code__in=codes, period=p.text, measure_id__in={i.measure_id for i in indicators}
        )
    }
    data = status_rule(p.year)
    return {
        code: [
            value_row(i, stored.get((code, i.measure_id)), region_code=code, period=p, rule_data=data)
            for i in indicators
        ]
        for code in codes
    }


def region_or_404(code: str) -> Region:
    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None:
        raise NotFound(code)
    return region


def table_regions(region_codes: Iterable[str] | None = None) -> list[Region]:
    """The regions of a Table 1 export: those asked for (unknown → ``NotFound``), or the city and
    each county."""
    if region_codes:
        codes = list(dict.fromkeys(c.strip() for c in region_codes if c and c.strip()))
        found = {r.code: r for r in Region.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise NotFound(", ".join(missing))
        return [found[c] for c in codes]
    return list(
        Region.objects.filter(level__in=[Region.Level.CITY, Region.Level.COUNTY]).order_by("level", "code")
    )


def aggregate_region_allowed(actor: Any, key: str, region_code: str) -> bool:
    """Whether ``actor`` reads aggregate ``key`` of ``region_code`` (``accounts.roles.AGGREGATE_READS``):
    "city" → any region; "own" → the actor's regions and below, and the regions above them
    (a county officer reads their county and the city's total, not another county)."""
    if roles.aggregate_reach(key) == "city":
        return True
    prefixes = actor.region_prefixes()
    if prefixes is None:
        return True
    own = prefix_for(region_code, level_of_code(region_code)) if len(region_code) == 12 else region_code
    return any(region_code.startswith(p) or p.startswith(own) for p in prefixes)


def require_aggregate_region(actor: Any, key: str, region: Region) -> Region:
    """``region`` if ``actor`` reads aggregate ``key`` there, else ``NotFound`` (as outside scope)."""
    if not aggregate_region_allowed(actor, key, region.code):
        raise NotFound(region.code)
    return region


def can_read_values(actor: Any) -> bool:
    """Signed-in staff: every active user but a provider's operator (a superuser always)."""
    if not getattr(actor, "is_active", False):
        return False
    return bool(actor.is_superuser or not getattr(actor, "provider_id", None))


# --- reported values -------------------------------------------------------------------------------


def is_reporter(actor: Any) -> bool:
    return bool(getattr(actor, "is_active", False) and actor.unit_id and actor.has_perm(roles.REPORT_PLAN))


def can_report(actor: Any, target: Indicator | Measure) -> bool:
    """A reporter of the indicator's responsible unit (for a measure: of a unit answering for it),
    or a city administrator."""
    if is_city_admin(actor):
        return True
    if not is_reporter(actor):
        return False
    if isinstance(target, Measure):
        return unit_measures(actor.unit_id).filter(key=target.key).exists()
    return bool(target.responsible_unit_id == actor.unit_id)


def reportable_indicators(*, actor: Any, plan: Plan | None = None) -> QuerySet[Indicator]:
    """The reported indicators of the plan (default: this year's) the actor may report: their
    unit's, or all for an administrator."""
    plan = plan or plan_or_default()
    qs = plan_indicators(plan).filter(kind=Indicator.Kind.REPORTED)
    if is_city_admin(actor):
        return qs.order_by("order")
    if is_reporter(actor):
        return qs.filter(responsible_unit_id=actor.unit_id).order_by("order")
    return qs.none()


def unit_measures(unit_id: str) -> QuerySet[Measure]:
    """The measures a unit answers for: its own, and those of any plan's indicator it is responsible for."""
    return Measure.objects.filter(
        Q(responsible_unit_id=unit_id) | Q(indicators__responsible_unit_id=unit_id)
    ).distinct()


def measure_q(name: str) -> Q:
    """Rows of the measure named by its key or its alias (``nursing_bed_share`` / ``E06``)."""
    text = (name or "").strip()
    return Q(measure_id=text) | Q(measure__alias=text.upper())


def reported_visible(*, actor: Any) -> QuerySet[ReportedValue]:
    qs = ReportedValue.objects.select_related("measure", "submitted_by", "reviewed_by", "unit")
    if is_city_admin(actor):
        return qs
    if is_reporter(actor):
        return qs.filter(measure__in=unit_measures(actor.unit_id).values("key"))
    return qs.none()


def reported_list(
    *,
    actor: Any,
    indicator: str | None = None,
    region: str | None = None,
    period: str | None = None,
    status: str | None = None,
) -> QuerySet[ReportedValue]:
    """The reported values the actor sees, newest first, filtered by measure (key or alias), region
    (the exact code), period and status."""
    qs = reported_visible(actor=actor)
    if indicator:
        qs = qs.filter(measure_q(indicator))
    if region:
        qs = qs.filter(region_code=region.strip())
    if period:
        qs = qs.filter(period=period.strip())
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-submitted_at", "-pk")


def reported_get(*, actor: Any, pk: int) -> ReportedValue:
    row = reported_visible(actor=actor).filter(pk=pk).first()
    if row is None:
        raise NotFound(pk)
    return row


def reported_history(*, actor: Any, indicator: str, region_code: str, period: str) -> list[ReportedValue]:
    """Every submission for one (measure, region, period), oldest first."""
    return list(
        reported_visible(actor=actor)
        .filter(measure_q(indicator), region_code=region_code, period=period)
        .order_by("submitted_at", "pk")
    )


def reported_queue(*, actor: Any) -> QuerySet[ReportedValue]:
    """The submissions waiting for review (administrators), oldest first."""
    if not is_city_admin(actor):
        return ReportedValue.objects.none()
    return (
        reported_visible(actor=actor)
        .filter(status=ReportedValue.Status.SUBMITTED)
        .order_by("submitted_at", "pk")
    )


@dataclass
class ReportingCell:
    indicator: Indicator
    region: Region
    period: str
    approved: ReportedValue | None
    pending: ReportedValue | None
    status: Status


def reporting_overview(
    *, actor: Any, period: str, regions: list[Region], plan: Plan | None = None
) -> list[ReportingCell]:
    """For each indicator of the plan the actor reports and each region: the approved figure (with
    its status against the plan's target) and the pending submission, for the period."""
    p = Period.parse(period)
    indicators = list(reportable_indicators(actor=actor, plan=plan or plan_or_default(year=p.year)))
    codes = [r.code for r in regions]
    rows = ReportedValue.objects.filter(
        measure_id__in=[i.measure_id for i in indicators],
        region_code__in=codes,
        period=p.text,
        status__in=[ReportedValue.Status.APPROVED, ReportedValue.Status.SUBMITTED],
    ).select_related("submitted_by")
    approved: dict[tuple[str, str], ReportedValue] = {}
    pending: dict[tuple[str, str], ReportedValue] = {}
    for r in rows:
        (approved if r.status == ReportedValue.Status.APPROVED else pending)[
            (r.measure_id, r.region_code)
        ] = r
    data = status_rule(p.year)
    out = []
    for i in indicators:
        for region in regions:
            a = approved.get((i.measure_id, region.code))
            status = (
                indicator_status(
                    i,
                    a.value,
                    year=p.year,
                    region_level=level_of_code(region.code),
                    is_count=is_count_value(i, None, rule_data=data),
                    rule_data=data,
                )
                if a
                else Status(None, expected_value(i, p.year))
            )
            out.append(ReportingCell(i, region, p.text, a, pending.get((i.measure_id, region.code)), status))
    return out
