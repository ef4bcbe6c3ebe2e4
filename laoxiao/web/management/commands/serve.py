"""``laoxiao serve [ADDR:PORT]``: serve the platform (Django's server; see docs/deployment.md for production).

The background job worker of the configured task backend (``laoxiao jobs_worker``: the database
queue's, or RQ's on ``LAOXIAO_TASKS_BACKEND=rq``) runs beside it as a child process and stops with it;
``--no-worker`` serves without it (when the worker runs as its own service). A backend that runs its
tasks itself (``immediate``) needs no worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from laoxiao.jobs.engines import engine


def start_worker() -> subprocess.Popen[bytes]:
    """The job worker as a child process of this one (same settings, same environment)."""
    command = [sys.executable, "-m", "laoxiao.cli", "jobs_worker", "--parent", str(os.getpid())]
    return subprocess.Popen(command, env=os.environ.copy())  # noqa: S603 - our interpreter, fixed args


def stop_worker(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    child.terminate()  # SIGTERM: the worker finishes its current chunk's transaction and exits
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


class Command(BaseCommand):
    help = "Serve the platform on ADDR:PORT (default 127.0.0.1:8000), with the background job worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--reload", action="store_true", help="restart when code changes (development)")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the job worker (it runs elsewhere)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        # with --reload Django runs this command again in a child (RUN_MAIN): one worker is enough
        child = None
        kind = engine()
        if kind and not opts["no_worker"] and os.environ.get("RUN_MAIN") != "true":
            child = start_worker()
            self.stdout.write(
                f"laoxiao job worker running ({kind}, pid {child.pid}); it stops with the server"
            )
        self.stdout.write(f"laoxiao serving on http://{opts['addrport']}/  (Ctrl-C to stop)")
        previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a service manager stops both
        try:
            call_command("runserver", opts["addrport"], use_reloader=opts["reload"], verbosity=1)
        finally:
            signal.signal(signal.SIGTERM, previous)
            if child is not None:
                stop_worker(child)
