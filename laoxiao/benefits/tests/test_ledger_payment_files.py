"""The payment file (export kind ``payment-items``): masked by default, full with ``--reveal``
(permission, one reveal row), scoped, csv and xlsx (read back with python-calamine)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from laoxiao.accounts.tests.factories import make_user
from laoxiao.benefits.importers.payment_items import payment_items_file
from laoxiao.benefits.tests.factories_ledger import make_account, make_batch, make_item
from laoxiao.core.masking import mask_account_number
from laoxiao.core.models import ChangeLog
from laoxiao.imports.exporters import export_table
from laoxiao.people.tests.factories import make_elder

HEADER = [
    "item_code",
    "programme",
    "period",
    "region_code",
    "id_number",
    "name",
    "account_number",
    "amount",
    "status",
]


@pytest.fixture
def batch(admin_user: Any) -> Any:
    b = make_batch(region_code="340603000000")
    e1 = make_elder(admin_user, seq=1, birth=dt.date(1940, 3, 4))
    e2 = make_elder(admin_user, seq=2, birth=dt.date(1941, 3, 4))
    make_item(b, e1, amount_fen=10050, account=make_account(e1, "6222021234567890123"), code="EA202611-0001")
    make_item(b, e2, amount_fen=20000, account=make_account(e2, "6217000011112222"), code="EA202611-0002")
    return b


def test_mask_account_number() -> None:
    assert mask_account_number("6222021234567890123") == "6222***********0123"
    assert mask_account_number("6222 0000 1111 1234") == "6222********1234"
    assert mask_account_number("1234567") == "*****67"
    assert mask_account_number("") == ""


def _csv(path: Path) -> list[list[str]]:
    return [line.split(",") for line in path.read_text(encoding="utf-8-sig").splitlines()]


@pytest.mark.django_db
def test_export_masked_by_default_and_no_reveal_logged(batch: Any, admin_user: Any, tmp_path: Path) -> None:
    out = tmp_path / "items.csv"
    call_command("export", "payment-items", "--batch", str(batch.pk), "--out", str(out), "--user", "admin")
    rows = _csv(out)
    assert rows[0] == HEADER
    first = dict(zip(HEADER, rows[1], strict=True))
    assert first["item_code"] == "EA202611-0001" and first["period"] == "2026-11"
    assert (
        first["amount"] == "100.50"
        and first["status"] == "sent"
        and first["programme"] == "elderly_allowance"
    )
    assert first["id_number"].startswith("340603") and "********" in first["id_number"]
    assert first["account_number"] == "6222***********0123"
    assert dict(zip(HEADER, rows[2], strict=True))["amount"] == "200.00"
    assert not ChangeLog.objects.filter(action="reveal").exists()


@pytest.mark.django_db
def test_export_revealed_is_full_and_logs_one_reveal_row(batch: Any, admin_user: Any, tmp_path: Path) -> None:
    out = tmp_path / "items.csv"
    call_command(
        "export", "payment-items", "--batch", str(batch.pk), "--reveal", "--out", str(out), "--user", "admin"
    )
    first = dict(zip(HEADER, _csv(out)[1], strict=True))
    item = batch.items.get(code="EA202611-0001")
    assert first["id_number"] == item.elder.id_number and "*" not in first["id_number"]
    assert first["account_number"] == "6222021234567890123"
    [log] = ChangeLog.objects.filter(action="reveal")
    assert (log.target_type, log.target_id, log.actor_id) == (
        "benefits.paymentbatch",
        str(batch.pk),
        admin_user.pk,
    )
    assert "id_number" in log.note and "account_number" in log.note and "2" in log.note


@pytest.mark.django_db
def test_reveal_needs_the_permission_and_the_refusal_is_logged(batch: Any, tmp_path: Path) -> None:
    clerk = make_user("clerk", [], ["340603000000"])
    clerk.user_permissions.add(*_perms("export_records", "sector_eldercare"))
    clerk = type(clerk).objects.get(pk=clerk.pk)
    out = tmp_path / "x.csv"
    call_command("export", "payment-items", "--batch", str(batch.pk), "--out", str(out), "--user", "clerk")
    assert len(_csv(out)) == 3  # masked: allowed
    with pytest.raises(CommandError):
        call_command(
            "export",
            "payment-items",
            "--batch",
            str(batch.pk),
            "--reveal",
            "--out",
            str(out),
            "--user",
            "clerk",
        )
    assert not ChangeLog.objects.filter(action="reveal").exists()
    assert ChangeLog.objects.filter(action="reveal_denied", actor=clerk).count() == 1


def _perms(*codenames: str) -> list[Any]:
    return list(Permission.objects.filter(codename__in=codenames, content_type__app_label="accounts"))


@pytest.mark.django_db
def test_export_is_scoped_and_needs_a_batch(batch: Any, suixi_officer: Any, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    with pytest.raises(CommandError, match="not found"):
        call_command(
            "export", "payment-items", "--batch", str(batch.pk), "--out", str(out), "--user", "sx_wj"
        )
    with pytest.raises(CommandError):
        call_command("export", "payment-items", "--out", str(out))
    with pytest.raises(CommandError, match="takes no"):
        call_command("export", "regions", "--batch", "1", "--out", str(out))


@pytest.mark.django_db
def test_xlsx_round_trip(batch: Any, admin_user: Any) -> None:
    data = payment_items_file(actor=admin_user, batch=batch, fmt="xlsx")
    table = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    header, rows = export_table("payment-items", actor=admin_user, options={"batch": batch.pk})
    assert table[0] == header == HEADER
    assert [[str(c) for c in r] for r in table[1:]] == [[str(c) for c in r] for r in rows]
    assert table[1][7] == "100.50" and table[1][3] == "340603001001"  # text cells: no float, no lost zeros
