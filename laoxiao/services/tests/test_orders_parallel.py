"""Parallel transitions of one order (PostgreSQL): the row lock lets one pass at a time, so the
order ends in one consistent state and its change log tells the same story."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from laoxiao.core import clock
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import load_rules
from laoxiao.providers.loader import load_service_items
from laoxiao.services.actions import orders
from laoxiao.services.models import ServiceOrder
from laoxiao.services.tests.factories_orders import (
    NOW,
    make_family,
    make_home_provider,
    make_operator,
    make_order,
    make_person,
)

pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real parallel writers need PostgreSQL (SQLite serialises them)"
)


@pytest.fixture(autouse=True)
def _catalogue(db: Any) -> None:
    """A transactional test flushes the tables: the service items come from a data migration."""
    load_service_items()
    load_rules()


def _run(calls: list[Any]) -> list[str]:
    barrier = threading.Barrier(len(calls))

    def one(call: Any) -> str:
        try:
            barrier.wait()
            with clock.frozen(NOW):
                call()
            return "ok"
        except ValidationError:
            return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


@pg_only
@pytest.mark.django_db(transaction=True)
def test_parallel_accept_and_cancel_leave_one_consistent_state(
    city: dict[str, Any], xiangshan_officer: Any
) -> None:
    with clock.frozen(NOW):
        elder = make_person(xiangshan_officer)
        provider = make_home_provider()
        family, operator = make_family(elder), make_operator(provider)
        order = make_order(family, elder, provider)
    accepts = [lambda: orders.order_accept(actor=operator, order=order) for _ in range(4)]
    cancels = [lambda: orders.order_cancel(actor=family, order=order) for _ in range(4)]
    results = _run([x for pair in zip(accepts, cancels, strict=True) for x in pair])
    accepted_ok = results[0::2].count("ok")
    cancelled_ok = results[1::2].count("ok")
    assert accepted_ok <= 1 and cancelled_ok == 1
    final = ServiceOrder.objects.get(pk=order.pk)
    assert final.status == "cancelled"
    steps = list(
        ChangeLog.objects.filter(
            target_type="services.serviceorder", target_id=str(order.pk), action="status"
        )
        .order_by("at", "id")
        .values_list("changes", flat=True)
    )
    assert len(steps) == accepted_ok + cancelled_ok
    state = "requested"
    for change in steps:
        assert change["status"][0] == state
        state = change["status"][1]
    assert state == final.status


@pg_only
@pytest.mark.django_db(transaction=True)
def test_parallel_accepts_one_passes(city: dict[str, Any], xiangshan_officer: Any) -> None:
    with clock.frozen(NOW):
        elder = make_person(xiangshan_officer)
        provider = make_home_provider()
        family, operator = make_family(elder), make_operator(provider)
        order = make_order(family, elder, provider)
    results = _run([lambda: orders.order_accept(actor=operator, order=order) for _ in range(8)])
    assert results.count("ok") == 1 and results.count("refused") == 7
    assert ChangeLog.objects.filter(target_id=str(order.pk), action="status").count() == 1
