"""The demo plan's life up to the demo's day (stream none: deterministic).

Once the seed plan's period is over (a demo built after 2025-12-31, as today), the plan is closed
through ``plan_close`` — its final evaluation is then on its page — and the next plan for
2026–2030 is drafted from it with ``plan_start_next`` (baselines = the 2025 city values). The
draft's targets are **examples** (the plan says so: ``targets_are_examples``): a rate rises halfway
from its baseline to 100 % (or its old target, if higher), a count by 30 %; the city sets its own.
Running the step again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from laoxiao.core import clock
from laoxiao.demo.reported import COUNT_UNITS
from laoxiao.plan.actions.next_plan import plan_start_next
from laoxiao.plan.actions.plans import indicator_update, plan_close
from laoxiao.plan.models import Plan

SEED_PLAN = "huaibei-2021-2025"


def example_target(unit: str, baseline: Decimal | None, old_target: Decimal) -> Decimal:
    if baseline is None:
        return old_target
    if unit in COUNT_UNITS:
        places = Decimal(1) if unit != "万元" else Decimal("0.01")
        return (max(baseline, old_target) * Decimal("1.3")).quantize(places, rounding=ROUND_HALF_UP)
    if unit == "%":
        return ((baseline + max(Decimal(100), old_target)) / 2).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    return max(baseline, old_target).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def plan_life_step(ctx: Any, advance: Any) -> None:
    as_of = getattr(ctx, "as_of", None) or clock.today()
    plan = Plan.objects.filter(code=SEED_PLAN).first()
    if plan is None or as_of <= dt.date(plan.last_year, 12, 31):
        return
    if plan.status == Plan.Status.IN_FORCE:
        plan = plan_close(ctx.actor, plan)
    made = None
    if not plan.next_plans.exists():
        made = plan_start_next(ctx.actor, plan)
        for ind in made.indicators.order_by("order"):
            target = example_target(ind.unit, ind.baseline, ind.target)
            if target != ind.target:
                indicator_update(ctx.actor, ind, {"target": str(target)})
    ctx.summary["plan_life"] = {"closed": plan.code, "next": made.code if made else None}
    advance(1)
