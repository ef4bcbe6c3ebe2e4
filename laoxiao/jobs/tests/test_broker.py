"""The job engine on a broker (``LAOXIAO_TASKS_BACKEND=rq``: RQ on Redis), end to end with real worker
processes against a real database (a SQLite file, or PostgreSQL when the suite runs on it), on a
queue of this run's own. Marked ``broker``; skipped when Redis is not reachable.

- a job queued through ``jobs.actions.job_enqueue`` goes to Redis; ``laoxiao jobs_worker`` (RQ's
  worker in our rounds) runs it: the Job row ends ``done`` with its progress and result;
- a worker killed with SIGKILL in the middle of a job (its work horse with it) leaves the job
  ``running`` under a lease nobody renews; the lease expires, ``jobs_requeue_expired`` (a second
  worker's round) queues it again, and the second worker finishes it exactly once: every chunk's row
  written once (unique keys), the rows of the first attempt kept, the "finished" row inserted once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import redis
from django_tasks import TaskResultStatus, task_backends

from laoxiao.jobs.engines import engine
from laoxiao.jobs.tasks import run_job
from laoxiao.jobs.tests.rq_inline import forget_queue

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("LAOXIAO_REDIS_URL", "redis://127.0.0.1:6379/0")
PROBE = ["-m", "laoxiao.jobs.tests.broker_probe"]


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.exceptions.RedisError:
        return False


pytestmark = [
    pytest.mark.broker,
    pytest.mark.skipif(not _redis_up(), reason=f"Redis is not reachable at {REDIS_URL}"),
]


def _pg_url() -> str | None:
    url = os.environ.get("LAOXIAO_TEST_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture(scope="module")
def broker_env(tmp_path_factory: Any) -> Any:
    var = tmp_path_factory.mktemp("var")
    queue = f"laoxiao-broker-test-{uuid.uuid4().hex[:12]}"  # parallel runs share the Redis server
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST_", "LAOXIAO_TASKS", "LAOXIAO_RQ", "LAOXIAO_JOB"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="laoxiao.settings",
        LAOXIAO_DEBUG="1",
        LAOXIAO_VAR_DIR=str(var),
        LAOXIAO_TASKS_BACKEND="rq",
        LAOXIAO_TASKS_QUEUE=queue,
        LAOXIAO_REDIS_URL=REDIS_URL,
        LAOXIAO_RQ_LOG_LEVEL="WARNING",
    )
    pg = _pg_url()
    dropped = None
    if pg:
        import psycopg

        u = urlparse(pg)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")  # one database per xdist worker
        name = f"{(u.path.lstrip('/') or 'laoxiao')}_broker_{worker}"
        admin = u._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = u._replace(path=f"/{name}").geturl()
        dropped = (admin, name)
    else:
        env["DATABASE_URL"] = f"sqlite:///{var / 'broker.sqlite3'}"
    _run(env, ["-m", "laoxiao.cli", "migrate", "--no-input", "-v", "0"], timeout=300)
    assert _run(env, [*PROBE, "setup"])["engine"] == "rq"
    yield env
    forget_queue(REDIS_URL, queue)
    if dropped:
        import psycopg

        with psycopg.connect(dropped[0], autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dropped[1]}" WITH (FORCE)')


def _run(env: dict[str, str], args: list[str], timeout: float = 120) -> Any:
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else None


def _family(pid: int) -> list[int]:
    """``pid`` and its descendants (RQ's work horse runs in a session of its own: not in our group)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found = [pid]
    for p in found:
        found += [c for c, parent in parents.items() if parent == p and c not in found]
    return found


def _queued_on_redis(env: dict[str, str]) -> int:
    return int(redis.Redis.from_url(REDIS_URL).llen(f"rq:queue:{env['LAOXIAO_TASKS_QUEUE']}"))


@pytest.mark.django_db
def test_on_the_rq_backend_the_suites_tasks_go_through_redis() -> None:
    """The CI's broker step (``LAOXIAO_TASKS_BACKEND=rq``): a task the suite queues is an RQ job on
    Redis, run in the test's process (settings_test), its result read back from Redis."""
    if engine() != "rq":
        pytest.skip("the suite runs on another backend (the CI's broker step runs this)")
    sent = run_job.enqueue(0)  # no such job: the task runs and finds nothing to do
    back = task_backends["default"].get_result(sent.id)
    assert back.status == TaskResultStatus.SUCCESSFUL and back.return_value == ""
    assert redis.Redis.from_url(REDIS_URL).exists(f"rq:job:{sent.id}")


def test_a_job_queued_through_the_broker_is_run_by_a_worker_process(broker_env: dict[str, str]) -> None:
    job = _run(broker_env, [*PROBE, "enqueue", "3", "0", "340603000000"])
    assert job["engine"] == "rq"
    assert _queued_on_redis(broker_env) == 1  # the task waits on Redis, not in our database
    before = _run(broker_env, [*PROBE, "status", str(job["id"])])
    assert before["status"] == "queued" and before["rows"] == {}
    _run(broker_env, [*PROBE, "worker", "--batch", "--interval", "0.2"], timeout=180)
    after = _run(broker_env, [*PROBE, "status", str(job["id"])])
    assert after["status"] == "done", after
    assert after["done"] == after["total"] == 3 and after["message"] == "row 3 of 3"
    assert after["attempts"] == 1 and after["errors"] == []
    assert after["result"] == {"rows": 3, "written": 3, "attempt": 1}
    assert after["rows"] == {"1901": 1, "1902": 1, "1903": 1} and after["finished_by"] == 1
    assert _queued_on_redis(broker_env) == 0


N = 10
HOLD_AT = 3  # the first worker is killed while it holds after this chunk


def test_a_killed_workers_job_is_finished_once_by_another_worker(
    broker_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**broker_env, "LAOXIAO_JOB_LEASE_SECONDS": "2"}
    hold = tmp_path / "hold"
    hold.touch()
    first = subprocess.Popen(
        [sys.executable, *PROBE, "worker", "--interval", "0.1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        job = _run(env, [*PROBE, "enqueue", str(N), "0.05", "340621000000", str(HOLD_AT), str(hold)])
        mid = _run(env, [*PROBE, "wait", str(job["id"]), str(HOLD_AT), "120"])
        assert mid["status"] == "running" and mid["done"] == HOLD_AT, mid
        family = _family(first.pid)
        assert len(family) >= 2  # the worker and the work horse running the job
        for pid in family:  # the machine dies: no finishing, no cleanup
            os.kill(pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    hold.unlink()
    time.sleep(0.5)  # (nothing of the killed run writes any more)
    lost = _run(env, [*PROBE, "status", str(job["id"])])
    assert lost["status"] == "running" and lost["owner"] == mid["owner"] and lost["finished_by"] is None
    assert lost["attempts"] == 1 and len(lost["rows"]) == HOLD_AT
    second = _run(env, [*PROBE, "worker", "--batch", "--interval", "0.2"], timeout=180)
    assert second is None  # it printed no JSON: it ran until nothing was left
    done = _run(env, [*PROBE, "status", str(job["id"])])
    assert done["status"] == "done" and done["errors"] == [], done
    assert done["attempts"] == 2 and done["owner"] != mid["owner"]
    assert done["done"] == done["total"] == N
    # every chunk's row once: the first attempt's rows kept, the rest written by the second
    rows = done["rows"]
    assert sorted(rows) == [str(1901 + i) for i in range(N)]
    assert set(rows.values()) <= {1, 2} and list(rows.values()) == sorted(rows.values())
    assert [y for y, a in rows.items() if a == 1] == sorted(lost["rows"])
    assert done["finished_by"] == 2 and done["result"]["attempt"] == 2
    assert done["result"]["written"] == N - len(lost["rows"])
    assert _queued_on_redis(env) == 0
