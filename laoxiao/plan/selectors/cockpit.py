"""Reads for the plan's cockpit: every indicator of a region for a period, its trend over the
periods with values, the same indicator across the region's sub-regions, and task progress.

Values are stored (``IndicatorValue``); nothing is computed here. One query reads the region's
values for every period and its sub-regions' values for the chosen period, so a page costs the
same few queries for the city (4 counties) as for a county (its townships).

Indicator values are aggregates: any signed-in staff user may read them for any region (the
records behind a figure are scoped by the drill-down, not here).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q

from laoxiao.core.errors import NotFound
from laoxiao.plan.calculators import REGISTRY, Period
from laoxiao.plan.engine import applies_to
from laoxiao.plan.models import Indicator, IndicatorValue, Plan, ReportedValue
from laoxiao.plan.selectors.plans import plan_indicators, plan_or_default
from laoxiao.plan.selectors.tasks import OVERDUE, STATUSES, TaskState, task_states
from laoxiao.plan.selectors.values import not_computed_reason
from laoxiao.plan.status import (
    Status,
    expected_value,
    indicator_status,
    is_count_value,
    status_rule,
)
from laoxiao.regions.models import Region

NOT_COMPUTED = "not computed yet"


@dataclass(frozen=True)
class Point:
    """One value of a trend: a period (``2021`` or ``2021-06``) and the value there (None: none)."""

    period: str
    value: Decimal | None


# measures shown with a second definition beside them on their card (docs/indicators.md, E04)
SECOND_DEFINITIONS = {"home_community_care_coverage": "home_community_service_coverage_records"}


def second_values(rows: list[tuple[Any, ...]], measures: set[str]) -> dict[str, tuple[Any, ...]]:
    """The second definitions' values among the region's stored ``rows`` of the chosen period
    (measure, region, period, value, numerator, denominator, ...), by the first measure's key."""
    by_key = {r[0]: (r[0], r[3], r[4], r[5]) for r in rows}
    return {
        first: by_key[key] for first, key in SECOND_DEFINITIONS.items() if first in measures and key in by_key
    }


@dataclass(frozen=True)
class Card:
    """One indicator of the region for the chosen period."""

    indicator: Indicator
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    reason: str
    computed_at: dt.datetime | None
    status: Status
    expected: Decimal | None  # the straight line from the baseline to the target for the year
    trend: list[Point]
    source: str = ""  # reported values: the approved submission's source
    is_count: bool = False  # a count or an amount: its target is the whole city's

    @property
    def is_computed(self) -> bool:
        return self.indicator.kind == Indicator.Kind.COMPUTED and self.indicator.measure_id in REGISTRY

    @property
    def is_monthly(self) -> bool:
        spec = REGISTRY.get(self.indicator.measure_id)
        return bool(spec and spec.monthly)


@dataclass
class Cockpit:
    region: Region
    period: Period | None  # None: no value is stored for any period yet
    periods: list[str]  # periods with values for the region: years (latest first), then months
    cards: list[Card]
    children: list[Region]
    child_values: dict[str, dict[str, Decimal | None]]  # indicator → sub-region code → value
    series: dict[str, dict[str, Decimal | None]]  # indicator → period → value (the region)
    ancestors: list[Region] = field(default_factory=list)
    plan: Plan | None = None
    # a second definition of a measure (E04 from service records): measure → (key, value, num, den)
    second: dict[str, tuple[Any, ...]] = field(default_factory=dict)

    def cards_of(self, sector: str) -> list[Card]:
        return [c for c in self.cards if c.indicator.sector == sector]

    def chart_data(self) -> dict[str, Any]:
        """Everything the charts draw, as JSON: the indicators, the region's values over the periods,
        and the sub-regions' values for the chosen period."""
        year = self.period.year if self.period else None
        years = [p for p in sorted({p for s in self.series.values() for p in s}) if len(p) == 4]
        months = [p for p in sorted({p for s in self.series.values() for p in s}) if len(p) == 7]
        return {
            "region": {"code": self.region.code, "name": self.region.name, "level": self.region.level},
            "period": self.period.text if self.period else None,
            "plan": self.plan.code if self.plan else None,
            "years": years,
            "months": months,
            "indicators": [
                {
                    "code": c.indicator.code,
                    "name": c.indicator.name,
                    "unit": c.indicator.unit,
                    "sector": c.indicator.sector,
                    "kind": c.indicator.kind,
                    "monthly": c.is_monthly,
                    "baseline": _num(c.indicator.baseline),
                    "baseline_year": c.indicator.baseline_year,
                    "target": _num(c.indicator.target),
                    "target_year": c.indicator.target_year,
                    "comparator": c.indicator.comparator,
                    "comparator_sign": c.indicator.get_comparator_display(),
                    "expected": _num(c.expected),
                    "plan_line": _plan_line(c.indicator),
                    "value": _num(c.value),
                    "status": c.status.code,
                    "count": c.is_count,
                }
                for c in self.cards
            ],
            "year": year,
            "series": {
                code: {p: _num(v) for p, v in sorted(values.items())} for code, values in self.series.items()
            },
            "children": [{"code": r.code, "name": r.name, "level": r.level} for r in self.children],
            "by_child": {
                code: {child: _num(v) for child, v in values.items()}
                for code, values in self.child_values.items()
            },
        }


