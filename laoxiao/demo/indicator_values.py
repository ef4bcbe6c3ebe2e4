"""Compute and store the indicator values of the demo city: every region, the years its records
cover (``reported.computed_years``: those that begin inside the 24-month window, 2025 and 2026 for a
demo built on 2026-12-03) and, for the monthly measures (E08's), every month of those years up to
the demo's day (from the year's computation: ``indicators_compute(with_months=True)``). The earlier
years are the statistical reports' figures (``laoxiao.demo.reported``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from laoxiao.core import clock
from laoxiao.demo.reported import computed_years
from laoxiao.plan.engine import indicators_compute


def indicator_periods(as_of: dt.date) -> list[str]:
    """The years to compute: those of the records (each also stores its months that have begun)."""
    return [str(y) for y in computed_years(as_of)]


def indicators_step(ctx: Any, advance: Any) -> None:
    """Every computed measure for every region: one read per measure and period, rolled up by
    region code (``laoxiao.plan.engine``). Advances once per measure computed."""
    stored = 0
    as_of = getattr(ctx, "as_of", None) or clock.today()
    for period in indicator_periods(as_of):
        rows = indicators_compute(period=period, progress=lambda code: advance(1), with_months=True)
        stored += len(rows)
    ctx.summary["indicator_values"] = stored
