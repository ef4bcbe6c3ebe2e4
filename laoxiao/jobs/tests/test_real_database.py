"""Probes on a real database in subprocesses: a SQLite file with the production options (WAL, the
10 s busy timeout, IMMEDIATE transactions) or, when the suite runs on PostgreSQL, a PostgreSQL
database of its own. The in-memory test database cannot show a lock held across connections.

- during a city-wide recomputation (slowed to a few seconds), a login and a write succeed, and they
  finish while the recomputation still runs (before the fix they waited for its one transaction,
  or answered 500 "database is locked" once it outlasted the busy timeout);
- the worker (``laoxiao jobs_worker``) runs a queued job, and a job whose worker was killed (its
  lease expired) is picked up and finished.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[3]
HOLD = 6.0  # seconds the slowed recomputation takes


def _pg_url() -> str | None:
    url = os.environ.get("LAOXIAO_TEST_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: Any) -> dict[str, str]:
    var = tmp_path_factory.mktemp("var")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_", "LAOXIAO_TASKS"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="laoxiao.settings",
        LAOXIAO_DEBUG="1",
        LAOXIAO_VAR_DIR=str(var),
        LAOXIAO_TASKS_BACKEND="database",
    )
    pg = _pg_url()
    if pg:
        import psycopg

        u = urlparse(pg)
        # one database per xdist worker: the module's tests may run on two workers at once, and each
        # worker's fixture would otherwise drop the database the other is migrating
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        name = f"{(u.path.lstrip('/') or 'laoxiao')}_probe_{worker}"
        admin = u._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = u._replace(path=f"/{name}").geturl()
    else:
        env["DATABASE_URL"] = f"sqlite:///{var / 'probe.sqlite3'}"
    _run(env, ["-m", "laoxiao.cli", "migrate", "--no-input", "-v", "0"], timeout=300)
    _run(env, ["-m", "laoxiao.jobs.tests.probe", "setup"])
    return env


def _run(env: dict[str, str], args: list[str], timeout: float = 120) -> Any:
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else None


@pytest.mark.parametrize("via", ["action", "job"])
def test_a_login_and_a_write_succeed_during_a_recomputation(real_db: dict[str, str], via: str) -> None:
    out = _run({**real_db, "PROBE_VIA": via}, ["-m", "laoxiao.jobs.tests.probe", "lock", str(HOLD)])
    assert isinstance(out["compute"], int) and out["compute"] > 0, out["compute"]
    assert out["login"]["status"] == 302  # signed in (a wrong password answers 200 with the form)
    assert out["write"]["status"] == "ok"
    # both went through while the recomputation was still computing: nothing held the write lock
    assert out["login"]["end"] < out["compute_end"] and out["write"]["end"] < out["compute_end"], out


def test_the_worker_runs_jobs_and_picks_up_a_killed_workers_job(real_db: dict[str, str]) -> None:
    env = {**real_db, "LAOXIAO_JOB_LEASE_SECONDS": "30"}
    ids = _run(env, ["-m", "laoxiao.jobs.tests.probe", "enqueue"])
    before = _run(env, ["-m", "laoxiao.jobs.tests.probe", "status", str(ids["queued"]), str(ids["lost"])])
    assert before[str(ids["queued"])][0] == "queued" and before[str(ids["lost"])][0] == "running"
    worker = subprocess.run(
        [sys.executable, "-m", "laoxiao.cli", "jobs_worker", "--batch", "--interval", "0.2"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert worker.returncode == 0, worker.stderr[-3000:]
    after = _run(env, ["-m", "laoxiao.jobs.tests.probe", "status", str(ids["queued"]), str(ids["lost"])])
    status, attempts, owner, result = after[str(ids["queued"])]
    assert status == "done" and attempts == 1 and result["values"] > 0
    status, attempts, owner, result = after[str(ids["lost"])]
    assert status == "done" and attempts == 2 and owner != "killed-worker" and result["period"] == "2022"