def _num(d: Decimal | None) -> float | int | None:
    if d is None:
        return None
    return int(d) if d == d.to_integral_value() else float(d)


def _plan_line(indicator: Indicator) -> dict[str, float | int | None]:
    """The straight line from the baseline to the target, one point a year (empty without a baseline)."""
    if indicator.baseline is None:
        return {}
    return {
        str(y): _num(expected_value(indicator, y))
        for y in range(indicator.baseline_year, indicator.target_year + 1)
    }


def cockpit_region(*, code: str) -> Region:
    """The region of a cockpit (any region: values are aggregates), or NotFound."""
    region = Region.objects.filter(code=code).select_related("parent__parent__parent").first()
    if region is None:
        raise NotFound(code)
    return region


def _sort_periods(periods: set[str]) -> list[str]:
    """Years first, latest first; then months, latest first."""
    years = sorted((p for p in periods if len(p) == 4), reverse=True)
    months = sorted((p for p in periods if len(p) == 7), reverse=True)
    return years + months


def default_period(periods: list[str]) -> str | None:
    """The latest year with values, else the latest month."""
    return periods[0] if periods else None


def in_plan_period(plan: Plan, period: str) -> bool:
    """Whether a period (a year or a month) lies in the plan's period or its baseline year."""
    return plan.baseline_year <= int(period[:4]) <= plan.last_year


def cockpit(*, region: Region, period: str | None = None, plan: Plan | None = None) -> Cockpit:
    """The cockpit of ``region`` for ``period`` under ``plan`` (default: the plan for the period's
    year, or for this year): its indicators with their measures' values, the status against the
    plan's own targets; the periods offered are those of the plan's period with values (default:
    the latest year).

    Raises ``ValueError`` for a period that is neither a year nor a month."""
    chosen_first = Period.parse(period) if period else None
    if plan is None:
        plan = plan_or_default(year=chosen_first.year if chosen_first else None)
    children = list(Region.objects.filter(parent=region).order_by("code"))
    child_codes = [c.code for c in children]
    indicators = list(plan_indicators(plan))
    measures = {i.measure_id for i in indicators}
    seconds = set(SECOND_DEFINITIONS.values()) - measures  # read in the same query, shown on the first's card

    # every stored value of the region, and the sub-regions' values for the period (one query;
    # the sub-regions' rows are filtered by period once it is known)
    rows = list(
        IndicatorValue.objects.filter(Q(region_code=region.code) | Q(region_code__in=child_codes))
        .filter(measure_id__in=measures | seconds)
        .values_list(
            "measure_id",
            "region_code",
            "period",
            "value",
            "numerator",
            "denominator",
            "reason",
            "computed_at",
        )
        .order_by()
    )
    rows = [r for r in rows if in_plan_period(plan, r[2])]
    second_rows = [r for r in rows if r[0] in seconds and r[1] == region.code]
    rows = [r for r in rows if r[0] not in seconds]
    own = [r for r in rows if r[1] == region.code]
    periods = _sort_periods({r[2] for r in own})
    chosen = chosen_first
    if chosen is None:
        text = default_period(periods) or default_period(_sort_periods({r[2] for r in rows}))
        chosen = Period.parse(text) if text else None
    ancestors = _ancestors(region)
    if chosen is None:
        return Cockpit(region, None, [], [], children, {}, {}, ancestors, plan)

    series: dict[str, dict[str, Decimal | None]] = {}
    stored: dict[str, tuple[Any, ...]] = {}
    for r in own:
        series.setdefault(r[0], {})[r[2]] = r[3]
        if r[2] == chosen.text:
            stored[r[0]] = r
    child_values: dict[str, dict[str, Decimal | None]] = {}
    for r in rows:
        if r[1] != region.code and r[2] == chosen.text:
            child_values.setdefault(r[0], {})[r[1]] = r[3]

    sources = _reported_sources(region.code, chosen.text)
    rule_data = status_rule(chosen.year)  # read once for every card
    cards = [
        _card(indicator, stored.get(indicator.measure_id), chosen, region, series, sources, rule_data)
        for indicator in indicators
        if applies_to(indicator.measure_id, chosen)
    ]
    return Cockpit(
        region,
        chosen,
        periods,
        cards,
        children,
        {c.indicator.code: child_values.get(c.indicator.measure_id, {}) for c in cards},
        {c.indicator.code: series.get(c.indicator.measure_id, {}) for c in cards},
        ancestors,
        plan,
        second_values([r for r in second_rows if r[2] == chosen.text], measures),
    )


