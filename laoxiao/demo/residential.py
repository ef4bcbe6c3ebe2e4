"""Demo residential projects, new and existing, some short of the standards (stream 33)."""

from __future__ import annotations

from typing import Any


def residential_step(ctx: Any, advance: Any) -> None:
    """Not written yet."""
