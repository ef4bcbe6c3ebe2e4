"""Pages of the plan's reference data: Table 1, the tasks of Annex 1, the responsible units."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from laoxiao.plan import selectors
from laoxiao.plan.models import Indicator
from laoxiao.plan.views._plans import plan_context, request_plan
from laoxiao.plan.views.tasks import task_list as task_list  # the task list lives with the task pages


@login_required
def indicator_list(request: HttpRequest) -> HttpResponse:
    """Laid out like the plan's Table 1: one group per sector, elder care first."""
    plan = request_plan(request)
    indicators = list(selectors.indicator_list(plan=plan))
    groups = [
        {"sector": sector, "label": label, "rows": [i for i in indicators if i.sector == sector]}
        for sector, label in Indicator.Sector.choices
    ]
    return render(
        request,
        "plan/indicator_list.html",
        {"groups": groups, "count": len(indicators), **plan_context(request, plan)},
    )


@login_required
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    plan = request_plan(request)
    indicator = selectors.indicator_get(code=code, plan=plan)
    tasks = (
        selectors.task_list(unit=indicator.responsible_unit_id, plan=plan)
        if indicator.responsible_unit_id
        else []
    )
    return render(
        request,
        "plan/indicator_detail.html",
        {"indicator": indicator, "tasks": tasks, **plan_context(request, plan)},
    )


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    return render(request, "plan/unit_list.html", {"units": selectors.unit_list()})
