"""Demo figures filed by the responsible units (stream 32): the years the platform holds no records
for, submitted and approved through the actions as the system actor (a city administrator), each
with its source.

The demo's records cover the last 24 months up to its day (``ctx.as_of``), so the years that begin
inside that window are computed from the records (``computed_years``: 2025 and 2026 for a demo
built on 2026-12-03). For every earlier year of the plan (``history_years``: 2021–2024) and every
region of the Table 1 export (the city and the counties):

- a computed measure gets its figure *from the statistical reports* (an approved historical figure:
  ``laoxiao.plan.actions.values`` lets a city administrator file one for a year that has ended, and
  a recomputation leaves it alone). The figures run from the plan's 2020 baseline to the first
  computed year's value, with a little noise, so the cockpit's trend joins the computed years;
- a reported measure (E01, E02, E09, E10, E14, E15: never computed) gets a figure for every ended
  year of the plan, 2020 included (Table 1's figure where it gives one), running from the baseline
  towards the target at the pace ``PACE`` sets (some achieve it, some fall behind);
- one revision waits for review (E10 of the last ended year, the city), so that the review queue
  is not empty.

Counts and amounts (家, 人, 个, 万元) are the city's; a county gets its population share of them.
Deterministic in the seed; running the step again adds nothing (a key with an approved figure, or
the revision already waiting, is left alone). It runs after the indicators are computed.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from laoxiao.core import clock
from laoxiao.demo.kernel import rng_for
from laoxiao.demo.people import window_start
from laoxiao.plan.actions.values import reported_value_approve, reported_value_submit
from laoxiao.plan.models import Indicator, IndicatorValue, ReportedValue
from laoxiao.regions.models import PopulationFigure, Region

STREAM_REPORTED = 32
SEED_PLAN = "huaibei-2021-2025"
FIRST_YEAR = 2021
COUNT_UNITS = ("家", "人", "个", "万元")
# how far towards its 2025 target a reported indicator has come by 2025 (1 = exactly there)
PACE: dict[str, float] = {"E01": 1.02, "E02": 1.0, "E09": 0.8, "E10": 0.85, "E14": 1.1, "E15": 0.7}
# where a reported indicator without a baseline starts in 2020, as a share of its target
NO_BASELINE_START = 0.45
SOURCES = {
    "E01": "市人社局社会保险统计年报",
    "E02": "市医保局基本医疗保险统计年报",
    "E09": "市卫健委卫生健康统计年报",
    "E10": "市民政局养老产业统计",
    "E14": "市民政局老年教育统计",
    "E15": "市民政局志愿服务登记统计",
}
SECTOR_SOURCES = {"eldercare": "市民政局养老服务统计年报", "childcare": "市卫健委托育服务统计年报"}
PENDING_NOTE = "修订：补入两家养老服务企业的增加值"


def computed_years(as_of: dt.date) -> list[int]:
    """The years computed from the demo's records: those that begin inside its 24-month window."""
    start = window_start(as_of)
    first = start.year if (start.month, start.day) == (1, 1) else start.year + 1
    return list(range(first, as_of.year + 1))


def history_years(as_of: dt.date) -> list[int]:
    """The plan's years before the records, that have ended by ``as_of``."""
    computed = computed_years(as_of)
    first_computed = computed[0] if computed else as_of.year + 1
    return [y for y in range(FIRST_YEAR, min(first_computed, as_of.year)) if dt.date(y, 12, 31) < as_of]


def _quantize(value: float, unit: str) -> Decimal:
    whole = unit in ("家", "人", "个")
    places = Decimal(1) if whole else Decimal("0.01")
    number = Decimal(str(max(value, 0.0))).quantize(places, rounding=ROUND_HALF_UP)
    if unit == "%":
        number = min(number, Decimal(100))
    return number


def _county_shares(counties: list[str]) -> dict[str, float]:
    rows = dict(
        PopulationFigure.objects.filter(region_code__in=counties)
        .order_by("region_code", "-year")
        .values_list("region_code", "population")
    )
    total = sum(rows.values()) or 1
    return {c: (rows.get(c) or 0) / total for c in counties}


def _approved(measure: str, region: str, period: str) -> bool:
    return ReportedValue.objects.filter(
        measure_id=measure, region_code=region, period=period, status=ReportedValue.Status.APPROVED
    ).exists()


