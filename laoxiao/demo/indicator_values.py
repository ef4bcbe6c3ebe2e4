"""Compute and store the indicator values of the demo city (every region; the years and the months of the reference year)."""

from __future__ import annotations

from typing import Any


def indicators_step(ctx: Any, advance: Any) -> None:
    """Not written yet."""
