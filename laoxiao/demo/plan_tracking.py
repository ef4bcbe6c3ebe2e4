"""Demo task milestones, progress reports with evidence, a joint meeting and the major project list (stream 31)."""

from __future__ import annotations

from typing import Any


def tasks_step(ctx: Any, advance: Any) -> None:
    """Not written yet."""
