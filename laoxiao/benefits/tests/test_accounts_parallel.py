"""Parallel writers (PostgreSQL): the same recovery submitted at once is recorded once; a death and
an account change at once leave one current account; parallel stops cancel each item once."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from laoxiao.benefits.actions import stops
from laoxiao.benefits.actions.accounts import account_set
from laoxiao.benefits.actions.overpayments import overpayment_recover
from laoxiao.benefits.loader import load_programmes
from laoxiao.benefits.models import Overpayment, PaymentAccount, PaymentItem
from laoxiao.benefits.tests.factories_accounts import make_batch, make_item, make_overpayment
from laoxiao.core import clock
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import load_rules
from laoxiao.ledger.models import Posting
from laoxiao.people.tests.factories import make_elder

pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real parallel writers need PostgreSQL (SQLite serialises them)"
)
TODAY = dt.date(2026, 4, 20)


@pytest.fixture(autouse=True)
def _data(db: Any) -> None:
    """A transactional test flushes the tables: programmes and rules come from data migrations."""
    load_programmes()
    load_rules()


def _run(calls: list[Any]) -> list[str]:
    barrier = threading.Barrier(len(calls))

    def one(call: Any) -> str:
        try:
            barrier.wait()
            with clock.frozen(TODAY):
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
def test_parallel_recoveries_of_the_same_form_count_once(city: Any, xiangshan_officer: Any) -> None:
    with clock.frozen(TODAY):
        elder = make_elder(xiangshan_officer, seq=2, birth=dt.date(1940, 1, 5))
    op = make_overpayment(make_item(make_batch(), elder=elder, status=PaymentItem.Status.PAID))
    _run(
        [
            lambda: overpayment_recover(
                actor=xiangshan_officer, overpayment=op, amount_fen=1000, recovered_before=0
            )
            for _ in range(6)
        ]
    )
    assert Overpayment.objects.get(pk=op.pk).recovered_fen == 1000
    assert Posting.objects.filter(kind="recovered").count() == 1


@pg_only
@pytest.mark.django_db(transaction=True)
def test_parallel_account_changes_leave_one_current_account(city: Any, xiangshan_officer: Any) -> None:
    with clock.frozen(TODAY):
        elder = make_elder(xiangshan_officer, seq=2, birth=dt.date(1940, 1, 5))
    numbers = [f"62220212345678900{i}" for i in range(6)]
    results = _run(
        [
            (
                lambda n=n: account_set(
                    actor=xiangshan_officer,
                    elder=elder,
                    bank_code="ICBC",
                    account_number=n,
                    account_name="老人2",
                )
            )
            for n in numbers
        ]
    )
    assert "ok" in results
    assert PaymentAccount.objects.filter(beneficiary_key=f"e{elder.pk}", active=True).count() == 1
    creates = ChangeLog.objects.filter(target_type="benefits.paymentaccount", action="create").count()
    assert creates == PaymentAccount.objects.filter(beneficiary_key=f"e{elder.pk}").count()


@pg_only
@pytest.mark.django_db(transaction=True)
def test_parallel_stops_cancel_and_post_once(city: Any, xiangshan_officer: Any) -> None:
    with clock.frozen(TODAY):
        elder = make_elder(xiangshan_officer, seq=2, birth=dt.date(1940, 1, 5))
    approved = make_item(
        make_batch(period=dt.date(2026, 3, 1)), elder=elder, status=PaymentItem.Status.APPROVED
    )
    paid = make_item(make_batch(period=dt.date(2026, 4, 1)), elder=elder, status=PaymentItem.Status.PAID)
    key = f"e{elder.pk}"

    def stop() -> None:
        stops.benefits_stop(
            actor=xiangshan_officer, beneficiary_key=key, ended_on=dt.date(2026, 2, 1), reason="death"
        )

    results = _run([stop for _ in range(5)])
    assert set(results) <= {"ok", "refused"}
    assert PaymentItem.objects.get(pk=approved.pk).status == PaymentItem.Status.CANCELLED
    assert Overpayment.objects.filter(item=paid).count() == 1
    assert Posting.objects.filter(kind="cancel").count() == 1
    assert ChangeLog.objects.filter(target_type="benefits.paymentitem", action="status").count() == 1
