"""/api/v1/plan: the plan's indicators (Table 1 and C10), tasks (Annex 1) and responsible units.

No ``from __future__ import annotations`` here: with it, ninja leaves ``Query[...]`` of a
``@paginate``d view as an unresolved forward reference and the request fails.
"""

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from laoxiao.api.pagination import Pages
from laoxiao.plan import selectors
from laoxiao.plan.schemas import IndicatorFilters, IndicatorOut, TaskFilters, TaskOut, UnitOut

router = Router(tags=["plan"])


@router.get("/indicators", response=list[IndicatorOut], summary="The plan's indicators, in Table 1's order")
@paginate(Pages)
def list_indicators(request: HttpRequest, filters: Query[IndicatorFilters]):
    return selectors.indicator_list(**filters.dict())


@router.get("/indicators/{code}", response=IndicatorOut, summary="One indicator (E01–E16, C01–C10)")
def get_indicator(request: HttpRequest, code: str):
    return selectors.indicator_get(code=code)


@router.get(
    "/tasks", response=list[TaskOut], summary="The key tasks of Annex 1, with their units (lead first)"
)
@paginate(Pages)
def list_tasks(request: HttpRequest, filters: Query[TaskFilters]):
    return selectors.task_list(**filters.dict())


@router.get("/tasks/{code}", response=TaskOut, summary="One task (T01–T37)")
def get_task(request: HttpRequest, code: str):
    return selectors.task_get(code=code)


@router.get("/units", response=list[UnitOut], summary="The responsible units, with their task counts")
@paginate(Pages)
def list_units(request: HttpRequest):
    return selectors.unit_list()
