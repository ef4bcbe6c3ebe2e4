"""A probe run in a subprocess against a real database (a SQLite file with the production options —
WAL, the busy timeout, IMMEDIATE transactions — or PostgreSQL), not the test runner's in-memory one.

``python -m laoxiao.jobs.tests.probe setup``      the small city, an administrator, a user
``python -m laoxiao.jobs.tests.probe lock SECONDS`` a city-wide recomputation slowed to SECONDS in
    a thread, and meanwhile a login and a write; prints what happened, with times, as JSON
``python -m laoxiao.jobs.tests.probe enqueue``    queue a job and a job a killed worker left behind
``python -m laoxiao.jobs.tests.probe status ID..`` the jobs' status as JSON
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laoxiao.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

CITY = "340600000000"
PASSWORD = "probe-password-1"


def setup() -> None:
    from django.contrib.auth import get_user_model

    from laoxiao.accounts.tests.factories import make_user
    from laoxiao.regions.models import Region
    from laoxiao.regions.tests.factories import make_city

    if not Region.objects.filter(code=CITY).exists():
        make_city()
    User = get_user_model()
    if not User.objects.filter(username="probe_admin").exists():
        make_user("probe_admin", ["city_admin"], [CITY])
        officer = make_user("probe_officer", ["civil_affairs_county"], ["340603000000"])
        officer.set_password(PASSWORD)
        officer.save()
    print(json.dumps({"ok": True}))


def lock(seconds: float) -> None:
    import laoxiao.plan.engine as engine
    from laoxiao.plan.actions.values import indicator_values_recompute
    from laoxiao.providers.models import Provider
    from laoxiao.providers.tests.factories import make_uscc, provider

    real = engine.definition
    n = sum(1 for c in engine.REGISTRY if engine.applies_to(c, engine.Period.parse("2021")))

    class Slow:
        def __init__(self, d: Any) -> None:
            self.d = d

        def compute(self, *args: Any) -> Any:
            time.sleep(seconds / n)  # a city's worth of reading, shrunk to the probe's region
            return self.d.compute(*args)

    engine.definition = lambda code: Slow(real(code))  # type: ignore[assignment]
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="probe_admin")
    out: dict[str, Any] = {}

    def recompute() -> None:
        out["compute_start"] = time.monotonic()
        try:
            if os.environ.get("PROBE_VIA") == "job":  # as the worker runs it
                from laoxiao.jobs.worker import job_run
                from laoxiao.plan.actions.values import indicator_values_recompute_enqueue

                job = indicator_values_recompute_enqueue(actor=admin, period="2021", region_code=CITY)
                from laoxiao.jobs.models import Job

                job_run(job.pk)
                out["compute"] = Job.objects.get(pk=job.pk).result.get("values")
            else:
                out["compute"] = indicator_values_recompute(
                    actor=admin, period="2021", region_code=CITY
                ).values
        except Exception as exc:  # noqa: BLE001 - reported to the test
            out["compute"] = f"error: {exc}"
        finally:
            out["compute_end"] = time.monotonic()
            connection.close()

    client = Client(raise_request_exception=False)
    client.get("/login/")  # warm: the URLs, the templates (not what is measured)
    connection.close()
    worker = threading.Thread(target=recompute)
    worker.start()
    time.sleep(min(1.0, seconds / 4))  # the recomputation is under way
    t0 = time.monotonic()
    r = client.post("/login/", {"username": "probe_officer", "password": PASSWORD})
    out["login"] = {"status": r.status_code, "start": t0, "end": time.monotonic()}
    t0 = time.monotonic()
    try:
        n = Provider.objects.count() + 1
        provider(
            region="340603001001", status="filed", name=f"院{n}", uscc=make_uscc(n), beds=10, nursing_beds=5
        )
        out["write"] = {"status": "ok", "start": t0, "end": time.monotonic()}
    except Exception as exc:  # noqa: BLE001 - reported to the test
        out["write"] = {"status": f"error: {exc}", "start": t0, "end": time.monotonic()}
    connection.close()
    worker.join(timeout=seconds * 10 + 60)
    print(json.dumps(out))


def enqueue() -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from laoxiao.jobs.models import Job
    from laoxiao.jobs.worker import job_claim
    from laoxiao.plan.actions.values import indicator_values_recompute_enqueue

    admin = get_user_model().objects.get(username="probe_admin")
    queued = indicator_values_recompute_enqueue(actor=admin, period="2021", region_code=CITY)
    lost = indicator_values_recompute_enqueue(actor=admin, period="2022", region_code=CITY)
    # a worker took the second job and was killed: its task is gone, its lease runs out
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(args_kwargs__args=[lost.pk]).delete()
    job_claim(lost.pk, "killed-worker")
    Job.objects.filter(pk=lost.pk).update(lease_expires=timezone.now() - dt.timedelta(seconds=1))
    print(json.dumps({"queued": queued.pk, "lost": lost.pk}))


def status(ids: list[str]) -> None:
    from laoxiao.jobs.models import Job

    rows = Job.objects.filter(pk__in=[int(i) for i in ids])
    print(json.dumps({str(j.pk): [j.status, j.attempts, j.lease_owner, j.result] for j in rows}))


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    if command == "setup":
        setup()
    elif command == "lock":
        lock(float(rest[0]))
    elif command == "enqueue":
        enqueue()
    else:
        status(rest)
