"""Issue 10 (7): identical complaint POSTs create one complaint (Idempotency-Key and the duplicate rule)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from laoxiao.supervision.models import Complaint

URL = "/api/v1/supervision/complaints"
pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real parallel writers need PostgreSQL (SQLite serialises them)"
)


def _body(xs_home: Any, text: str = "overcharged") -> str:
    return json.dumps(
        {
            "provider": xs_home.uscc,
            "received_on": "2025-03-03",
            "source": "hotline_12345",
            "category": "fees",
            "description": text,
        }
    )


def _post(user: Any, body: str, key: str | None = None) -> Any:
    c = Client()
    c.force_login(user)
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    try:
        return c.post(URL, data=body, content_type="application/json", **extra)
    finally:
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()  # each thread had its own connection


@pytest.mark.django_db
def test_same_key_replays_the_first_answer(xs_home: Any, xiangshan_officer: Any) -> None:
    first = _post(xiangshan_officer, _body(xs_home), key="k-1")
    again = _post(xiangshan_officer, _body(xs_home), key="k-1")
    assert first.status_code == again.status_code == 201, again.content.decode()
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1
    other = _post(xiangshan_officer, _body(xs_home, "another text"), key="k-1")
    assert other.status_code == 422 and set(other.json()) == {"detail", "errors"}
    assert _post(xiangshan_officer, _body(xs_home), key="x" * 201).status_code == 422
    assert Complaint.objects.count() == 1


@pytest.mark.django_db
def test_identical_complaint_within_the_window_is_refused(xs_home: Any, xiangshan_officer: Any) -> None:
    assert _post(xiangshan_officer, _body(xs_home)).status_code == 201
    again = _post(xiangshan_officer, _body(xs_home))
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "description"
    assert _post(xiangshan_officer, _body(xs_home, "a different complaint")).status_code == 201
    assert Complaint.objects.count() == 2


@pg_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_key", [True, False])
def test_twenty_parallel_identical_posts_create_one(
    xs_home: Any, xiangshan_officer: Any, with_key: bool
) -> None:
    body = _body(xs_home)
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(lambda _i: _post(xiangshan_officer, body, "same" if with_key else None), range(20))
        )
    codes = sorted(a.status_code for a in answers)
    assert Complaint.objects.count() == 1, codes
    if with_key:
        assert codes == [201] * 20 and len({a.json()["id"] for a in answers}) == 1
    else:
        assert codes == [201] + [422] * 19
