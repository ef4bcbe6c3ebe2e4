"""Reading plan tasks' progress (Annex 1): who may see which task, each task's status on a date,
the task list and detail, the joint meeting's agenda and the major project list.

Status of a task on a date ``on`` (rule ``tasks.status``; docs/tasks.md):

1. **done**: the latest progress report with ``as_of`` on or before ``on`` says at least
   ``done_percent`` (100), or the task has milestones and every one was done on or before ``on``;
2. **overdue**: otherwise, a milestone due more than ``overdue_grace_days`` (0) days before ``on``
   and not done on or before ``on`` (a milestone due yesterday and not done → overdue);
3. **in progress**: otherwise, any report as of ``on`` or any milestone done by ``on``;
4. **not started**: otherwise.

Who sees tasks: city administrators (``accounts.approve_plan``) and other staff (any sector
permission) read every task; a reporter (``accounts.report_plan`` without a sector) reads only the
tasks that name their unit (lead or co-responsible); anybody else reads none (404).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts import roles
from laoxiao.accounts.models import ResponsibleUnit
from laoxiao.core.access import is_city_admin
from laoxiao.core.errors import NotFound
from laoxiao.core.rules import RuleMissing, rule
from laoxiao.plan.models import (
    IndicatorValue,
    JointMeeting,
    MajorProject,
    Plan,
    PlanTask,
    PlanTaskUnit,
    TaskEvidence,
    TaskMilestone,
    TaskProgressReport,
)
from laoxiao.plan.selectors.plans import plan_or_default
from laoxiao.plan.selectors.values import indicator_values
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import level_of_code, prefix_for, prefix_q, scope_q

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
DONE = "done"
OVERDUE = "overdue"
STATUSES = (NOT_STARTED, IN_PROGRESS, DONE, OVERDUE)
STATUS_LABELS = {
    NOT_STARTED: _("not started"),
    IN_PROGRESS: _("under way"),
    DONE: _("done"),
    OVERDUE: _("overdue"),
}
DEVELOPMENT_REFORM = "development_reform"  # the unit that keeps the major project list
_SECTOR_PERMS = (roles.SECTOR_ELDERCARE, roles.SECTOR_CHILDCARE, roles.SECTOR_HEALTH)


# --- who may do what --------------------------------------------------------------------------------


def is_staff_reader(actor: Any) -> bool:
    """Staff who read every task and the major project list: city admins and any sector staff."""
    return is_city_admin(actor) or any(actor.has_perm(p) for p in _SECTOR_PERMS)


def reporter_unit_id(actor: Any) -> str | None:
    """The unit a reporter reports for (``accounts.report_plan`` and a unit), else None."""
    unit_id: str | None = getattr(actor, "unit_id", None)
    if unit_id and actor.has_perm(roles.REPORT_PLAN):
        return unit_id
    return None


def can_read_tasks(actor: Any) -> bool:
    return is_staff_reader(actor) or reporter_unit_id(actor) is not None


def can_manage_milestones(actor: Any, task: PlanTask) -> bool:
    """City admins, and the reporters of the task's lead unit."""
    if is_city_admin(actor):
        return True
    unit = reporter_unit_id(actor)
    return unit is not None and any(tu.unit_id == unit and tu.is_lead for tu in task.task_units.all())


def can_report(actor: Any, task: PlanTask) -> bool:
    """Reporters of a unit that is lead or co-responsible for the task."""
    unit = reporter_unit_id(actor)
    return unit is not None and any(tu.unit_id == unit for tu in task.task_units.all())


def can_manage_projects(actor: Any) -> bool:
    """City admins and the development-and-reform commission's reporters keep the project list."""
    return is_city_admin(actor) or reporter_unit_id(actor) == DEVELOPMENT_REFORM


def can_read_projects(actor: Any) -> bool:
    return is_staff_reader(actor) or reporter_unit_id(actor) is not None


# --- tasks ------------------------------------------------------------------------------------------


