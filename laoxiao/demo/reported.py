"""Demo reported indicator values (stream 32): figures of the indicators the responsible units report
(E01, E02, E09, E10, E14, E15; E05 is computed by the residential step), submitted and approved
through the actions, as the system actor.

- the city for 2020 (the plan's 2020 figure where Table 1 gives one) and 2021 (plausible: some
  indicators achieved, some behind the straight line to the 2025 target);
- each county for 2021, for the rates and life expectancy (E10 is the city's industry size);
- one revision waiting for review (E10 2021 for the city), so that the review queue is not empty.

Only the years being built (``ctx.years``) are reported. Deterministic: the figures are fixed; no
random stream is needed. Running the step again adds nothing (a key with an approved figure, or the
revision already waiting, is left alone).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from laoxiao.plan.actions.values import reported_value_approve, reported_value_submit
from laoxiao.plan.models import Indicator, ReportedValue
from laoxiao.regions.models import Region

CODES = ("E01", "E02", "E09", "E10", "E14", "E15")
# the city: 2020 (Table 1's figure where there is one) and 2021
CITY_FIGURES: dict[str, tuple[str, str]] = {
    "E01": ("95", "95.6"),  # achieved
    "E02": ("99.1", "98.7"),  # achieved (the target 95 lies below the 2020 figure)
    "E09": ("77", "77.3"),  # behind: the line is 77.4 in 2021
    "E10": ("200", "320"),  # behind: the line is 360 万元
    "E14": ("8.5", "11.2"),  # behind (no baseline: achieved or behind)
    "E15": ("5.2", "6.8"),  # behind
}
# the counties for 2021, in the order of their codes (杜集区, 相山区, 烈山区, 濉溪县, ...; cycled)
COUNTY_FIGURES: dict[str, tuple[str, ...]] = {
    "E01": ("96.1", "95.8", "95.2", "94.6"),
    "E02": ("98.9", "99.2", "98.5", "97.8"),
    "E09": ("77.8", "78.1", "77.2", "76.6"),
    "E14": ("12.5", "14.0", "10.1", "8.3"),
    "E15": ("7.5", "8.2", "6.1", "5.0"),
}
SOURCES = {
    "E01": "市人社局社会保险统计年报",
    "E02": "市医保局基本医疗保险统计年报",
    "E09": "市卫健委卫生健康统计年报",
    "E10": "市民政局养老产业统计",
    "E14": "市民政局老年教育统计",
    "E15": "市民政局志愿服务登记统计",
}
PENDING = ("E10", "2021", "335", "修订：补入两家养老服务企业的增加值")


SEED_PLAN = "huaibei-2021-2025"


def _report(actor: Any, indicator: Indicator, region: str, period: str, value: str) -> bool:
    """Submit and approve one figure unless the key has an approved one already."""
    if ReportedValue.objects.filter(
        measure_id=indicator.measure_id,
        region_code=region,
        period=period,
        status=ReportedValue.Status.APPROVED,
    ).exists():
        return False
    row = reported_value_submit(
        actor=actor,
        indicator=indicator,
        region_code=region,
        period=period,
        value=Decimal(value),
        source=f"{SOURCES[indicator.code]}（{period}年，示范数据）",
        note="示范城市数据 demo figure",
    )
    reported_value_approve(actor=actor, reported=row, note="示范数据，已核对")
    return True


def reported_step(ctx: Any, advance: Any) -> None:
    actor = ctx.actor
    indicators = {
        i.code: i
        for i in Indicator.objects.filter(plan_id=SEED_PLAN, code__in=CODES).select_related(
            "responsible_unit"
        )
    }
    city = Region.objects.filter(level=Region.Level.CITY).order_by("code").first()
    if city is None or len(indicators) < len(CODES):
        return
    counties = list(
        Region.objects.filter(level=Region.Level.COUNTY).order_by("code").values_list("code", flat=True)
    )
    years = {str(y) for y in getattr(ctx, "years", (2020, 2021))}  # only the years being built
    made = 0
    for code in CODES:
        for period, value in zip(("2020", "2021"), CITY_FIGURES[code], strict=True):
            if period in years:
                made += _report(actor, indicators[code], city.code, period, value)
        figures = COUNTY_FIGURES.get(code)
        if figures and "2021" in years:
            for n, county in enumerate(counties):
                made += _report(actor, indicators[code], county, "2021", figures[n % len(figures)])
        advance(1)
    code, period, value, note = PENDING
    if (
        period in years
        and not ReportedValue.objects.filter(
            measure__alias=code, region_code=city.code, period=period, status=ReportedValue.Status.SUBMITTED
        ).exists()
    ):
        reported_value_submit(
            actor=actor,
            indicator=indicators[code],
            region_code=city.code,
            period=period,
            value=Decimal(value),
            source=f"{SOURCES[code]}（{period}年修订，示范数据）",
            note=note,
        )
    ctx.summary["reported_values"] = made
