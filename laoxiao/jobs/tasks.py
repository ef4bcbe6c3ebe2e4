"""The one task the engine knows: run the Job with this id (django-tasks; the backend is a setting)."""

from __future__ import annotations

from django_tasks import task

from laoxiao.jobs.worker import job_run


@task()
def run_job(job_id: int) -> str:
    return job_run(job_id)
