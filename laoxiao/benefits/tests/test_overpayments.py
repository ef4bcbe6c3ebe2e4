"""Overpayment steps: notify, recover (part, whole), write-off with maker-checker; each conditional."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from laoxiao.accounts.tests.factories import make_user
from laoxiao.benefits.actions import overpayments as actions
from laoxiao.benefits.importers.overpayments import OverpaymentsExport
from laoxiao.benefits.models import Overpayment, PaymentItem
from laoxiao.benefits.tests.factories_accounts import make_batch, make_item, make_overpayment
from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.imports.exporters import export_table
from laoxiao.ledger.models import Posting
from laoxiao.people.tests.factories import make_elder

St = Overpayment.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def op(city: Any, xiangshan_officer: Any) -> Overpayment:
    with clock.frozen(dt.date(2026, 4, 20)):
        elder = make_elder(xiangshan_officer, seq=3, birth=dt.date(1940, 1, 5))
    item = make_item(make_batch(), elder=elder, status=PaymentItem.Status.PAID, amount_fen=5000)
    return make_overpayment(item)


def _fresh(op: Overpayment) -> Overpayment:
    return Overpayment.objects.get(pk=op.pk)


def test_notify_then_recover_in_two_parts(op: Overpayment, xiangshan_officer: Any) -> None:
    actions.overpayment_notify(actor=xiangshan_officer, overpayment=op)
    actions.overpayment_notify(actor=xiangshan_officer, overpayment=op)  # double submit
    assert _fresh(op).status == St.NOTIFIED
    assert ChangeLog.objects.filter(target_type="benefits.overpayment", action="status").count() == 1
    actions.overpayment_recover(
        actor=xiangshan_officer, overpayment=_fresh(op), amount_fen=2000, recovered_before=0
    )
    # the same form submitted again (it showed 0 recovered): nothing changes
    actions.overpayment_recover(
        actor=xiangshan_officer, overpayment=_fresh(op), amount_fen=2000, recovered_before=0
    )
    assert (_fresh(op).recovered_fen, _fresh(op).status) == (2000, St.NOTIFIED)
    with pytest.raises(ValidationError) as exc:
        actions.overpayment_recover(actor=xiangshan_officer, overpayment=_fresh(op), amount_fen=3001)
    assert "amount_fen" in exc.value.message_dict
    actions.overpayment_recover(
        actor=xiangshan_officer, overpayment=_fresh(op), amount_fen=3000, recovered_before=2000
    )
    assert (_fresh(op).recovered_fen, _fresh(op).status) == (5000, St.RECOVERED)
    keys = sorted(Posting.objects.filter(kind="recovered").values_list("key", flat=True))
    assert keys == [f"overpayment:{op.pk}:recovered:2000", f"overpayment:{op.pk}:recovered:5000"]
    with pytest.raises(ValidationError):
        actions.overpayment_request_write_off(actor=xiangshan_officer, overpayment=_fresh(op), reason="x")


def test_write_off_needs_a_second_officer(op: Overpayment, xiangshan_officer: Any) -> None:
    other = make_user("xs_mz2", ["civil_affairs_county"], ["340603000000"])
    actions.overpayment_recover(actor=xiangshan_officer, overpayment=op, amount_fen=1000)
    with pytest.raises(ValidationError):
        actions.overpayment_request_write_off(actor=xiangshan_officer, overpayment=_fresh(op), reason=" ")
    actions.overpayment_request_write_off(actor=xiangshan_officer, overpayment=_fresh(op), reason="no estate")
    assert _fresh(op).status == St.WRITE_OFF_REQUESTED
    with pytest.raises(PermissionDenied):
        actions.overpayment_approve_write_off(actor=xiangshan_officer, overpayment=_fresh(op))
    assert not Posting.objects.filter(kind="written_off").exists()
    actions.overpayment_approve_write_off(actor=other, overpayment=_fresh(op))
    actions.overpayment_approve_write_off(actor=other, overpayment=_fresh(op))  # double submit
    got = _fresh(op)
    assert (got.status, got.decided_by_id, got.requested_by_id) == (
        St.WRITTEN_OFF,
        other.pk,
        xiangshan_officer.pk,
    )
    posting = Posting.objects.get(kind="written_off")
    assert posting.key == f"overpayment:{op.pk}:written_off"
    assert sorted(posting.entries.values_list("amount", flat=True)) == [-4000, 4000]


def test_a_refused_write_off_is_open_again(op: Overpayment, xiangshan_officer: Any) -> None:
    other = make_user("xs_mz2", ["civil_affairs_county"], ["340603000000"])
    actions.overpayment_request_write_off(actor=xiangshan_officer, overpayment=op, reason="no estate")
    actions.overpayment_reject_write_off(actor=other, overpayment=_fresh(op), reason="the heirs can pay")
    assert _fresh(op).status == St.OPEN


def test_steps_need_the_region_and_sector(op: Overpayment, suixi_officer: Any) -> None:
    with pytest.raises(NotFound):
        actions.overpayment_notify(actor=suixi_officer, overpayment=op)
    health_xs = make_user("xs_wj", ["health_county"], ["340603000000"])
    with pytest.raises(PermissionDenied):
        actions.overpayment_notify(actor=health_xs, overpayment=op)


def test_export_masks_the_id_number_unless_revealed(op: Overpayment, xiangshan_officer: Any) -> None:
    header, rows = export_table("overpayments", actor=xiangshan_officer)
    assert header == ["item_code", "id_number", "name", "period", "amount", "reason", "status"]
    row = dict(zip(header, rows[0], strict=True))
    number = op.item.elder.id_number
    assert row["id_number"] != number and row["id_number"].endswith(number[-4:])
    assert (row["period"], row["amount"], row["status"]) == ("2026-03", "50.00", "open")
    full = OverpaymentsExport().reveal_rows(actor=xiangshan_officer)
    assert full[0]["id_number"] == number
    assert ChangeLog.objects.filter(action="reveal", target_type="benefits.overpayment").count() == 1


def test_change_log_rows_carry_the_programme_sector(op: Overpayment, xiangshan_officer: Any) -> None:
    actions.overpayment_notify(actor=xiangshan_officer, overpayment=op)
    assert ChangeLog.objects.get(target_type="benefits.overpayment").sector == "eldercare"
