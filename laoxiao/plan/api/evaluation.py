"""/api/v1/plan/plans/{code}/evaluation (the plan's final evaluation as JSON) and
/api/v1/plan/plans/{code}/next (start the next plan from it: city administrators).

No ``from __future__ import annotations`` here (ninja resolves the annotations at import).
"""

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema, Status

from laoxiao.plan.actions.next_plan import plan_start_next
from laoxiao.plan.evaluation import Cell, Evaluation, plan_evaluation
from laoxiao.plan.selectors.plans import plan_get
from laoxiao.plan.selectors.values import can_read_values

router = Router(tags=["plan evaluation"])


class NextIn(Schema):
    first_year: int | None = None
    last_year: int | None = None
    code: str | None = None
    name: str | None = None


class PlanOut(Schema):
    code: str
    name: str
    first_year: int
    last_year: int
    baseline_year: int
    status: str
    follows: str | None
    targets_are_examples: bool


def _num(d: Decimal | None) -> int | float | None:
    if d is None:
        return None
    return int(d) if d == d.to_integral_value() else float(d)


def _cell(region_code: str, cell: Cell) -> dict[str, Any]:
    return {
        "region_code": region_code,
        "value": _num(cell.value),
        "reason": cell.reason or None,
        "achieved": cell.achieved,
    }


def evaluation_json(e: Evaluation) -> dict[str, Any]:
    return {
        "plan": e.plan.code,
        "year": e.year,
        "on": e.on.isoformat(),
        "summary": {
            "achieved": e.achieved,
            "total": e.total,
            "without_value": e.without_value,
            "tasks_done": e.tasks_done,
            "tasks": len(e.tasks),
            "gaps": [{"code": r.indicator.code, "gap": _num(r.gap)} for r in e.gaps],
        },
        "indicators": [
            {
                "code": r.indicator.code,
                "name": r.indicator.name,
                "unit": r.indicator.unit,
                "measure": r.indicator.measure_id,
                "baseline": _num(r.indicator.baseline),
                "target": _num(r.indicator.target),
                "comparator": r.indicator.comparator,
                "city": _cell(e.city.code, r.city),
                "counties": [_cell(c.code, x) for c, x in zip(e.counties, r.counties, strict=True)],
                "gap": _num(r.gap),
            }
            for r in e.indicators
        ],
        "tasks": [
            {
                "code": t.state.task.code,
                "status": t.state.status,
                "percent": t.percent,
                "report": t.report_text or None,
                "evidence": t.evidence,
                "milestones": [
                    {
                        "title": m.title,
                        "due_on": m.due_on.isoformat(),
                        "done_on": m.done_on.isoformat() if m.done_on else None,
                    }
                    for m in t.state.milestones
                ],
            }
            for t in e.tasks
        ],
    }


@router.get("/plans/{code}/evaluation", response=dict[str, Any], summary="A plan's final evaluation")
def get_evaluation(request: HttpRequest, code: str):
    if not can_read_values(request.auth):
        raise PermissionDenied
    return evaluation_json(plan_evaluation(plan=plan_get(code)))


@router.post(
    "/plans/{code}/next",
    response={201: PlanOut},
    summary="Start the next plan (a draft) from this one and its final evaluation",
)
def start_next(request: HttpRequest, code: str, payload: NextIn):
    new = plan_start_next(
        request.auth,
        plan_get(code),
        first_year=payload.first_year,
        last_year=payload.last_year,
        code=payload.code,
        name=payload.name,
    )
    return Status(
        201,
        {
            "code": new.code,
            "name": new.name,
            "first_year": new.first_year,
            "last_year": new.last_year,
            "baseline_year": new.baseline_year,
            "status": new.status,
            "follows": new.follows_id,
            "targets_are_examples": new.targets_are_examples,
        },
    )