def _ancestors(region: Region) -> list[Region]:
    out = []
    parent = region.parent
    while parent is not None:
        out.append(parent)
        parent = parent.parent
    return list(reversed(out))


def _reported_sources(region_code: str, period: str) -> dict[str, str]:
    """The source of each approved reported figure of the region and period, by measure."""
    return dict(
        ReportedValue.objects.filter(
            region_code=region_code, period=period, status=ReportedValue.Status.APPROVED
        ).values_list("measure_id", "source")
    )


def _trend(measure_key: str, series: dict[str, dict[str, Decimal | None]]) -> list[Point]:
    """The values over the periods: the years, or for a monthly measure its months when it has any."""
    values = series.get(measure_key, {})
    spec = REGISTRY.get(measure_key)
    months = sorted(p for p in values if len(p) == 7)
    chosen = months if spec and spec.monthly and months else sorted(p for p in values if len(p) == 4)
    return [Point(p, values[p]) for p in chosen]


def _card(
    indicator: Indicator,
    row: tuple[Any, ...] | None,
    period: Period,
    region: Region,
    series: dict[str, dict[str, Decimal | None]],
    sources: dict[str, str],
    rule_data: Any,
) -> Card:
    expected = expected_value(indicator, period.year)
    trend = _trend(indicator.measure_id, series)
    if row is None:
        reason = not_computed_reason(indicator, period)
        return Card(indicator, None, None, None, reason, None, Status(None, None), expected, trend)
    _code, _region, _period, value, numerator, denominator, reason, computed_at = row
    is_count = is_count_value(indicator, denominator, rule_data=rule_data)
    status = indicator_status(
        indicator,
        value,
        year=period.year,
        region_level=region.level,
        is_count=is_count,
        rule_data=rule_data,
    )
    return Card(
        indicator,
        value,
        numerator,
        denominator,
        reason,
        computed_at,
        status,
        status.expected if status.expected is not None else expected,
        trend,
        sources.get(indicator.measure_id, ""),
        is_count,
    )


# --- task progress -----------------------------------------------------------------------------


@dataclass
class TaskProgress:
    on: dt.date
    counts: dict[str, int]  # status → number of tasks, in STATUSES order
    overdue: list[TaskState]  # the overdue tasks, the longest overdue first

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def task_progress(*, on: dt.date, plan: Plan | None = None) -> TaskProgress:
    """The plan's tasks by status on ``on`` (the tasks' own rule: ``task_states``) and the overdue
    ones with the milestone each missed first."""
    states = task_states(on=on, plan=plan)
    counter = Counter(s.status for s in states)
    overdue = sorted(
        (s for s in states if s.status == OVERDUE), key=lambda s: (-s.days_overdue, s.task.number)
    )
    return TaskProgress(on, {s: counter.get(s, 0) for s in STATUSES}, overdue)


def task_date(period: Period | None, *, today: dt.date) -> dt.date:
    """The date task progress is read on: the period's end, or today while the period runs."""
    if period is None:
        return today
    return min(period.end, today)
