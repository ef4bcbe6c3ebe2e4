"""Reads on jobs, from ``Job.objects.visible_to(actor)``: a job of another county is not found."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from laoxiao.core.errors import NotFound
from laoxiao.jobs.models import Job


def job_get(*, actor: Any, pk: Any) -> Job:
    try:
        pk = int(str(pk))
    except ValueError:
        raise NotFound from None
    job = Job.objects.visible_to(actor).filter(pk=pk).first()
    if job is None:
        raise NotFound
    return job


def jobs_of(*, actor: Any) -> QuerySet[Job]:
    """The actor's own jobs (newest first)."""
    return Job.objects.visible_to(actor).filter(created_by=actor)


def can_retry(actor: Any, job: Job) -> bool:
    from laoxiao.jobs.registry import KINDS

    if job.status not in (Job.Status.FAILED, Job.Status.CANCELLED):
        return False
    spec = KINDS.get(job.kind)
    return bool(
        getattr(actor, "is_superuser", False)
        or actor.has_perm("jobs.change_job")
        or (spec is not None and spec.allowed(actor))
    )
