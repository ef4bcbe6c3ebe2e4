"""The final evaluation (终期评估) of a plan: pure reads.

For each indicator of the plan, its baseline and target and its measure's stored value for the
plan's last year (computed, or a reported figure once approved) in the city and in each county,
whether it meets the target (``meets_target``), or the reason there is none; for each task its
milestones and its status on the plan's last day (``task_states``) with its evidence; and a
summary: achieved n of m in the city, and the gaps of the others, largest first.

The values are those of the cockpit for the city and ``str(last_year)`` (the same stored rows and
rules): nothing is computed here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from laoxiao.core.errors import NotFound
from laoxiao.plan.engine import REPORTED_REASON
from laoxiao.plan.models import Indicator, Plan, TaskEvidence
from laoxiao.plan.selectors.tasks import DONE, TaskState, task_states
from laoxiao.plan.selectors.values import ValueRow, indicator_values_many
from laoxiao.plan.status import is_count_value, meets_target, status_rule
from laoxiao.regions.models import Region

NOT_COMPUTED = "not_computed"
NO_APPROVED = "no_approved"


@dataclass(frozen=True)
class Cell:
    """One indicator in one region for the final year."""

    row: ValueRow
    achieved: bool | None  # None: no value, or a count below the city (its target is the city's)

    @property
    def value(self) -> Decimal | None:
        return self.row.value

    @property
    def reason(self) -> str:
        """Why there is no value: ``not_computed``, ``no_approved`` or the stored reason ("" with a value)."""
        if self.row.value is not None:
            return ""
        if self.row.computed_at is None:
            return NO_APPROVED if self.row.reason == REPORTED_REASON else NOT_COMPUTED
        return self.row.reason or NOT_COMPUTED


@dataclass(frozen=True)
class IndicatorResult:
    indicator: Indicator
    city: Cell
    counties: list[Cell]  # in the order of ``Evaluation.counties``
    gap: Decimal | None  # relative gap in the city (not achieved only), > 0 = short of the target


@dataclass(frozen=True)
class TaskResult:
    state: TaskState
    evidence: list[str]  # the file names of every report's evidence up to the last day

    @property
    def percent(self) -> int | None:
        return self.state.percent

    @property
    def report_text(self) -> str:
        return self.state.latest.text if self.state.latest is not None else ""

    @property
    def is_done(self) -> bool:
        return self.state.status == DONE


@dataclass
class Evaluation:
    plan: Plan
    year: int
    on: dt.date
    city: Region
    counties: list[Region]
    indicators: list[IndicatorResult]
    tasks: list[TaskResult] = field(default_factory=list)

    @property
    def achieved(self) -> int:
        return sum(1 for r in self.indicators if r.city.achieved)

    @property
    def total(self) -> int:
        return len(self.indicators)

    @property
    def without_value(self) -> int:
        return sum(1 for r in self.indicators if r.city.value is None)

    @property
    def gaps(self) -> list[IndicatorResult]:
        """The indicators not achieved in the city with a value, the largest relative gap first."""
        rows = [r for r in self.indicators if r.city.achieved is False]
        return sorted(rows, key=lambda r: (-(r.gap if r.gap is not None else Decimal(0)), r.indicator.order))

    @property
    def tasks_done(self) -> int:
        return sum(1 for t in self.tasks if t.is_done)

    def city_value(self, indicator: Indicator) -> Decimal | None:
        return next((r.city.value for r in self.indicators if r.indicator.pk == indicator.pk), None)


def relative_gap(indicator: Indicator, value: Decimal | None) -> Decimal | None:
    """(target − value) / target, the sign turned for ≤ and < targets (a positive gap: short of
    the target); None without a value or with a zero target."""
    if value is None:
        return None
    target = Decimal(indicator.target)
    if target == 0:
        return None
    if indicator.comparator in (Indicator.Comparator.LTE, Indicator.Comparator.LT):
        diff = value - target
    elif indicator.comparator == Indicator.Comparator.EQ:
        diff = abs(target - value)
    else:
        diff = target - value
    return diff / abs(target)


def _cell(row: ValueRow, *, is_city: bool, rule_data: object) -> Cell:
    if row.value is None:
        return Cell(row, None)
    if not is_city and is_count_value(row.indicator, row.denominator, rule_data=rule_data):
        return Cell(row, None)
    return Cell(row, meets_target(row.indicator, row.value))


def evaluation_regions() -> tuple[Region, list[Region]]:
    """The city and its counties (``NotFound`` before the regions are imported)."""
    city = Region.objects.filter(level=Region.Level.CITY).order_by("code").first()
    if city is None:
        raise NotFound("city")  # no regions imported yet
    counties = list(Region.objects.filter(parent=city).order_by("code"))
    return city, counties


def plan_evaluation(*, plan: Plan, with_tasks: bool = True) -> Evaluation:
    """The final evaluation of ``plan`` for its last year (see the module)."""
    year = plan.last_year
    city, counties = evaluation_regions()
    values = indicator_values_many(
        region_codes=[city.code, *(c.code for c in counties)], period=str(year), plan=plan
    )
    data = status_rule(year)
    results = []
    for n, row in enumerate(values[city.code]):
        cell = _cell(row, is_city=True, rule_data=data)
        results.append(
            IndicatorResult(
                row.indicator,
                cell,
                [_cell(values[c.code][n], is_city=False, rule_data=data) for c in counties],
                relative_gap(row.indicator, row.value) if cell.achieved is False else None,
            )
        )
    on = dt.date(year, 12, 31)
    out = Evaluation(plan, year, on, city, counties, results)
    if with_tasks:
        states = task_states(on=on, plan=plan)
        names: dict[int, list[str]] = {}
        for task_id, name in (
            TaskEvidence.objects.filter(
                report__task_id__in=[s.task.pk for s in states], report__as_of__lte=on
            )
            .order_by("report__as_of", "pk")
            .values_list("report__task_id", "name")
        ):
            names.setdefault(task_id, []).append(name)
        out.tasks = [TaskResult(s, names.get(s.task.pk, [])) for s in states]
    return out


__all__ = [
    "NOT_COMPUTED",
    "NO_APPROVED",
    "Cell",
    "Evaluation",
    "IndicatorResult",
    "TaskResult",
    "plan_evaluation",
    "relative_gap",
]
