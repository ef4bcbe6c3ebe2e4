"""Parallel submits and votes (PostgreSQL): the partial unique constraint lets exactly one pending
application per person and programme through; parallel double votes make one vote."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from laoxiao.benefits.actions import applications as actions
from laoxiao.benefits.models import Application, ApplicationVote
from laoxiao.benefits.tests.factories_applications import (
    NOW,
    load_catalogue,
    make_person,
    make_reviewers,
    submit,
)
from laoxiao.core import clock
from laoxiao.core.models import ChangeLog

pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real parallel writers need PostgreSQL (SQLite serialises them)"
)


def _run(calls: list[Any]) -> list[str]:
    barrier = threading.Barrier(len(calls))

    def one(call: Any) -> str:
        try:
            barrier.wait()
            with clock.frozen(NOW):
                call()
            return "ok"
        except ValidationError as exc:
            return "refused:" + ",".join(sorted(exc.message_dict))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


@pg_only
@pytest.mark.django_db(transaction=True)
def test_parallel_submits_make_exactly_one(
    city: dict[str, Any], xiangshan_officer: Any, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    load_catalogue()
    with clock.frozen(NOW):
        w = make_reviewers()
        elder = make_person(xiangshan_officer)
    actors = [w["worker"], w["community"], w["community2"], w["township"], w["county"], xiangshan_officer]
    results = _run([lambda a=a: submit(a, elder) for a in actors])
    assert results.count("ok") == 1, results
    assert set(results) == {"ok", "refused:programme"}
    assert Application.objects.filter(elder=elder, status="pending").count() == 1
    assert ChangeLog.objects.filter(target_type="benefits.application").count() == 1
    # the refused submits left no stored document behind
    assert len(list((tmp_path / "benefits" / "documents").glob("*"))) == 1


@pg_only
@pytest.mark.django_db(transaction=True)
def test_parallel_double_votes_make_one_vote(
    city: dict[str, Any], xiangshan_officer: Any, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    load_catalogue()
    with clock.frozen(NOW):
        w = make_reviewers()
        app = submit(w["worker"], make_person(xiangshan_officer))

    def cast() -> None:
        actions.application_vote(actor=w["community"], application=app, decision="approve")

    assert _run([cast] * 6) == ["ok"] * 6
    assert ApplicationVote.objects.filter(application=app).count() == 1
    assert Application.objects.get(pk=app.pk).step == 1
