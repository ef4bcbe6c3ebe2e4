"""Demo residential projects, new and existing, some short of the standards (stream 33).

About 40 projects (× scale, at least 4) in urban communities across the counties, in proportion to
their urban communities: seven in ten new residential areas, the rest renovations of existing
ones. Most plan facilities to standard; about a quarter fall short on one standard or more (floor
space per 100 households, childcare slots per 1,000 residents, or for new areas the 350 m² single
facility). Delivery dates run from three years before the as-of day (``DemoContext.as_of``) to four
years after it (those after it are still pending); delivered projects were mostly accepted.
Everything is synthetic.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

import laoxiao.planning.indicators  # noqa: F401 - registers E05 for the indicators step
from laoxiao.core.rules import rule
from laoxiao.demo.kernel import PLAN_REFERENCE, rng_for
from laoxiao.planning.actions import residential_projects_upsert

STREAM_RESIDENTIAL = 33
PROJECTS = 40
_A = "锦翠金银新东西南北华和康乐安春明兴福荣泰惠清瑞祥嘉景雅博丰长文德仁"
_B = "苑园城湖山河桥庭岸林源阳盛泉府里坊湾"
_NEW_SUFFIX = ("小区", "家园", "花园", "新城", "公馆")
_OLD_SUFFIX = ("老旧小区改造", "片区改造", "棚户区改造")


def plan_projects(
    regions: list[Any],
    seed: int,
    scale: float,
    standards: dict[str, Any] | None = None,
    as_of: dt.date = PLAN_REFERENCE,
) -> list[dict[str, Any]]:
    """The project records as of ``as_of`` (deterministic in ``seed`` and ``as_of``), around the
    standards in force on it (rule ``planning.residential_standards``; read from the database by
    default)."""
    if standards is None:
        standards = rule("planning.residential_standards", on=as_of)
    single_min = float(standards["single_facility_min_area"])
    rng = rng_for(seed, STREAM_RESIDENTIAL)
    urban = [r for r in regions if r.level == "community" and not r.is_rural]
    if not urban:
        return []
    n = max(4, int(round(PROJECTS * scale)))
    picks = rng.choice(len(urban), size=n, replace=len(urban) < n)
    used: set[str] = set()
    out = []
    for i, k in enumerate(sorted(picks, key=lambda j: urban[int(j)].code)):
        region = urban[int(k)]
        new = bool(rng.random() < 0.7)
        short = bool(rng.random() < 0.27)
        households = int(rng.integers(300, 2500))
        residents = int(round(households * rng.uniform(2.6, 3.0)))
        standard = standards["new" if new else "existing"]
        per_100 = float(standard["floor_area_per_100_households"])
        per_1000 = float(standard["slots_per_1000_residents"])
        area_factor, slot_factor, single_short = (
            1.0 + rng.uniform(0.0, 0.4),
            1.0 + rng.uniform(0.0, 0.4),
            False,
        )
        if short:
            which = int(rng.integers(0, 3))
            if which == 0:
                area_factor = rng.uniform(0.5, 0.95)
            elif which == 1:
                slot_factor = rng.uniform(0.5, 0.95)
            else:
                single_short = True
        area = round(households / 100 * per_100 * area_factor, 1)
        slots = (
            int(np.ceil(residents / 1000 * per_1000 * slot_factor))
            if slot_factor >= 1
            else int(residents / 1000 * per_1000 * slot_factor)
        )
        if new and area >= single_min and not single_short:
            largest = round(max(single_min, area * rng.uniform(0.6, 1.0)), 1)
        elif new and single_short:
            largest = round(min(area, rng.uniform(0.5, 0.97) * single_min), 1)
        else:
            largest = round(area * rng.uniform(0.5, 1.0), 1)
        delivery = as_of - dt.timedelta(days=3 * 365) + dt.timedelta(days=int(rng.integers(0, 7 * 365)))
        if delivery > as_of:
            acceptance = "pending"
        else:
            acceptance = "failed" if short and rng.random() < 0.5 else "passed"
        while True:
            name = _A[int(rng.integers(len(_A)))] + _B[int(rng.integers(len(_B)))]
            name += (
                _NEW_SUFFIX[int(rng.integers(len(_NEW_SUFFIX)))]
                if new
                else _OLD_SUFFIX[int(rng.integers(len(_OLD_SUFFIX)))]
            )
            if name not in used:
                used.add(name)
                break
        out.append(
            {
                "code": f"JZ{region.code[:6]}-{i + 1:03d}",
                "name": name,
                "region_code": region.code,
                "area_type": "new" if new else "existing",
                "households": households,
                "residents": residents,
                "eldercare_floor_area": area,
                "largest_facility_area": min(largest, area),
                "childcare_slots": slots,
                "delivery_date": delivery,
                "acceptance": acceptance,
                "note": "示例数据 demo",
            }
        )
    return out


def residential_step(ctx: Any, advance: Any) -> None:
    """Write the projects; E05 is then computed from them by the indicators step (importing
    ``laoxiao.planning.indicators`` registers its definition)."""
    records = plan_projects(ctx.regions, ctx.seed, ctx.scale, as_of=ctx.as_of)
    ctx.summary["residential"] = residential_projects_upsert(
        actor=ctx.actor, records=records, progress=advance
    )
