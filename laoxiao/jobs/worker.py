"""The worker's side of jobs: claim, progress, finish, fail, and run a job by id.

Every step is one short UPDATE conditional on the lease, so two workers never both run a job and a
finish that comes twice (or from a worker whose lease expired and was taken over) changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import traceback
import uuid
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from laoxiao.jobs.models import Job
from laoxiao.jobs.registry import KINDS

log = logging.getLogger("laoxiao.jobs")
S = Job.Status


class LeaseLost(Exception):
    """Another worker holds the job now (this worker's lease expired): stop without writing."""


def lease_seconds() -> int:
    return int(getattr(settings, "LAOXIAO_JOB_LEASE_SECONDS", 120))


def worker_id() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def job_claim(job_id: int, owner: str) -> Job | None:
    """Take the job's lease if it is queued or its lease expired; None if someone else has it or it ended."""
    now = timezone.now()
    expires = now + dt.timedelta(seconds=lease_seconds())
    claimable = Q(status=S.QUEUED) | Q(status=S.RUNNING, lease_expires__lt=now)
    n = Job.objects.filter(claimable, pk=job_id).update(
        status=S.RUNNING, lease_owner=owner, lease_expires=expires, attempts=F("attempts") + 1
    )
    if not n:
        return None
    Job.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=now)
    return Job.objects.get(pk=job_id)


def _mine(job_id: int, owner: str) -> Any:
    return Job.objects.filter(pk=job_id, status=S.RUNNING, lease_owner=owner)


def job_progress(job_id: int, owner: str, done: int, total: int, message: str = "") -> None:
    """Record progress and renew the lease (one short UPDATE); LeaseLost if the job is no longer ours."""
    expires = timezone.now() + dt.timedelta(seconds=lease_seconds())
    n = _mine(job_id, owner).update(
        done=max(0, int(done)), total=max(0, int(total)), message=str(message)[:300], lease_expires=expires
    )
    if not n:
        raise LeaseLost(job_id)


def job_finish(job_id: int, owner: str, result: dict[str, Any] | None) -> bool:
    """Mark the job done (only the lease holder can; a second finish changes nothing)."""
    fields: dict[str, Any] = {
        "status": S.DONE,
        "finished_at": timezone.now(),
        "lease_expires": None,
        "result": result or {},
    }
    job = Job.objects.filter(pk=job_id).only("total").first()
    if job is not None and job.total:
        fields["done"] = job.total
    return bool(_mine(job_id, owner).update(**fields))


def job_fail(job_id: int, owner: str, error: str) -> bool:
    job = _mine(job_id, owner).first()
    if job is None:
        return False
    return bool(
        _mine(job_id, owner).update(
            status=S.FAILED,
            finished_at=timezone.now(),
            lease_expires=None,
            errors=[*job.errors, error[:2000]],
        )
    )


def job_run(job_id: int, owner: str | None = None) -> str:
    """Run a job by id (what the task does): claim, call the kind's function, finish or fail.
    Returns the job's status afterwards ("" when there was nothing to run)."""
    owner = owner or worker_id()
    job = job_claim(job_id, owner)
    if job is None:
        return ""
    spec = KINDS.get(job.kind)
    if spec is None:
        job_fail(job_id, owner, f"unknown job kind {job.kind}")
        return S.FAILED

    def progress(done: int, total: int, message: str = "") -> None:
        job_progress(job_id, owner, done, total, message)

    try:
        result = spec.func(job, progress)
    except LeaseLost:
        log.warning("job %s: lease lost to another worker; stopping", job_id)
        return ""
    except Exception as exc:  # the job's failure is the user's information, not the worker's crash
        log.exception("job %s (%s) failed", job_id, job.kind)
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        job_fail(job_id, owner, detail)
        return S.FAILED
    job_finish(job_id, owner, result)
    return S.DONE
