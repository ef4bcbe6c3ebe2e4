"""Parallel writers on PostgreSQL (SQLite serialises them): two builds of one batch, two openings of
one period, two approvals of one batch, and two batches of one period racing for the same people
— one item per beneficiary, one batch, one approval."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models import Count
from django.test import override_settings

from laoxiao.benefits.actions import batches as actions
from laoxiao.benefits.loader import load_programmes
from laoxiao.benefits.models import PaymentBatch, PaymentItem
from laoxiao.benefits.tests.factories_batches import (
    PERIOD,
    allowance,
    expected,
    make_accounts,
    make_elders,
    users,
)
from laoxiao.core.rules import load_rules
from laoxiao.ledger.models import Posting

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="real parallel writers need PostgreSQL (SQLite serialises them)",
    ),
    pytest.mark.django_db(transaction=True),
]


def _together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released at once; their results (or exceptions)."""
    out: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(n: int, call: Callable[[], Any]) -> None:
        try:
            start.wait()
            out[n] = call()
        except Exception as exc:
            out[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return out


@pytest.fixture
def setup(city: dict[str, Any]) -> dict[str, Any]:
    load_rules()  # a transactional test starts from a flushed database: the migrations' data is gone
    load_programmes()
    elders = make_elders(600)
    make_accounts(elders, every=2)
    return {**users(city), "programme": allowance()}


def _no_duplicates() -> None:
    dup = (
        PaymentItem.objects.exclude(status__in=["failed", "cancelled"])
        .values("programme", "period", "beneficiary_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not dup.exists()


@override_settings(LAOXIAO_BENEFIT_CHUNK_SIZE=25)
def test_two_builds_of_one_batch_give_one_item_each(setup: dict[str, Any]) -> None:
    want = expected(setup["programme"])
    batch = actions.batch_open(
        actor=setup["maker"], programme=setup["programme"], period=PERIOD, region_code=""
    )
    results = _together(
        *(lambda n=n: actions.batch_build(batch=batch, owner=f"worker-{n}") for n in range(3))
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    done = PaymentBatch.objects.get(pk=batch.pk)
    assert (done.status, done.build_status) == ("ready", "built")
    got = dict(PaymentItem.objects.filter(batch=batch).values_list("beneficiary_key", "amount_fen"))
    assert got == want
    assert done.items_count == len(want) and done.total_fen == sum(want.values())
    assert done.chunks_done == done.chunks_total == batch.chunks.filter(done=True).count()
    _no_duplicates()


def test_two_openings_of_one_period_give_one_batch(setup: dict[str, Any]) -> None:
    results = _together(
        *(
            lambda: actions.batch_open(
                actor=setup["maker"], programme=setup["programme"], period=PERIOD, region_code=""
            )
            for _ in range(4)
        )
    )
    assert len({r.pk for r in results}) == 1, results
    assert PaymentBatch.objects.count() == 1


@override_settings(LAOXIAO_BENEFIT_CHUNK_SIZE=40)
def test_a_county_batch_and_the_city_batch_built_at_once_pay_nobody_twice(setup: dict[str, Any]) -> None:
    want = expected(setup["programme"])
    county = actions.batch_open(
        actor=setup["maker"], programme=setup["programme"], period=PERIOD, region_code="340603000000"
    )
    whole = actions.batch_open(
        actor=setup["maker"], programme=setup["programme"], period=PERIOD, region_code=""
    )
    results = _together(lambda: actions.batch_build(batch=county), lambda: actions.batch_build(batch=whole))
    assert not [r for r in results if isinstance(r, Exception)], results
    _no_duplicates()
    keys = sorted(PaymentItem.objects.values_list("beneficiary_key", flat=True))
    assert keys == sorted(want)
    a, b = PaymentBatch.objects.get(pk=county.pk), PaymentBatch.objects.get(pk=whole.pk)
    assert a.items_count + b.items_count == len(want)
    assert a.total_fen + b.total_fen == sum(want.values())


def test_two_approvals_at_once_approve_once(setup: dict[str, Any]) -> None:
    batch = actions.batch_build(
        batch=actions.batch_open(
            actor=setup["maker"], programme=setup["programme"], period=PERIOD, region_code=""
        )
    )
    results = _together(
        *(lambda: actions.batch_approve(actor=setup["checker"], batch=batch) for _ in range(3))
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert {r.status for r in results} == {"approved"}
    assert Posting.objects.filter(kind="approve").count() == 2  # one per county, once
