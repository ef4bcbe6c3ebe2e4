"""``laoxiao jobs_worker``: the background worker of the configured task backend.

On the database backend (the default) it is django-tasks-db's ``db_worker`` loop, plus ours: between
rounds of ready tasks it queues again the jobs whose lease expired (their worker was lost), so they
are picked up here, and runs the periodic housekeeping that is due (``jobs/periodic.py``). On the RQ
backend (``LAOXIAO_TASKS_BACKEND=rq``) the same rounds run RQ's worker instead (``jobs/rqworker.py``).
``laoxiao serve`` starts it beside the web server; in production run it as its own service
(docs/deployment.md, "Background jobs").
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.db.utils import OperationalError
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from laoxiao.jobs import rqworker
from laoxiao.jobs.actions import jobs_requeue_expired
from laoxiao.jobs.engines import DATABASE, RQ, engine
from laoxiao.jobs.models import Job
from laoxiao.jobs.periodic import run_due
from laoxiao.jobs.worker import worker_id


class Command(BaseCommand):
    help = "Run the background job worker (queued jobs of the configured task backend)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")
        parser.add_argument("--batch", action="store_true", help="exit when no job is left (tests, cron)")
        parser.add_argument(
            "--parent", type=int, default=0, help="exit when this process (the server) is gone"
        )
        parser.add_argument("--backend", default="default", help="the TASKS alias of the backend")

    def handle(self, *args: Any, **opts: Any) -> None:
        kind = engine(opts["backend"])
        if kind == RQ:
            rqworker.run(
                interval=opts["interval"], batch=opts["batch"], parent=opts["parent"], out=self.stdout
            )
            return
        if kind != DATABASE:
            raise CommandError(
                f"the task backend {opts['backend']!r} runs its tasks itself: no worker needed"
            )
        self._database(opts)

    def _database(self, opts: dict[str, Any]) -> None:
        worker = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,  # one round: every ready task, then back here to sweep lost leases
            backend_name=opts["backend"],
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id(),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        self.stdout.write(f"laoxiao job worker {worker.worker_id} running (Ctrl-C to stop)")
        try:
            while worker.running:
                close_old_connections()
                try:
                    jobs_requeue_expired()
                except OperationalError:  # a locked database: try again next round
                    pass
                run_due()  # housekeeping (laoxiao/jobs/periodic.py)
                worker.run()
                if opts["batch"] and not self._pending(opts["backend"]):
                    return
                if opts["parent"] and os.getppid() != opts["parent"]:
                    return  # the server that started this worker is gone
                if worker.running:
                    time.sleep(opts["interval"])
        finally:
            worker.reset_signals()

    @staticmethod
    def _pending(backend: str) -> bool:
        ready = DBTaskResult.objects.ready().filter(backend_name=backend).exists()
        return ready or Job.objects.filter(status=Job.Status.RUNNING).exists()