def visible_tasks(actor: Any, plan: Plan | None = None) -> QuerySet[PlanTask]:
    """The tasks of the plan (default: this year's) the actor may read, in the plan's order, units
    prefetched (lead first)."""
    qs = (
        PlanTask.objects.filter(plan=plan or plan_or_default())
        .prefetch_related(
            Prefetch("task_units", queryset=PlanTaskUnit.objects.select_related("unit").order_by("order"))
        )
        .order_by("number")
    )
    if is_staff_reader(actor):
        return qs
    unit = reporter_unit_id(actor)
    if unit is None:
        return qs.none()
    return qs.filter(pk__in=PlanTaskUnit.objects.filter(unit_id=unit).values("task_id"))


def task_get_for(*, actor: Any, code: str, plan: Plan | None = None) -> PlanTask:
    """One task of the plan the actor may read, else ``NotFound``."""
    task = visible_tasks(actor, plan).filter(code=code.strip().upper()).first()
    if task is None:
        raise NotFound(code)
    return task


def _status_rule(on: dt.date) -> dict[str, Any]:
    try:
        data: dict[str, Any] = rule("tasks.status", on=on)
    except RuleMissing:  # before the rule's first version: the defaults the docs describe
        data = {"done_percent": 100, "overdue_grace_days": 0}
    return data


@dataclass
class TaskState:
    """What the list, the detail, the agenda and the cockpit show of one task on a date."""

    task: PlanTask
    status: str
    latest: TaskProgressReport | None = None
    next_milestone: TaskMilestone | None = None
    overdue_milestone: TaskMilestone | None = None  # the earliest overdue one
    days_overdue: int = 0
    milestones: list[TaskMilestone] = field(default_factory=list)

    @property
    def status_label(self) -> Any:
        return STATUS_LABELS[self.status]

    @property
    def percent(self) -> int | None:
        return self.latest.percent if self.latest is not None else None

    @property
    def lead_unit(self) -> ResponsibleUnit | None:
        return self.task.lead_unit

    @property
    def co_units(self) -> list[ResponsibleUnit]:
        return self.task.ordered_units[1:]


def _status(
    milestones: list[TaskMilestone], latest: TaskProgressReport | None, on: dt.date, conf: dict[str, Any]
) -> tuple[str, TaskMilestone | None, int]:
    """(status, earliest overdue milestone, days overdue) on ``on``."""
    done_by = [m.done_on is not None and m.done_on <= on for m in milestones]
    if (latest is not None and latest.percent >= int(conf["done_percent"])) or (milestones and all(done_by)):
        return DONE, None, 0
    grace = dt.timedelta(days=int(conf["overdue_grace_days"]))
    late = [m for m, d in zip(milestones, done_by, strict=True) if not d and m.due_on + grace < on]
    if late:
        first = min(late, key=lambda m: (m.due_on, m.order, m.pk))
        return OVERDUE, first, (on - first.due_on).days
    if latest is not None or any(done_by):
        return IN_PROGRESS, None, 0
    return NOT_STARTED, None, 0


def task_states(
    *,
    on: dt.date,
    tasks: QuerySet[PlanTask] | list[PlanTask] | None = None,
    plan: Plan | None = None,
) -> list[TaskState]:
    """The state of each task (default: every task of the plan, default this year's) on ``on``, in
    the plan's order. Four queries."""
    task_list = list(
        tasks
        if tasks is not None
        else PlanTask.objects.filter(plan=plan or plan_or_default())
        .prefetch_related(
            Prefetch("task_units", queryset=PlanTaskUnit.objects.select_related("unit").order_by("order"))
        )
        .order_by("number")
    )
    ids = [t.pk for t in task_list]
    conf = _status_rule(on)
    latest: dict[int, TaskProgressReport] = {}
    for r in (
        TaskProgressReport.objects.filter(task_id__in=ids, as_of__lte=on)
        .select_related("unit")
        .order_by("task_id", "-as_of", "-reported_at", "-pk")
    ):
        latest.setdefault(r.task_id, r)
    milestones: dict[int, list[TaskMilestone]] = {}
    for m in TaskMilestone.objects.filter(task_id__in=ids).order_by("due_on", "order", "pk"):
        milestones.setdefault(m.task_id, []).append(m)
    out = []
    for t in task_list:
        steps = milestones.get(t.pk, [])
        status, late, days = _status(steps, latest.get(t.pk), on, conf)
        upcoming = next((m for m in steps if not (m.done_on is not None and m.done_on <= on)), None)
        out.append(TaskState(t, status, latest.get(t.pk), upcoming, late, days, steps))
    return out


