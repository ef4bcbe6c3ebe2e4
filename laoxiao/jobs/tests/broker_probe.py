"""The broker tests' side in subprocesses, against a real database (a SQLite file or PostgreSQL) and a
real broker (``LAOXIAO_TASKS_BACKEND=rq``): the test module ``broker_kind`` is imported first, so the
enqueuing process and the workers know its job kind.

``python -m laoxiao.jobs.tests.broker_probe setup``            the small city and an administrator
``python -m laoxiao.jobs.tests.broker_probe enqueue N SLEEP REGION [HOLD_AT HOLD]``  queue a
    ``tests.broker_rows`` job writing its rows for REGION (one region per test: two jobs' rows apart),
    held after chunk HOLD_AT while the file HOLD exists
``python -m laoxiao.jobs.tests.broker_probe wait ID DONE SECS`` wait until the job did DONE chunks
``python -m laoxiao.jobs.tests.broker_probe status ID``        the job and its rows, as JSON
``python -m laoxiao.jobs.tests.broker_probe worker ARGS...``   ``laoxiao jobs_worker ARGS...``
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laoxiao.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from laoxiao.accounts.tests.factories import make_user  # noqa: E402
from laoxiao.jobs.actions import job_enqueue  # noqa: E402
from laoxiao.jobs.engines import engine  # noqa: E402
from laoxiao.jobs.models import Job  # noqa: E402
from laoxiao.jobs.tests.broker_kind import FINISHED_YEAR, KIND  # noqa: E402
from laoxiao.regions.models import PopulationFigure, Region  # noqa: E402
from laoxiao.regions.tests.factories import make_city  # noqa: E402

CITY = "340600000000"


def setup() -> None:
    if not Region.objects.filter(code=CITY).exists():
        make_city()
    if not get_user_model().objects.filter(username="broker_admin").exists():
        make_user("broker_admin", ["city_admin"], [CITY])
    print(json.dumps({"ok": True, "engine": engine()}))


def enqueue(n: int, pause: float, region: str, hold: list[str]) -> None:
    admin = get_user_model().objects.get(username="broker_admin")
    params: dict[str, object] = {"n": n, "sleep": pause}
    if hold:
        params.update(hold_at=int(hold[0]), hold=hold[1])
    job = job_enqueue(actor=admin, kind=KIND, params=params, region_code=region)
    print(json.dumps({"id": job.pk, "engine": engine()}))


def state(pk: int) -> dict[str, object]:
    job = Job.objects.get(pk=pk)
    rows = dict(
        PopulationFigure.objects.filter(region_code=job.region_code, year__lt=2000).values_list(
            "year", "population"
        )
    )
    return {
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "message": job.message,
        "attempts": job.attempts,
        "owner": job.lease_owner,
        "result": job.result,
        "errors": job.errors,
        "rows": {str(year): p for year, p in sorted(rows.items()) if year != FINISHED_YEAR},
        "finished_by": rows.get(FINISHED_YEAR),
    }


def wait(pk: int, done: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        now = state(pk)
        if now["done"] >= done or now["status"] in ("done", "failed") or time.monotonic() > deadline:  # type: ignore[operator]
            print(json.dumps(now))
            return
        time.sleep(0.05)


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    if command == "setup":
        setup()
    elif command == "enqueue":
        enqueue(int(rest[0]), float(rest[1]), rest[2], rest[3:])
    elif command == "wait":
        wait(int(rest[0]), int(rest[1]), float(rest[2]))
    elif command == "worker":
        call_command("jobs_worker", *rest)
    else:
        print(json.dumps(state(int(rest[0]))))
