"""The one task the engine knows: run the Job with this id (django-tasks; the backend is a setting).

It goes to the queue ``LAOXIAO_TASKS_QUEUE`` ("default"; a test run on a shared broker takes its own).
"""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from laoxiao.jobs.worker import job_run


@task(queue_name=settings.LAOXIAO_TASKS_QUEUE)
def run_job(job_id: int) -> str:
    return job_run(job_id)