def task_statuses(*, on: dt.date, plan: Plan | None = None) -> dict[str, str]:
    """The status of every task of the plan on ``on``: ``{"T01": "in_progress", ...}`` (see the
    module doc)."""
    return {s.task.code: s.status for s in task_states(on=on, plan=plan)}


def task_status_counts(*, on: dt.date, plan: Plan | None = None) -> dict[str, int]:
    counts = Counter(task_statuses(on=on, plan=plan).values())
    return {s: counts.get(s, 0) for s in STATUSES}


def task_overview(
    *,
    actor: Any,
    on: dt.date,
    unit: str | None = None,
    status: str | None = None,
    overdue_first: bool = False,
    plan: Plan | None = None,
) -> list[TaskState]:
    """The tasks the actor may read with their state on ``on``; ``unit`` keeps the tasks naming the
    unit (lead or co-responsible), ``status`` one status; ``overdue_first`` puts the overdue tasks
    first (the longest overdue first), then the plan's order."""
    qs = visible_tasks(actor, plan)
    if unit:
        qs = qs.filter(pk__in=PlanTaskUnit.objects.filter(unit_id=unit).values("task_id"))
    states = task_states(on=on, tasks=qs)
    if status:
        states = [s for s in states if s.status == status]
    if overdue_first:
        states.sort(key=lambda s: (s.status != OVERDUE, -s.days_overdue, s.task.number))
    return states


@dataclass
class TaskDetail:
    state: TaskState
    reports: list[TaskProgressReport]
    indicators: list[Any]  # value rows (laoxiao.plan.selectors.values.ValueRow) or indicators
    period: str | None


def city_code() -> str:

    city = (
        Region.objects.filter(level=Region.Level.CITY).order_by("code").values_list("code", flat=True).first()
    )
    return city or "340600000000"


def latest_year_with_values(*, region_code: str, until: int | None = None) -> str | None:
    """The latest year (``"2021"``) with stored values for the region, at most ``until``."""
    qs = IndicatorValue.objects.filter(region_code=region_code, period__regex=r"^\d{4}$")
    if until is not None:
        qs = qs.filter(period__lte=str(until))
    found: str | None = qs.order_by("-period").values_list("period", flat=True).first()
    return found


def task_detail(*, actor: Any, code: str, on: dt.date, plan: Plan | None = None) -> TaskDetail:
    """A task of the plan the actor may read, with its milestones, reports (evidence prefetched) and
    the latest city value and status of each indicator it moves."""

    plan = plan or plan_or_default()
    task = task_get_for(actor=actor, code=code, plan=plan)
    state = task_states(on=on, tasks=[task])[0]
    reports = list(
        TaskProgressReport.objects.filter(task=task)
        .select_related("unit", "reported_by", "milestone")
        .prefetch_related("evidence")
        .order_by("-as_of", "-reported_at", "-pk")
    )
    linked = list(task.indicators.order_by("order"))
    rows: list[Any] = linked
    region = city_code()
    period = latest_year_with_values(region_code=region, until=on.year)
    if period is not None and linked:
        by_code = {
            r.indicator.code: r for r in indicator_values(region_code=region, period=period, plan=plan)
        }
        rows = [by_code.get(i.code, i) for i in linked]
    return TaskDetail(state, reports, rows, period)


def evidence_get_for(*, actor: Any, pk: int) -> TaskEvidence:
    """An evidence file of a task the actor may read, else ``NotFound``."""
    ev = TaskEvidence.objects.select_related("report__task__plan").filter(pk=pk).first()
    if ev is None or not visible_tasks(actor, ev.report.task.plan).filter(pk=ev.report.task_id).exists():
        raise NotFound(pk)
    return ev


def milestone_get_for(*, actor: Any, pk: int) -> TaskMilestone:
    m = TaskMilestone.objects.select_related("task__plan").filter(pk=pk).first()
    if m is None or not visible_tasks(actor, m.task.plan).filter(pk=m.task_id).exists():
        raise NotFound(pk)
    return m


# --- joint meetings ---------------------------------------------------------------------------------


