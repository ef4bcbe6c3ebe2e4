"""``laoxiao serve`` (what ``make run`` runs) starts the job worker beside the web server and stops it
with the server; ``--no-worker`` serves alone; the reloader's child does not start a second worker;
the worker is the configured backend's (``jobs_worker`` picks the database queue's or RQ's), and a
backend that runs tasks itself gets none."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from laoxiao.web.management.commands import serve


class FakeChild:
    pid = 4242

    def __init__(self, command: list[str], **_: Any) -> None:
        self.command = command
        self.stopped = False

    def poll(self) -> int | None:
        return 0 if self.stopped else None

    def terminate(self) -> None:
        self.stopped = True

    def wait(self, timeout: float | None = None) -> int:
        return 0


@pytest.fixture
def fakes(monkeypatch: Any) -> dict[str, Any]:
    seen: dict[str, Any] = {"children": [], "served": []}

    def popen(command: list[str], **kw: Any) -> FakeChild:
        child = FakeChild(command, **kw)
        seen["children"].append(child)
        return child

    def runserver(name: str, *args: Any, **kw: Any) -> None:
        if name == "collectstatic":  # the test runner runs without DEBUG
            return
        assert name == "runserver"
        seen["served"].append([c.stopped for c in seen["children"]])  # the worker runs meanwhile
        raise KeyboardInterrupt  # Ctrl-C

    monkeypatch.setattr(serve.subprocess, "Popen", popen)
    monkeypatch.setattr(serve, "call_command", runserver)
    monkeypatch.delenv("RUN_MAIN", raising=False)
    monkeypatch.setattr(serve, "engine", lambda: "database")  # the tests' backend is "immediate"
    return seen


def test_serve_starts_the_worker_and_stops_it_with_the_server(fakes: dict[str, Any]) -> None:
    out = io.StringIO()
    with pytest.raises(KeyboardInterrupt):
        call_command("serve", "127.0.0.1:8999", stdout=out)
    (child,) = fakes["children"]
    assert child.command[-3:-1] == ["jobs_worker", "--parent"]
    assert fakes["served"] == [[False]] and child.stopped
    assert "job worker running (database" in out.getvalue()


def test_serve_starts_the_rq_worker_on_the_rq_backend_and_none_on_immediate(
    fakes: dict[str, Any], monkeypatch: Any
) -> None:
    monkeypatch.setattr(serve, "engine", lambda: "rq")
    out = io.StringIO()
    with pytest.raises(KeyboardInterrupt):
        call_command("serve", stdout=out)
    (child,) = fakes["children"]
    assert child.command[-3:-1] == ["jobs_worker", "--parent"] and child.stopped
    assert "job worker running (rq" in out.getvalue()
    monkeypatch.setattr(serve, "engine", lambda: "")
    out = io.StringIO()
    with pytest.raises(KeyboardInterrupt):
        call_command("serve", stdout=out)
    assert len(fakes["children"]) == 1 and "job worker" not in out.getvalue()


def test_serve_without_the_worker_and_under_the_reloader(fakes: dict[str, Any], monkeypatch: Any) -> None:
    with pytest.raises(KeyboardInterrupt):
        call_command("serve", "--no-worker", stdout=io.StringIO())
    monkeypatch.setenv("RUN_MAIN", "true")
    with pytest.raises(KeyboardInterrupt):
        call_command("serve", "--reload", stdout=io.StringIO())
    assert fakes["children"] == [] and len(fakes["served"]) == 2
