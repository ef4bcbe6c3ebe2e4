"""Reads on jobs, from ``Job.objects.visible_to(actor)``: a job of another county is not found."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from laoxiao.core.errors import NotFound
from laoxiao.jobs.models import Job
from laoxiao.jobs.registry import KINDS


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


def may_retry(actor: Any, job: Job) -> bool:
    """An administrator (``jobs.change_job``), or the job's creator while they may still run its kind
    (a job runs as its creator: nobody else restarts it in their name)."""
    if getattr(actor, "is_superuser", False) or actor.has_perm("jobs.change_job"):
        return True
    spec = KINDS.get(job.kind)
    return bool(spec is not None and job.created_by_id == actor.pk and spec.allowed(actor))


def can_retry(actor: Any, job: Job) -> bool:
    """Whether the page offers the retry button."""
    return job.status in (Job.Status.FAILED, Job.Status.CANCELLED) and may_retry(actor, job)
