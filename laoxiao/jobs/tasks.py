"""The one task the engine knows: run the Job with this id (django-tasks; the backend is a setting)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: int) -> str:
    from laoxiao.jobs.actions import job_run

    return job_run(job_id)
