"""Reads of the plan's reference data. Definitions are the same for every signed-in user (not scoped)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from laoxiao.accounts.models import ResponsibleUnit
from laoxiao.core.errors import NotFound
from laoxiao.plan.models import Indicator, PlanTask, PlanTaskUnit


def indicator_list(*, sector: str | None = None) -> QuerySet[Indicator]:
    """The indicators in the plan's order, optionally of one sector (``eldercare`` / ``childcare``)."""
    qs = Indicator.objects.select_related("responsible_unit").order_by("order")
    if sector:
        qs = qs.filter(sector=sector)
    return qs


def indicator_get(*, code: str) -> Indicator:
    ind = indicator_list().filter(code=code.upper()).first()
    if ind is None:
        raise NotFound(code)
    return ind


def task_list(*, unit: str | None = None) -> QuerySet[PlanTask]:
    """The tasks in the plan's order with their units prefetched (lead first); ``unit`` keeps the
    tasks that name that unit, as lead or co-responsible."""
    qs = PlanTask.objects.prefetch_related(
        Prefetch("task_units", queryset=PlanTaskUnit.objects.select_related("unit").order_by("order"))
    ).order_by("number")
    if unit:
        qs = qs.filter(pk__in=PlanTaskUnit.objects.filter(unit_id=unit).values("task_id"))
    return qs


def task_get(*, code: str) -> PlanTask:
    task = task_list().filter(code=code.upper()).first()
    if task is None:
        raise NotFound(code)
    return task


def unit_list() -> QuerySet[ResponsibleUnit]:
    """The units in the plan's order, each with ``task_count`` (tasks naming it), ``lead_count``
    (tasks it leads) and ``indicator_count`` (indicators it answers for)."""
    return ResponsibleUnit.objects.annotate(
        task_count=Count("task_units", distinct=True),
        lead_count=Count("task_units", filter=Q(task_units__is_lead=True), distinct=True),
        indicator_count=Count("indicator", distinct=True),
    ).order_by("order", "code")


def unit_get(*, code: str) -> ResponsibleUnit:
    unit = ResponsibleUnit.objects.filter(code=code).first()
    if unit is None:
        raise NotFound(code)
    return unit
