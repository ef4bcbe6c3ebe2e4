"""Parallel writers (PostgreSQL): 20 identical check-ins are one visit; 20 parallel reviews of one
held visit decide it once."""

from __future__ import annotations

import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from laoxiao.core import clock
from laoxiao.core.models import ChangeLog
from laoxiao.services.models import ServiceVisit
from laoxiao.services.tests.factories_visits import (
    HOME_LAT,
    HOME_LON,
    at,
    load_reference,
    make_home_provider,
    make_operator,
    make_person,
    make_reviewer,
    make_worker,
    record,
    row,
)

BASE = "/api/v1/services"
DAY = dt.date(2026, 11, 10)
pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real parallel writers need PostgreSQL (SQLite serialises them)"
)


def _post(user: Any, url: str, body: dict[str, Any]) -> Any:
    c = Client()
    c.force_login(user)
    try:
        return c.post(url, data=json.dumps(body), content_type="application/json")
    finally:
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()


@pg_only
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_identical_check_ins_are_one_visit(city: dict[str, Any]) -> None:
    load_reference()
    provider = make_home_provider()
    op = make_operator(provider)
    worker = make_worker(provider)
    elder = make_person()
    body = {
        "provider": provider.uscc,
        "elder": elder.pk,
        "item": "hv_walk",
        "worker": worker.pk,
        "at": "2026-11-10T09:00:00+08:00",
        "lon": HOME_LON,
        "lat": HOME_LAT,
        "method": "app_gps",
    }
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _i: _post(op, f"{BASE}/visits/check-in", body), range(20)))
    assert sorted(a.status_code for a in answers) == [201] * 20
    assert len({a.json()["id"] for a in answers}) == 1
    assert ServiceVisit.objects.count() == 1


@pg_only
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_reviews_decide_once(city: dict[str, Any]) -> None:
    load_reference()
    provider = make_home_provider()
    op = make_operator(provider)
    worker = make_worker(provider)
    elder = make_person()
    with clock.frozen(at(DAY, 20)):
        pk = record(op, row(provider, worker, elder, start=at(DAY, 9), minutes=20)).visit_ids[0]
    rev = make_reviewer()
    url = f"{BASE}/visits/{pk}/review"
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(
                lambda i: _post(rev, url, {"decision": "clear" if i % 2 else "reject", "note": f"n{i}"}),
                range(20),
            )
        )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [422] * 19, codes
    assert ChangeLog.objects.filter(target_id=str(pk), action="update").count() == 1
    assert ServiceVisit.objects.get(pk=pk).status in (
        ServiceVisit.Status.CLEARED,
        ServiceVisit.Status.REJECTED,
    )
