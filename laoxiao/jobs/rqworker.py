"""The job worker on the RQ backend (``LAOXIAO_TASKS_BACKEND=rq``: a province's Redis), in the same
shape as the database backend's worker (``management/commands/jobs_worker.py``).

Each round: queue again the jobs whose lease expired (their worker was lost: ``jobs_requeue_expired``),
run the periodic housekeeping that is due, then RQ's forking worker runs every task ready on our
queue (``burst``) — each task in a fresh child process ("work horse") under RQ's time limit — and the
loop sleeps when there was nothing to do. RQ only carries "run job N": claiming, progress, finishing
and failing are the lease-conditional updates of ``jobs.worker`` on our ``Job`` rows, so a task that RQ
loses (a worker killed with SIGKILL, Redis restarted without its data) costs a lease's time, never a
job, and a task that comes twice runs the job once (docs/decisions/0006-broker-backend.md).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import django_rq
from django.conf import settings
from django.db import close_old_connections, connections
from django.db.utils import OperationalError
from django_tasks_rq import Job as TaskJob
from rq import Queue, Worker
from rq.exceptions import StopRequested

from laoxiao.jobs.actions import jobs_requeue_expired
from laoxiao.jobs.models import Job
from laoxiao.jobs.periodic import run_due
from laoxiao.jobs.worker import worker_id

log = logging.getLogger("laoxiao.jobs")


class RoundWorker(Worker):
    """RQ's forking worker that remembers a stop request (SIGTERM, Ctrl-C) from one round to the next:
    RQ finishes the task it is running (a warm shutdown), then the loop ends."""

    stop_asked = False

    def handle_warm_shutdown_request(self) -> None:
        self.stop_asked = True
        super().handle_warm_shutdown_request()


def task_queue() -> Queue:
    """Our queue on the broker (``LAOXIAO_TASKS_QUEUE`` in ``RQ_QUEUES``), with django-tasks' job class."""
    return django_rq.get_queue(settings.LAOXIAO_TASKS_QUEUE, job_class=TaskJob)


def pending(queue: Queue) -> bool:
    """A task waits on the broker, or a job runs (its worker may yet be lost and its job queued again)."""
    return queue.count > 0 or Job.objects.filter(status=Job.Status.RUNNING).exists()


def housekeeping() -> None:
    close_old_connections()
    try:
        jobs_requeue_expired()
    except OperationalError:  # a locked database: try again next round
        pass
    run_due()  # laoxiao/jobs/periodic.py


def run(*, interval: float = 1.0, batch: bool = False, parent: int = 0, out: Any = None) -> None:
    """Run rounds until stopped (SIGTERM, Ctrl-C), until nothing is left (``batch``), or until the
    process ``parent`` (the server that started this worker) is gone."""
    queue = task_queue()
    worker = RoundWorker([queue], connection=queue.connection, job_class=TaskJob, name=worker_id())
    if out is not None:
        out.write(f"laoxiao job worker {worker.name} running on RQ queue {queue.name} (Ctrl-C to stop)")
    try:
        while not worker.stop_asked:
            housekeeping()
            connections.close_all()  # each task runs in a forked child: it opens its own connections
            worked = worker.work(burst=True, logging_level=os.environ.get("LAOXIAO_RQ_LOG_LEVEL", "INFO"))
            if worker.stop_asked:
                break
            if batch and not pending(queue):
                return
            if parent and os.getppid() != parent:
                return  # the server that started this worker is gone
            if not worked:
                time.sleep(interval)
    except StopRequested:  # RQ's handler of the last round, when the signal came between rounds
        pass
    log.info("job worker %s stopped", worker.name)
