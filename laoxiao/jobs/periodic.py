"""Periodic housekeeping the job worker runs between rounds: ``register_periodic(name, every, fn)``.

Each registered function runs at most once every ``every`` seconds in each worker process. With
several workers each runs it, so a periodic function must be idempotent (running it twice at the
same moment does what running it once does): escalating alarms that are overdue, deleting stored
answers of idempotent requests past their keep time. A failing function is logged and tried again
at its next turn; it never stops the worker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class Periodic:
    name: str
    every: float
    fn: Callable[[], object]
    last: float = field(default=float("-inf"))


REGISTRY: dict[str, Periodic] = {}


def register_periodic(name: str, every: float, fn: Callable[[], object]) -> None:
    """Run ``fn()`` every ``every`` seconds in the job worker (a second registration replaces it)."""
    REGISTRY[name] = Periodic(name, every, fn)


def run_due(now: float | None = None) -> list[str]:
    """Run the functions whose time has come; answers their names."""
    moment = time.monotonic() if now is None else now
    ran = []
    for p in list(REGISTRY.values()):
        if moment - p.last < p.every:
            continue
        p.last = moment
        try:
            p.fn()
        except Exception:  # housekeeping never stops the worker; the next turn tries again
            log.exception("periodic %s failed", p.name)
        ran.append(p.name)
    return ran
