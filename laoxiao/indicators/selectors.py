"""Reads of the plan's reference data. Definitions are public to every signed-in user."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from laoxiao.core.errors import NotFound
from laoxiao.indicators.models import Indicator, PlanTask, PlanTaskUnit, ResponsibleUnit


def indicator_list(*, sector: str | None = None) -> QuerySet[Indicator]:
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
    qs = PlanTask.objects.prefetch_related(
        Prefetch("task_units", queryset=PlanTaskUnit.objects.select_related("unit").order_by("order"))
    ).order_by("number")
    if unit:
        qs = qs.filter(task_units__unit_id=unit).distinct()
    return qs


def task_get(*, code: str) -> PlanTask:
    task = task_list().filter(code=code.upper()).first()
    if task is None:
        raise NotFound(code)
    return task


def unit_list() -> QuerySet[ResponsibleUnit]:
    return ResponsibleUnit.objects.order_by("order", "code")
