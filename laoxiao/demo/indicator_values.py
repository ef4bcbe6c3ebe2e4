"""Compute and store the indicator values of the demo city: every region, the years its records
cover (``reported.computed_years``: those that begin inside the 24-month window, 2025 and 2026 for a
demo built on 2026-12-03) and, for the monthly measures (E08's), the last twelve months up to the
demo's day. The earlier years are the statistical reports' figures (``laoxiao.demo.reported``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from laoxiao.core import clock
from laoxiao.demo.reported import computed_years
from laoxiao.plan.calculators import REGISTRY
from laoxiao.plan.engine import indicators_compute


def indicator_periods(as_of: dt.date) -> list[tuple[str, list[str] | None]]:
    """(period, measure keys or None for all) to compute: every computed measure for each year of
    the records, and the monthly ones for each of the last twelve months (the day's month last)."""
    periods: list[tuple[str, list[str] | None]] = [(str(y), None) for y in computed_years(as_of)]
    monthly = [key for key, spec in REGISTRY.items() if spec.monthly]
    months = []
    year, month = as_of.year, as_of.month
    for _ in range(12):
        months.append(f"{year}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    periods += [(m, monthly) for m in reversed(months)]
    return periods


def indicators_step(ctx: Any, advance: Any) -> None:
    """Every computed measure for every region: one read per measure and period, rolled up by
    region code (``laoxiao.plan.engine``). Advances once per measure computed."""
    stored = 0
    as_of = getattr(ctx, "as_of", None) or clock.today()
    for period, codes in indicator_periods(as_of):
        rows = indicators_compute(period=period, codes=codes, progress=lambda code: advance(1))
        stored += len(rows)
    ctx.summary["indicator_values"] = stored
