"""Writes on jobs: enqueue, retry, and re-queue the jobs of lost workers.

``job_enqueue`` and ``job_retry`` are actions of a user (scope → permission → content, a change-log
row). The worker's side (claim, progress, finish, fail, run) is in ``jobs.worker``; the task engine
(``jobs.tasks``) only calls ``worker.job_run``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laoxiao.core.changelog import log_change
from laoxiao.core.models import ChangeLog
from laoxiao.jobs.models import Job
from laoxiao.jobs.registry import KINDS
from laoxiao.jobs.selectors import may_retry
from laoxiao.jobs.tasks import run_job
from laoxiao.regions.models import Region

S = Job.Status


def redispatch_at() -> dt.datetime:
    """When a queued job's task is sent again if no worker took it: a task can be lost before a worker
    sees it (the process died between the commit and the send; a broker restarted without its data).
    For a queued job ``lease_expires`` holds this moment; a worker's claim replaces it with its lease."""
    return timezone.now() + dt.timedelta(
        seconds=int(getattr(settings, "LAOXIAO_JOB_REDISPATCH_SECONDS", 600))
    )


def _dispatch(job: Job) -> None:
    """Hand the job to the task engine once the row is committed (the engine only says "run job N")."""
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
        job = Job.objects.create(
            kind=kind, params=params, created_by=actor, region_code=region.code, lease_expires=redispatch_at()
        )
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
            lease_expires=redispatch_at(),
            attempts=0,
            started_at=None,
            finished_at=None,
            result={},
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


def jobs_requeue_expired(*, max_attempts: int | None = None) -> int:
    """Queue again the running jobs whose lease expired (their worker was lost): another worker takes
    them. A job that lost its worker ``max_attempts`` times fails instead. A queued job that no worker
    took by its ``redispatch_at`` has its task sent again (a second task for a job finds it taken and
    does nothing). Returns how many were queued or sent again."""
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
            status=S.QUEUED, lease_owner="", lease_expires=redispatch_at()
        ):
            run_job.enqueue(pk)
            queued += 1
    waiting = list(Job.objects.filter(status=S.QUEUED, lease_expires__lt=now).values_list("pk", flat=True))
    for pk in waiting:
        if Job.objects.filter(pk=pk, status=S.QUEUED, lease_expires__lt=now).update(
            lease_expires=redispatch_at()
        ):
            run_job.enqueue(pk)
            queued += 1
    return queued
