"""/api/v1/plan/plans/{code}/...: the life of a plan (city administrators): put a draft in force,
close a plan in force, make a new version (with a reason), change an indicator of a draft.

A frozen plan refuses edits with 422 (the message says: make a new version); a caller who is not a
city administrator gets 403; an unknown plan or indicator 404.

No ``from __future__ import annotations`` here (ninja resolves the annotations at import).
"""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from laoxiao.core.schemas import contract
from laoxiao.plan import selectors
from laoxiao.plan.actions import plans as actions
from laoxiao.plan.schemas import IndicatorOut, PlanOut
from laoxiao.plan.selectors.plans import plan_get

router = Router(tags=["plan"])


def _actor(request: HttpRequest) -> Any:
    return request.auth


@contract()
class VersionIn(Schema):
    reason: str = Field(
        ..., min_length=1, max_length=2000, pattern=r"\S", description="why the plan in force is changed"
    )


@contract()
class IndicatorPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100, pattern=r"\S")
    unit: str | None = Field(None, min_length=1, max_length=16, pattern=r"\S")
    baseline: float | None = Field(None, gt=-1e10, lt=1e10, description="null: no baseline")
    baseline_year: int | None = Field(None, ge=1900, le=2100)
    target: float | None = Field(None, gt=-1e10, lt=1e10)
    target_year: int | None = Field(None, ge=1900, le=2100)
    comparator: Literal["gte", "gt", "eq", "lte", "lt", "≥", ">", "=", "≤", "<"] | None = None
    responsible_unit: str | None = Field(None, max_length=32, description="a responsible unit's code")
    note: str | None = Field(None, max_length=10000)


@router.post("/plans/{code}/in-force", response=PlanOut, summary="Put a draft in force (city administrators)")
def put_in_force(request: HttpRequest, code: str):
    return actions.plan_put_in_force(_actor(request), plan_get(code))


@router.post("/plans/{code}/close", response=PlanOut, summary="Close a plan in force (city administrators)")
def close(request: HttpRequest, code: str):
    return actions.plan_close(_actor(request), plan_get(code))


@router.post(
    "/plans/{code}/versions",
    response={201: PlanOut},
    summary="Copy a plan in force into a new draft version, with a reason (city administrators)",
)
def new_version(request: HttpRequest, code: str, payload: VersionIn):
    return Status(201, actions.plan_new_version(_actor(request), plan_get(code), payload.reason))


@router.patch(
    "/plans/{code}/indicators/{icode}",
    response=IndicatorOut,
    summary="Change an indicator of a draft: baseline, target, comparator... (city administrators)",
)
def change_indicator(request: HttpRequest, code: str, icode: str, payload: IndicatorPatch):
    plan = plan_get(code)
    indicator = selectors.indicator_get(code=icode, plan=plan)
    return actions.indicator_update(_actor(request), indicator, payload.dict(exclude_unset=True))
