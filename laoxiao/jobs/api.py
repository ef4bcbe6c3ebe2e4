"""/api/v1/jobs: a background job's status and progress (a job outside the caller's regions: 404).

No ``from __future__ import annotations`` here (ninja resolves the annotations at import).
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema

from laoxiao.jobs import selectors
from laoxiao.jobs.models import Job

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: int
    kind: str
    params: dict[str, Any]
    status: str = Field(description="queued, running, done, failed or cancelled")
    done: int
    total: int
    message: str
    errors: list[str]
    result: dict[str, Any]
    region_code: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    attempts: int
    url: str = Field(description="the job's page")


def job_out(job: Job) -> dict[str, Any]:
    params = {k: v for k, v in job.params.items() if k != "path"}  # a stored upload's path stays inside
    return {
        "id": job.pk,
        "kind": job.kind,
        "params": params,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "message": job.message,
        "errors": [str(e) for e in job.errors],
        "result": job.result,
        "region_code": job.region_code,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "attempts": job.attempts,
        "url": reverse("job-detail", args=[job.pk]),
    }


@router.get("/{pk}", response=JobOut, summary="One background job: status, progress, errors")
def get_job(request: HttpRequest, pk: int):
    return job_out(selectors.job_get(actor=request.auth, pk=pk))
