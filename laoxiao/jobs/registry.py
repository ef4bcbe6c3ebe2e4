"""The registry of job kinds: ``@job_kind("indicators.compute", allowed=...)`` on the function that
does the work.

The function is called as ``func(job, progress)`` where ``progress(done, total, message="")``
records progress (and renews the lease). It must be repeatable: a job whose worker was lost runs
again from the start, so each chunk it writes must give the same rows when written twice (upserts,
unique keys). It returns a small JSON-able dict, stored as the job's result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Progress = Callable[..., None]
JobFunc = Callable[[Any, Progress], dict[str, Any] | None]


@dataclass(frozen=True)
class JobKind:
    name: str
    func: JobFunc
    allowed: Callable[[Any], bool]
    title: str


KINDS: dict[str, JobKind] = {}


def job_kind(name: str, *, allowed: Callable[[Any], bool], title: str = "") -> Callable[[JobFunc], JobFunc]:
    """Register ``func`` as the job kind ``name``; ``allowed(actor)`` says who may enqueue it."""

    def register(func: JobFunc) -> JobFunc:
        if name in KINDS and KINDS[name].func is not func:
            raise ValueError(f"job kind {name} is registered twice")
        KINDS[name] = JobKind(name, func, allowed, title or name)
        return func

    return register
