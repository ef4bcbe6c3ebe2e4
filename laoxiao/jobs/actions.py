"""Writes on jobs: enqueue, claim, progress, finish, retry, and re-queue the jobs of lost workers.

``job_enqueue`` and ``job_retry`` are actions of a user (scope → permission → content, a change-log
row). The rest is the worker's side: every step is one short UPDATE conditional on the lease, so two
workers never both run a job and a finish that comes twice (or from a worker whose lease expired and
was taken over) changes nothing.
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
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from laoxiao.core.changelog import log_change
from laoxiao.core.models import ChangeLog
from laoxiao.jobs.models import Job
from laoxiao.jobs.registry import KINDS
from laoxiao.regions.models import Region

log = logging.getLogger("laoxiao.jobs")
S = Job.Status


class LeaseLost(Exception):
    """Another worker holds the job now (this worker's lease expired): stop without writing."""


def lease_seconds() -> int:
    return int(getattr(settings, "LAOXIAO_JOB_LEASE_SECONDS", 120))


def worker_id() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _dispatch(job: Job) -> None:
    """Hand the job to the task engine once the row is committed (the engine only says "run job N")."""
    from laoxiao.jobs.tasks import run_job

    pk = job.pk
    transaction.on_commit(lambda: run_job.enqueue(pk))


def job_enqueue(*, actor: Any, kind: str, params: dict[str, Any], region_code: str) -> Job:
    """Queue a job of ``kind`` for ``region_code`` (the actor must see the region and may run the kind)."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationError({"kind": _("There is no job kind %(kind)s.") % {"kind": kind}})
    region = Region.objects.visible_to(actor).filter(code=region_code).first()
    if region is None:
        raise ValidationError({"region": _("There is no region %(code)s.") % {"code": region_code}})
    if not spec.allowed(actor):
        raise PermissionDenied(_("You may not start this job."))
    with transaction.atomic():
        job = Job.objects.create(kind=kind, params=params, created_by=actor, region_code=region.code)
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=job,
            region_code=region.code,
            note=f"job {kind} queued",
        )
        _dispatch(job)
    return job


def job_retry(*, actor: Any, job: Job) -> Job:
    """An administrator queues a failed (or cancelled) job again, from the start."""
    from laoxiao.jobs.selectors import may_retry

    if not may_retry(actor, job):
        raise PermissionDenied(_("Only an administrator may retry a job."))
    if job.status not in (S.FAILED, S.CANCELLED):
        raise ValidationError({"status": _("Only a failed job can be retried.")})
    with transaction.atomic():
        n = Job.objects.filter(pk=job.pk, status=job.status).update(
            status=S.QUEUED,
            done=0,
            message="",
            errors=[],
            lease_owner="",
            lease_expires=None,
            attempts=0,
            finished_at=None,
        )
        if not n:
            raise ValidationError({"status": _("Only a failed job can be retried.")})
        log_change(
            actor=actor,
            action=ChangeLog.Action.STATUS,
            target=job,
            region_code=job.region_code,
            changes={"status": [job.status, S.QUEUED.value]},
            note=f"job {job.kind} retried",
        )
        job.refresh_from_db()
        _dispatch(job)
    return job


# --- the worker's side ------------------------------------------------------------------------------


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


def jobs_requeue_expired(*, max_attempts: int | None = None) -> int:
    """Queue again the running jobs whose lease expired (their worker was lost): another worker takes
    them. A job that lost its worker ``max_attempts`` times fails instead. Returns how many were queued."""
    from laoxiao.jobs.tasks import run_job

    limit = max_attempts or int(getattr(settings, "LAOXIAO_JOB_MAX_ATTEMPTS", 3))
    now = timezone.now()
    expired = Job.objects.filter(status=S.RUNNING, lease_expires__lt=now)
    for job in expired.filter(attempts__gte=limit):
        Job.objects.filter(pk=job.pk, status=S.RUNNING, lease_expires__lt=now).update(
            status=S.FAILED,
            finished_at=now,
            lease_expires=None,
            errors=[*job.errors, f"the worker was lost {job.attempts} times"],
        )
    ids = list(expired.filter(attempts__lt=limit).values_list("pk", flat=True))
    queued = 0
    for pk in ids:
        if Job.objects.filter(pk=pk, status=S.RUNNING, lease_expires__lt=now).update(
            status=S.QUEUED, lease_owner="", lease_expires=None
        ):
            run_job.enqueue(pk)
            queued += 1
    return queued
