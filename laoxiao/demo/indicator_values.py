"""Compute and store the indicator values of the demo city (every region; the years and the months of the reference year)."""

from __future__ import annotations

from typing import Any

from laoxiao.plan.calculators import REGISTRY
from laoxiao.plan.engine import indicators_compute


def indicator_periods(years: tuple[int, ...]) -> list[tuple[str, list[str] | None]]:
    """(period, codes) to compute: every computed indicator for each year, and the monthly ones
    (E08) for each month of the last year (the reference year)."""
    periods: list[tuple[str, list[str] | None]] = [(str(y), None) for y in sorted(years)]
    if years:
        monthly = [code for code, spec in REGISTRY.items() if spec.monthly]
        last = max(years)
        periods += [(f"{last}-{m:02d}", monthly) for m in range(1, 13)]
    return periods


def indicators_step(ctx: Any, advance: Any) -> None:
    """Every computed indicator for every region: one read per indicator and period, rolled up by
    region code (``laoxiao.plan.engine``). Advances once per indicator computed."""
    stored = 0
    for period, codes in indicator_periods(tuple(ctx.years)):
        rows = indicators_compute(period=period, codes=codes, progress=lambda code: advance(1))
        stored += len(rows)
    ctx.summary["indicator_values"] = stored
