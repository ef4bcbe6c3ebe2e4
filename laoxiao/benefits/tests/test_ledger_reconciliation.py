"""Reconciliation (import kind ``payment-results``): success moves items, ledger and batch; every
bad cell is reported with nothing written; the same file again changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest

from laoxiao.benefits.actions.budgets import budget_set
from laoxiao.benefits.models import PaymentBatch, PaymentItem, ReconciliationFile
from laoxiao.benefits.selectors.ledger import budget_use
from laoxiao.benefits.tests.factories_ledger import programme, sent_batch
from laoxiao.core import clock
from laoxiao.core.models import ChangeLog
from laoxiao.imports.base import run_import
from laoxiao.ledger.models import Posting
from laoxiao.people.tests.factories import make_elder

HEAD = "item_code,status,paid_on,amount,bank_reference,failure_reason\n"


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def sent(admin_user: Any) -> tuple[PaymentBatch, list[PaymentItem]]:
    budget_set(
        actor=admin_user, programme=programme(), region_code="340603000000", year=2026, amount_fen=1_000_00
    )
    elders = [make_elder(admin_user, seq=i, birth=dt.date(1940, 1, i)) for i in (1, 2, 3)]
    return sent_batch(admin_user, elders, [100_00, 200_00, 150_50], region_code="340603000000")


def _run(text: str, actor: Any, name: str = "results.csv") -> Any:
    with clock.frozen("2026-12-04"):
        return run_import("payment-results", io.BytesIO(text.encode()), actor=actor, filename=name)


def _good(items: list[PaymentItem]) -> str:
    a, b, c = (i.code for i in items)
    return (
        HEAD
        + f"{a},paid,2026-12-01,100.00,BK001,\n{b},paid,2026-12-01,200,BK002,\n{c},failed,,150.50,,账户已销户\n"
    )


def _state() -> tuple[Any, ...]:
    return (
        sorted(
            PaymentItem.objects.values_list("code", "status", "paid_on", "bank_reference", "status_reason")
        ),
        Posting.objects.count(),
        ChangeLog.objects.count(),
        ReconciliationFile.objects.count(),
        sorted(PaymentBatch.objects.values_list("pk", "status")),
    )


@pytest.mark.django_db
def test_results_pay_fail_post_and_close_the_batch(sent: Any, admin_user: Any, var_dir: Path) -> None:
    batch, items = sent
    text = _good(items)
    report = _run(text, admin_user)
    assert report.ok and report.written, report.as_dict()
    assert report.summary == {"paid": 2, "failed": 1, "batches_reconciled": 1}
    got = {i.code: i for i in PaymentItem.objects.all()}
    assert got[items[0].code].status == "paid" and got[items[0].code].paid_on == dt.date(2026, 12, 1)
    assert got[items[0].code].bank_reference == "BK001"
    assert (got[items[2].code].status, got[items[2].code].status_reason) == ("failed", "账户已销户")
    batch.refresh_from_db()
    assert batch.status == PaymentBatch.Status.RECONCILED
    digest = hashlib.sha256(text.encode()).hexdigest()
    record = ReconciliationFile.objects.get()
    assert (record.digest, record.paid_count, record.paid_fen, record.failed_fen) == (
        digest,
        2,
        300_00,
        150_50,
    )
    assert (var_dir / record.path).read_bytes() == text.encode()
    assert set(Posting.objects.filter(key__startswith=f"recon:{digest}").values_list("kind", flat=True)) == {
        "paid",
        "failed",
    }
    [row] = budget_use(actor=admin_user, year=2026)
    assert (row["paid"], row["payable"], row["remaining"]) == (300_00, 0, 700_00)
    assert ChangeLog.objects.filter(target_type="benefits.paymentitem", action="status").count() == 3


@pytest.mark.django_db
def test_the_same_file_again_changes_nothing(sent: Any, admin_user: Any) -> None:
    text = _good(sent[1])
    assert _run(text, admin_user).ok
    before = _state()
    again = _run(text, admin_user)
    assert not again.ok and not again.written
    [err] = again.errors
    assert "already reconciled" in err.reason_en and err.row == 1
    # the same results in another file (another name, reordered): every row "already reconciled"
    lines = text.splitlines()
    other = _run("\n".join([lines[0], *reversed(lines[1:])]) + "\n", admin_user, "again.csv")
    assert not other.ok and other.error_total == 3
    assert all("already reconciled" in e.reason_en for e in other.errors)
    assert _state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("NOPE-1,paid,2026-12-01,1.00,,", "item_code", "No such item"),
        ("{a},paid,2026-12-01,100.01,,", "amount", "amount is 100.00"),
        ("{a},paid,2026-12-01,100.001,,", "amount", "two decimals"),
        ("{a},paid,2026-12-01,abc,,", "amount", "Not an amount"),
        ("{a},failed,,100.00,,", "failure_reason", "needs the reason"),
        ("{a},paid,,100.00,,", "paid_on", "needs the day"),
        ("{a},paid,2026-12-05,100.00,,", "paid_on", "future"),
        ("{a},maybe,2026-12-01,100.00,,", "status", "Unknown code"),
        ("{a},paid,2026-12-01,100.00,,\n{a},paid,2026-12-01,100.00,,", "item_code", "Duplicate"),
    ],
)
def test_each_error_is_reported_and_nothing_written(
    sent: Any, admin_user: Any, row: str, column: str, reason: str
) -> None:
    batch, items = sent
    before = _state()
    b = items[1].code
    text = HEAD + row.format(a=items[0].code) + f"\n{b},paid,2026-12-01,200.00,BK2,\n"
    report = _run(text, admin_user)
    assert not report.ok and not report.written
    assert any(e.column == column and reason in e.reason_en for e in report.errors), report.as_dict()[
        "errors"
    ]
    assert _state() == before  # all or nothing: the good row was not written either


@pytest.mark.django_db
def test_a_result_for_an_item_not_sent_or_out_of_scope(
    sent: Any, admin_user: Any, suixi_officer: Any
) -> None:
    batch, items = sent
    PaymentItem.objects.filter(pk=items[0].pk).update(status=PaymentItem.Status.HELD)
    before = _state()
    report = _run(HEAD + f"{items[0].code},paid,2026-12-01,100.00,,\n", admin_user)
    assert [e.reason_en for e in report.errors] == ["This item was not sent to the bank (held)."]
    other = _run(HEAD + f"{items[1].code},paid,2026-12-01,200.00,,\n", suixi_officer)
    assert not other.ok  # another county's item: unknown (or the officer may not import at all)
    assert _state() == before


@pytest.mark.django_db
def test_a_partial_file_leaves_the_batch_sent(sent: Any, admin_user: Any) -> None:
    batch, items = sent
    assert _run(HEAD + f"{items[0].code},paid,2026-12-01,100.00,BK1,\n", admin_user).ok
    batch.refresh_from_db()
    assert batch.status == PaymentBatch.Status.SENT
    assert _run(
        HEAD + f"{items[1].code},paid,2026-12-02,200.00,,\n{items[2].code},paid,2026-12-02,150.50,,\n",
        admin_user,
    ).ok
    batch.refresh_from_db()
    assert batch.status == PaymentBatch.Status.RECONCILED
    [row] = budget_use(actor=admin_user, year=2026)
    assert (row["paid"], row["payable"]) == (450_50, 0)
