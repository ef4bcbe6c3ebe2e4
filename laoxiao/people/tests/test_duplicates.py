"""Issue 10 (7): identical welfare-visit POSTs create one row and answer truthfully (201 once, then 200)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from laoxiao.people.models import WelfareVisit
from laoxiao.people.tests.factories import make_elder

pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real parallel writers need PostgreSQL (SQLite serialises them)"
)
BODY = json.dumps({"visited_on": "2024-05-10", "mode": "home", "visitor": "王"})


def _post(user: Any, url: str) -> Any:
    c = Client()
    c.force_login(user)
    try:
        return c.post(url, data=BODY, content_type="application/json")
    finally:
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()  # each thread had its own connection


@pytest.mark.django_db
def test_second_identical_visit_answers_200(xiangshan_officer: Any) -> None:
    elder = make_elder(xiangshan_officer, seq=1, name="张", living_arrangement="alone")
    url = f"/api/v1/people/elders/{elder.pk}/welfare-visits"
    assert _post(xiangshan_officer, url).status_code == 201
    again = _post(xiangshan_officer, url)
    assert again.status_code == 200 and WelfareVisit.objects.count() == 1


@pg_only
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_identical_visits(xiangshan_officer: Any) -> None:
    elder = make_elder(xiangshan_officer, seq=1, name="张", living_arrangement="alone")
    url = f"/api/v1/people/elders/{elder.pk}/welfare-visits"
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _i: _post(xiangshan_officer, url), range(20)))
    codes = sorted(a.status_code for a in answers)
    assert WelfareVisit.objects.count() == 1
    assert codes == [200] * 19 + [201], codes
