"""Copying a plan's contents into another plan: its indicators, its tasks with their responsible
units and their links to indicators. One function for the two writes that need it — a new version of
a plan (``plans.plan_new_version``: the same contents) and the next plan
(``next_plan.plan_start_next``: each copy ``continues`` the old row, with a new baseline) — which
differ only in what they change on each copied row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from laoxiao.plan.models import Indicator, Plan, PlanTask, PlanTaskUnit

Changes = Callable[[Any], dict[str, Any]]


def _copy_values(row: Any, skip: set[str]) -> dict[str, Any]:
    """The row's own column values (attnames), except its key, its plan and ``skip``."""
    out: dict[str, Any] = {}
    for f in row._meta.concrete_fields:
        if f.primary_key or f.name in {"plan", *skip}:
            continue
        out[f.attname] = getattr(row, f.attname)
    return out


def copy_plan_contents(
    source: Plan,
    target: Plan,
    *,
    indicator_changes: Changes | None = None,
    task_changes: Changes | None = None,
) -> tuple[list[Indicator], list[PlanTask]]:
    """Copy ``source``'s indicators and tasks into ``target`` in a few bulk inserts. Each copy takes
    the old row's values with ``*_changes(old_row)`` applied on top (field attnames, e.g.
    ``{"baseline": ..., "continues_id": old.pk}``); task units and task–indicator links follow.
    Answers the new indicators and tasks (in the source's order)."""
    old_indicators = list(Indicator.objects.filter(plan=source).order_by("order", "code"))
    Indicator.objects.bulk_create(
        [
            Indicator(
                plan=target,
                **{**_copy_values(i, set()), **(indicator_changes(i) if indicator_changes else {})},
            )
            for i in old_indicators
        ]
    )
    new_by_code = {i.code: i for i in Indicator.objects.filter(plan=target)}
    old_tasks = list(
        PlanTask.objects.filter(plan=source)
        .order_by("number", "code")
        .prefetch_related("task_units", "indicators")
    )
    PlanTask.objects.bulk_create(
        [
            PlanTask(plan=target, **{**_copy_values(t, set()), **(task_changes(t) if task_changes else {})})
            for t in old_tasks
        ]
    )
    new_tasks = {t.code: t for t in PlanTask.objects.filter(plan=target)}
    PlanTaskUnit.objects.bulk_create(
        [
            PlanTaskUnit(task=new_tasks[t.code], unit_id=tu.unit_id, order=tu.order, is_lead=tu.is_lead)
            for t in old_tasks
            for tu in t.task_units.all()
        ]
    )
    through = PlanTask.indicators.through
    through.objects.bulk_create(
        [
            through(plantask_id=new_tasks[t.code].pk, indicator_id=new_by_code[i.code].pk)
            for t in old_tasks
            for i in t.indicators.all()
            if i.code in new_by_code
        ]
    )
    return [new_by_code[i.code] for i in old_indicators], [new_tasks[t.code] for t in old_tasks]
