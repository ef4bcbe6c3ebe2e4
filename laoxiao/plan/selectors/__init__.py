"""Reads of the plans' reference data (indicators, tasks, units). Definitions are the same for every
signed-in user (not scoped). Each read takes a plan; without one, the plan for this year
(``laoxiao.plan.selectors.plans.plan_for_year``)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from laoxiao.accounts.models import ResponsibleUnit
from laoxiao.core.errors import NotFound
from laoxiao.plan.models import Indicator, Plan, PlanTask, PlanTaskUnit
from laoxiao.plan.selectors.plans import plan_indicators, plan_or_default


def indicator_list(*, sector: str | None = None, plan: Plan | None = None) -> QuerySet[Indicator]:
    """The plan's indicators in its order, optionally of one sector (``eldercare`` / ``childcare``)."""
    qs = plan_indicators(plan or plan_or_default())
    if sector:
        qs = qs.filter(sector=sector)
    return qs


def indicator_get(*, code: str, plan: Plan | None = None) -> Indicator:
    ind = indicator_list(plan=plan).filter(code=code.strip().upper()).first()
    if ind is None:
        raise NotFound(code)
    return ind


def task_list(*, unit: str | None = None, plan: Plan | None = None) -> QuerySet[PlanTask]:
    """The plan's tasks in its order with their units prefetched (lead first); ``unit`` keeps the
    tasks that name that unit, as lead or co-responsible."""
    qs = (
        PlanTask.objects.filter(plan=plan or plan_or_default())
        .prefetch_related(
            Prefetch("task_units", queryset=PlanTaskUnit.objects.select_related("unit").order_by("order"))
        )
        .order_by("number")
    )
    if unit:
        qs = qs.filter(pk__in=PlanTaskUnit.objects.filter(unit_id=unit).values("task_id"))
    return qs


def task_get(*, code: str, plan: Plan | None = None) -> PlanTask:
    task = task_list(plan=plan).filter(code=code.strip().upper()).first()
    if task is None:
        raise NotFound(code)
    return task


def unit_list(*, plan: Plan | None = None) -> QuerySet[ResponsibleUnit]:
    """The units in order, each with ``task_count`` (the plan's tasks naming it), ``lead_count``
    (those it leads) and ``indicator_count`` (the plan's indicators it answers for)."""
    plan = plan or plan_or_default()
    in_plan = Q(task_units__task__plan=plan)
    return ResponsibleUnit.objects.annotate(
        task_count=Count("task_units", filter=in_plan, distinct=True),
        lead_count=Count("task_units", filter=in_plan & Q(task_units__is_lead=True), distinct=True),
        indicator_count=Count("indicator", filter=Q(indicator__plan=plan), distinct=True),
    ).order_by("order", "code")


def unit_get(*, code: str) -> ResponsibleUnit:
    unit = ResponsibleUnit.objects.filter(code=code).first()
    if unit is None:
        raise NotFound(code)
    return unit
