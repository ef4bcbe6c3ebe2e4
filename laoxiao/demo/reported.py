"""Demo reported indicator values (E01, E02, E05 until computed, E09, E10, E14, E15), submitted and approved (stream 32)."""

from __future__ import annotations

from typing import Any


def reported_step(ctx: Any, advance: Any) -> None:
    """Not written yet."""