def meeting_list(*, actor: Any) -> QuerySet[JointMeeting]:
    if not can_read_tasks(actor):
        return JointMeeting.objects.none()
    return JointMeeting.objects.order_by("-held_on", "-pk")


def meeting_get(*, actor: Any, pk: int) -> JointMeeting:
    m = meeting_list(actor=actor).filter(pk=pk).first()
    if m is None:
        raise NotFound(pk)
    return m


@dataclass
class Agenda:
    meeting: JointMeeting
    overdue: list[TaskState]
    behind: list[Any]  # ValueRow of the city, status "behind"
    period: str | None
    region_code: str
    units: dict[str, ResponsibleUnit] = field(default_factory=dict)

    def unit_of(self, row: Any) -> ResponsibleUnit | None:
        """The responsible unit of an indicator row (without a query per row)."""
        return self.units.get(row.indicator.responsible_unit_id)


def meeting_agenda(*, meeting: JointMeeting) -> Agenda:
    """As of the meeting date: every overdue task (the longest overdue first), and the indicators
    behind target for the city in the latest year with values that had ended before the meeting
    (a meeting on 2022-01-15 looks at 2021; one on 2021-12-05 at 2020 at the latest)."""

    on = meeting.held_on
    plan = meeting.plan or plan_or_default(year=on.year)
    overdue = [s for s in task_states(on=on, plan=plan) if s.status == OVERDUE]
    overdue.sort(key=lambda s: (-s.days_overdue, s.task.number))
    region = city_code()
    period = latest_year_with_values(region_code=region, until=on.year - 1)
    behind: list[Any] = []
    if period is not None:
        rows = indicator_values(region_code=region, period=period, plan=plan)
        behind = [r for r in rows if r.status.code == "behind"]
    units = {u.pk: u for u in ResponsibleUnit.objects.all()}
    return Agenda(meeting, overdue, behind, period, region, units)


# --- major projects ---------------------------------------------------------------------------------


def major_project_list(
    *, actor: Any, year: int | None = None, region: str | None = None
) -> QuerySet[MajorProject]:
    """The projects staff may read, by year. The list is not personal: how far it reaches is the rule
    ``accounts.roles.AGGREGATE_READS["major_projects"]`` ("city": the whole list; "own": the reader's
    regions)."""
    if not can_read_projects(actor):
        return MajorProject.objects.none()
    qs = MajorProject.objects.select_related("unit").order_by("-year", "region_code", "name")
    if roles.aggregate_reach("major_projects") != "city" and not is_city_admin(actor):
        q = scope_q("region_code", actor.region_prefixes())
        if q is not None:
            qs = qs.filter(q)
    if year:
        qs = qs.filter(year=year)
    if region:
        qs = qs.filter(prefix_q("region_code", _prefix(region)))
    return qs


def _prefix(code: str) -> str:
    """A 12-digit code → the prefix of its region and everything below; a shorter code as given."""
    return prefix_for(code, level_of_code(code)) if len(code) == 12 and code.isdigit() else code


def major_project_get(*, actor: Any, pk: int) -> MajorProject:
    p = major_project_list(actor=actor).filter(pk=pk).first()
    if p is None:
        raise NotFound(pk)
    return p


PROJECT_SUMS = ("investment", "beds_added", "nursing_beds_added", "slots_added", "floor_area_added")


def major_project_totals(qs: QuerySet[MajorProject]) -> dict[str, Any]:
    """Sums of investment and capacity added over ``qs``, and the count."""
    sums = qs.order_by().aggregate(**{f: Sum(f) for f in PROJECT_SUMS})
    out: dict[str, Any] = {
        f: sums[f] or (Decimal(0) if f in ("investment", "floor_area_added") else 0) for f in PROJECT_SUMS
    }
    out["count"] = qs.count()
    return out


def major_project_years() -> list[int]:
    return list(MajorProject.objects.order_by("-year").values_list("year", flat=True).distinct())


def capacity_added(*, region_prefix: str, year: int) -> dict[str, Any]:
    """Capacity the list adds in a region (division-code prefix) for a list year (for planning)."""
    return major_project_totals(
        MajorProject.objects.filter(prefix_q("region_code", region_prefix), year=year)
    )
