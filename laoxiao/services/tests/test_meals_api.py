"""Meals over the API: record, 422 naming the field, scope; 20 parallel lunches of one person give
exactly one subsidy and never a 500 (PostgreSQL)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from laoxiao.accounts.tests.factories import make_user
from laoxiao.services.models import MealRecord
from laoxiao.services.tests.factories_meals import make_diner, make_meal_point, make_person

pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real parallel writers need PostgreSQL (SQLite serialises them)"
)


@pytest.fixture(autouse=True)
def _today(settings: Any) -> None:
    settings.LAOXIAO_TODAY = "2025-06-30"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _body(point: Any, elder: Any, **extra: Any) -> dict[str, Any]:
    body = {
        "provider": point.uscc,
        "elder": elder.pk,
        "served_on": "2025-06-10",
        "slot": "lunch",
        "mode": "dine_in",
        "verified_by": "face",
        "price_fen": 1500,
    }
    body.update(extra)
    return body


def _post(user: Any, url: str, body: dict[str, Any]) -> Any:
    try:
        return _client(user).post(url, data=json.dumps(body), content_type="application/json")
    finally:
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()


@pytest.mark.django_db
def test_record_list_and_refuse(xiangshan_officer: Any, city: Any) -> None:
    point = make_meal_point()
    elder = make_person(xiangshan_officer, age=85)
    make_diner(elder, point)
    r = _post(xiangshan_officer, "/api/v1/services/meals", _body(point, elder))
    assert r.status_code == 201, r.content
    assert (r.json()["subsidy_fen"], r.json()["paid_fen"]) == (300, 1200)
    bad = _post(xiangshan_officer, "/api/v1/services/meals", _body(point, elder, slot="supper"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "slot"
    listed = _client(xiangshan_officer).get("/api/v1/services/meals").json()
    assert listed["count"] == 1
    sx = make_user("sx_m", ["civil_affairs_county"], ["340621000000"])
    assert _client(sx).get("/api/v1/services/meals").json()["count"] == 0
    assert _client(sx).get(f"/api/v1/services/meals/{r.json()['id']}").status_code == 404
    assert _post(sx, "/api/v1/services/meals", _body(point, elder)).status_code == 404


@pytest.mark.django_db
def test_settlement_build_and_approve_over_the_api(xiangshan_officer: Any, city: Any) -> None:
    point = make_meal_point()
    elder = make_person(xiangshan_officer, age=85)
    make_diner(elder, point)
    assert _post(xiangshan_officer, "/api/v1/services/meals", _body(point, elder)).status_code == 201
    built = _post(xiangshan_officer, "/api/v1/services/meal-settlements", {"period": "2025-06"})
    assert built.status_code == 200 and built.json()[0]["subsidy_fen"] == 300
    pk = built.json()[0]["id"]
    assert _post(xiangshan_officer, f"/api/v1/services/meal-settlements/{pk}/approve", {}).status_code == 403
    other = make_user("xs_mz_c", ["civil_affairs_county"], ["340603000000"])
    ok = _post(other, f"/api/v1/services/meal-settlements/{pk}/approve", {})
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    assert _post(other, "/api/v1/services/meal-settlements", {"period": "2025"}).status_code == 422


@pg_only
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_lunches_one_subsidy(city: Any) -> None:
    officer = make_user("xs_par", ["civil_affairs_county"], ["340603000000"])
    point = make_meal_point()
    elder = make_person(officer, age=85)
    make_diner(elder, point)
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(
                lambda i: _post(officer, "/api/v1/services/meals", _body(point, elder, external_ref=f"T{i}")),
                range(20),
            )
        )
    codes = sorted(a.status_code for a in answers)
    assert set(codes) <= {201, 422}, codes
    assert MealRecord.objects.filter(elder=elder, subsidy_fen__gt=0).count() == 1
    assert sum(1 for a in answers if a.status_code == 201 and a.json()["subsidy_fen"] > 0) == 1
