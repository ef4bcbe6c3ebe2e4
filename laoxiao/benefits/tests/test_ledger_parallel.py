"""Reconciliation under load (PostgreSQL): the same results file uploaded four times at once is
applied exactly once; the ledger moves once."""

from __future__ import annotations

import datetime as dt
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from laoxiao.benefits.loader import load_programmes
from laoxiao.benefits.models import PaymentItem, ReconciliationFile
from laoxiao.benefits.selectors.ledger import budget_use
from laoxiao.benefits.tests.factories_ledger import sent_batch
from laoxiao.core import clock
from laoxiao.imports.base import run_import
from laoxiao.ledger.models import Posting
from laoxiao.people.tests.factories import make_elder

pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real parallel writers need PostgreSQL (SQLite serialises them)"
)


@pg_only
@pytest.mark.django_db(transaction=True)
def test_the_same_file_at_once_is_applied_once(admin_user: Any, settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    load_programmes()  # a transactional test flushed the data migration's rows
    elders = [make_elder(admin_user, seq=i, birth=dt.date(1940, 2, i)) for i in (1, 2, 3)]
    _batch, items = sent_batch(admin_user, elders, [100_00, 200_00, 300_00], region_code="340603000000")
    text = "item_code,status,paid_on,amount,bank_reference,failure_reason\n" + "".join(
        f"{i.code},paid,2026-12-01,{i.amount_fen // 100}.00,R{i.pk},\n" for i in items
    )
    barrier = threading.Barrier(4)

    def one(_n: int) -> bool:
        try:
            barrier.wait()
            with clock.frozen("2026-12-04"):
                return run_import(
                    "payment-results", io.BytesIO(text.encode()), actor=admin_user, filename="bank.csv"
                ).written
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, range(4)))
    assert sorted(results) == [False, False, False, True]
    assert ReconciliationFile.objects.count() == 1
    assert set(PaymentItem.objects.values_list("status", flat=True)) == {"paid"}
    assert Posting.objects.filter(kind="paid").count() == 1
    [row] = budget_use(actor=admin_user, year=2026)
    assert row["paid"] == 600_00
