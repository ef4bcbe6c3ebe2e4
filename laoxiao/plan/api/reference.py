"""/api/v1/plan: the plans, each plan's indicators (Table 1 and C10), tasks (Annex 1) and the
responsible units; ``?plan=CODE`` chooses the plan (default: the plan for this year).

No ``from __future__ import annotations`` here: with it, ninja leaves ``Query[...]`` of a
``@paginate``d view as an unresolved forward reference and the request fails.
"""

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from laoxiao.api.pagination import Pages
from laoxiao.plan import selectors
from laoxiao.plan.models import Plan
from laoxiao.plan.schemas import IndicatorFilters, IndicatorOut, PlanOut, TaskFilters, TaskOut, UnitOut
from laoxiao.plan.selectors.plans import plan_get, plan_list, plan_or_default

router = Router(tags=["plan"])


def _plan(code: str | None) -> Plan:
    return plan_or_default(code)


@router.get("/plans", response=list[PlanOut], summary="Every plan, the newest period first")
@paginate(Pages)
def list_plans(request: HttpRequest):
    return plan_list()


@router.get("/plans/{code}", response=PlanOut, summary="One plan")
def get_plan(request: HttpRequest, code: str):
    return plan_get(code)


@router.get(
    "/indicators",
    response=list[IndicatorOut],
    summary="A plan's indicators, in its order (default: this year's plan)",
)
@paginate(Pages)
def list_indicators(request: HttpRequest, filters: Query[IndicatorFilters]):
    return selectors.indicator_list(sector=filters.sector, plan=_plan(filters.plan))


@router.get("/indicators/{code}", response=IndicatorOut, summary="One indicator of a plan (E01–E16, C01–C10)")
def get_indicator(request: HttpRequest, code: str, plan: str | None = None):
    return selectors.indicator_get(code=code, plan=_plan(plan))


@router.get(
    "/tasks", response=list[TaskOut], summary="A plan's key tasks (Annex 1), with their units (lead first)"
)
@paginate(Pages)
def list_tasks(request: HttpRequest, filters: Query[TaskFilters]):
    return selectors.task_list(unit=filters.unit, plan=_plan(filters.plan))


@router.get("/tasks/{code}", response=TaskOut, summary="One task of a plan (T01–T37)")
def get_task(request: HttpRequest, code: str, plan: str | None = None):
    return selectors.task_get(code=code, plan=_plan(plan))


@router.get(
    "/units", response=list[UnitOut], summary="The responsible units, with their task counts in a plan"
)
@paginate(Pages)
def list_units(request: HttpRequest, plan: str | None = None):
    return selectors.unit_list(plan=_plan(plan))