def _report(actor: Any, indicator: Indicator, region: str, year: int, value: Decimal) -> bool:
    """Submit and approve one figure unless the key has an approved one already."""
    period = str(year)
    if _approved(indicator.measure_id, region, period):
        return False
    source = SOURCES.get(indicator.code) or SECTOR_SOURCES.get(indicator.sector, "市统计年鉴")
    row = reported_value_submit(
        actor=actor,
        indicator=indicator,
        region_code=region,
        period=period,
        value=value,
        source=f"{source}（{year}年，示范数据）",
        note="示范城市数据 demo figure",
    )
    reported_value_approve(actor=actor, reported=row, note="示范数据，已核对")
    return True


def reported_step(ctx: Any, advance: Any) -> None:
    as_of = getattr(ctx, "as_of", None) or clock.today()
    actor = ctx.actor
    indicators = list(Indicator.objects.filter(plan_id=SEED_PLAN).select_related("measure").order_by("order"))
    city = Region.objects.filter(level=Region.Level.CITY).order_by("code").first()
    if city is None or not indicators:
        return
    counties = list(
        Region.objects.filter(level=Region.Level.COUNTY).order_by("code").values_list("code", flat=True)
    )
    shares = _county_shares(counties)
    rng = rng_for(ctx.seed, STREAM_REPORTED)
    history = history_years(as_of)
    computed = computed_years(as_of)
    anchor_year = computed[0] if computed else None
    anchors: dict[tuple[str, str], Decimal | None] = {}
    if anchor_year is not None:
        anchors = {
            (m, r): v
            for m, r, v in IndicatorValue.objects.filter(
                period=str(anchor_year), region_code__in=[city.code, *counties]
            ).values_list("measure_id", "region_code", "value")
        }
    made = 0
    for ind in indicators:
        unit = ind.unit
        is_count = unit in COUNT_UNITS
        target = float(ind.target)
        base = float(ind.baseline) if ind.baseline is not None else target * NO_BASELINE_START
        end_value = target
        if ind.kind == Indicator.Kind.REPORTED:
            years = [y for y in range(FIRST_YEAR - 1, as_of.year) if dt.date(y, 12, 31) < as_of]
            pace = PACE.get(ind.code, 0.9)
            line_end, span = base + (target - base) * pace, 5
        else:
            years = history
            end = anchors.get((ind.measure_id, city.code))
            if end is None:  # nothing computed to join: towards the target, a little behind
                end_value = base + (target - base) * 0.9
            else:
                end_value = float(end)
            span = max(1, (anchor_year or 2025) - 2020)
            line_end = end_value

        for year in years:
            noise = 1 + float(rng.normal(0, 0.01))
            value = (base + (line_end - base) * (year - 2020) / span) * noise
            if year == 2020 and ind.baseline is not None:
                value = float(ind.baseline)
            made += _report(actor, ind, city.code, year, _quantize(value, unit))
            if year == 2020:
                continue  # the plan gives the city's 2020 figures only
            for county in counties:
                if is_count:
                    county_value = value * shares[county]
                else:
                    own = anchors.get((ind.measure_id, county))
                    spread = float(rng.normal(0, 0.03))
                    county_value = value * (1 + spread)
                    if own is not None and ind.kind != Indicator.Kind.REPORTED:
                        # join the county's own computed value the same way as the city's
                        county_value = value * float(own) / max(float(end_value), 1e-9) * (1 + spread / 3)
                made += _report(actor, ind, county, year, _quantize(county_value, unit))
        advance(1)
    e10 = next((i for i in indicators if i.code == "E10"), None)
    ended = [y for y in range(FIRST_YEAR, as_of.year) if dt.date(y, 12, 31) < as_of]
    if e10 is not None and ended:
        period = str(ended[-1])
        approved = ReportedValue.objects.filter(
            measure_id=e10.measure_id,
            region_code=city.code,
            period=period,
            status=ReportedValue.Status.APPROVED,
        ).first()
        waiting = ReportedValue.objects.filter(
            measure_id=e10.measure_id,
            region_code=city.code,
            period=period,
            status=ReportedValue.Status.SUBMITTED,
        ).exists()
        if approved is not None and not waiting:
            reported_value_submit(
                actor=actor,
                indicator=e10,
                region_code=city.code,
                period=period,
                value=(approved.value * Decimal("1.04")).quantize(Decimal("0.01")),
                source=f"{SOURCES['E10']}（{period}年修订，示范数据）",
                note=PENDING_NOTE,
            )
    ctx.summary["reported_values"] = made
