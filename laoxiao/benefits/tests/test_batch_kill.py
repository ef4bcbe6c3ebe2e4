"""THE kill test: ``laoxiao benefits batch`` killed with SIGKILL at several moments, then run again,
ends with exactly one item per eligible beneficiary and the right total.

A real database shared with child processes: a SQLite file with the production options (WAL, the
busy timeout, IMMEDIATE transactions) or, when ``LAOXIAO_TEST_DATABASE_URL`` names PostgreSQL, a
PostgreSQL database of its own (as ``jobs/tests/test_real_database.py``). The command runs with
chunks of 20 and ``LAOXIAO_TEST_BATCH_SLEEP`` (test only: seconds slept inside each chunk's
transaction, after its items are written and before the commit) so the kills land inside chunks.
After every kill the test reads the database directly: the items are exactly those of the chunks
marked done and the batch's counters agree (nothing half-written).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[3]
ELDERS = 400
COMMAND = [
    "-m",
    "laoxiao.cli",
    "benefits",
    "batch",
    "--programme",
    "elderly_allowance",
    "--period",
    "2026-03",
]


def _pg_url() -> str | None:
    url = os.environ.get("LAOXIAO_TEST_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _run(env: dict[str, str], args: list[str], timeout: float = 300) -> Any:
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else done.stdout


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
        LAOXIAO_BENEFIT_CHUNK_SIZE="20",
    )
    env.pop("LAOXIAO_TEST_BATCH_SLEEP", None)
    pg = _pg_url()
    if pg:
        import psycopg

        u = urlparse(pg)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        name = f"{(u.path.lstrip('/') or 'laoxiao')}_batchkill_{worker}"
        admin = u._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = u._replace(path=f"/{name}").geturl()
    else:
        env["DATABASE_URL"] = f"sqlite:///{var / 'batch.sqlite3'}"
    _run(env, ["-m", "laoxiao.cli", "migrate", "--no-input", "-v", "0"])
    _run(env, ["-m", "laoxiao.benefits.tests.batch_probe", "setup", str(ELDERS)])
    return env


def _query(env: dict[str, str], sql: str) -> tuple[Any, ...] | None:
    """One row, read straight from the database (not through Django: the parent has its own test DB)."""
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url[len("sqlite:///") :], timeout=10)
        try:
            return conn.execute(sql).fetchone()
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as pg:
        return pg.execute(sql).fetchone()  # type: ignore[arg-type]


def _state(env: dict[str, str]) -> dict[str, int] | None:
    batch = _query(
        env, "SELECT id, items_count, total_fen, chunks_done, chunks_total FROM benefits_paymentbatch"
    )
    if batch is None:
        return None
    pk = batch[0]
    items = _query(
        env,
        f"SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM benefits_paymentitem WHERE batch_id = {pk}",  # noqa: S608
    )
    sums = "COUNT(*), COALESCE(SUM(items), 0), COALESCE(SUM(total_fen), 0)"
    chunks = _query(env, f"SELECT {sums} FROM benefits_batchchunk WHERE batch_id = {pk} AND done")  # noqa: S608
    assert items is not None and chunks is not None
    return {
        "items": items[0],
        "total": items[1],
        "done_chunks": chunks[0],
        "done_chunk_items": chunks[1],
        "done_chunk_total": chunks[2],
        "batch_items": batch[1],
        "batch_total": batch[2],
        "batch_chunks_done": batch[3],
        "chunks_total": batch[4],
    }


def _assert_whole(state: dict[str, int] | None) -> None:
    """Nothing half-written: the items are the done chunks' items, and the counters say the same."""
    if state is None:
        return
    assert state["items"] == state["done_chunk_items"] == state["batch_items"], state
    assert state["total"] == state["done_chunk_total"] == state["batch_total"], state
    assert state["done_chunks"] == state["batch_chunks_done"], state


def _start(env: dict[str, str], sleep: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *COMMAND, "--quiet"],
        env={**env, "LAOXIAO_TEST_BATCH_SLEEP": sleep},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_when(
    env: dict[str, str], proc: subprocess.Popen[str], ready: Any, extra: float, limit: float = 120
) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end and proc.poll() is None:
        state = _state(env)
        if ready(state):
            break
        time.sleep(0.02)
    time.sleep(extra)
    assert proc.poll() is None, "the build finished before the kill: widen the window"
    proc.kill()  # SIGKILL: no cleanup, no rollback handler, the connection just dies
    proc.wait(timeout=30)
    assert proc.returncode == -9


def test_a_batch_killed_at_several_moments_finishes_with_one_item_each(real_db: dict[str, str]) -> None:
    env = real_db
    moments: list[tuple[str, Any, float]] = [
        ("0.2 s after the start", lambda s: True, 0.2),
        ("as soon as the batch exists", lambda s: s is not None, 0.0),
        ("inside the second chunk", lambda s: s is not None and s["done_chunks"] >= 1, 0.12),
        ("after four chunks", lambda s: s is not None and s["done_chunks"] >= 4, 0.2),
        ("between chunks", lambda s: s is not None and s["done_chunks"] >= 7, 0.25),
    ]
    seen = []
    for name, ready, extra in moments:
        proc = _start(env, "0.25")
        _kill_when(env, proc, ready, extra)
        state = _state(env)
        _assert_whole(state)
        seen.append((name, None if state is None else state["done_chunks"]))
    assert any(n and n > 0 for _, n in seen), seen  # some kills landed in the middle of the build
    first = _state(env)
    assert first is not None and 0 < first["done_chunks"] < first["chunks_total"], seen
    done = subprocess.run(
        [sys.executable, *COMMAND], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = _run(env, ["-m", "laoxiao.benefits.tests.batch_probe", "check"])
    assert out["batches"] == 1
    assert (out["status"], out["build"]) == ("ready", "built")
    assert out["items"] == out["distinct"] == out["expected_count"] > 100
    assert out["total"] == out["expected_total"] == out["batch_total"]
    assert out["same_items"] is True
    assert out["batch_items"] == out["items"] == out["chunk_items"]
    assert out["chunks_total"] == out["chunks_done"] == out["chunk_rows"] == out["chunk_rows_done"]
    assert out["chunks_total"] == first["chunks_total"]  # the ranges were fixed by the first plan
    # and once more: a rerun of the built batch changes nothing
    again = subprocess.run(
        [sys.executable, *COMMAND, "--quiet"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert _run(env, ["-m", "laoxiao.benefits.tests.batch_probe", "check"]) == out


def test_the_command_refuses_in_words_with_a_non_zero_exit(real_db: dict[str, str]) -> None:
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "laoxiao.cli",
            "benefits",
            "batch",
            "--programme",
            "nope",
            "--period",
            "2026-03",
        ],
        env=real_db,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "nope" in bad.stderr
    bad = subprocess.run(
        [sys.executable, *COMMAND[:-1], "2026-13"],
        env=real_db,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "2026-13" in bad.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "laoxiao.cli", "benefits", "approve", "--batch", "1", "--user", "ghost"],
        env=real_db,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
