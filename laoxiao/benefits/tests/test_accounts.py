"""Payment accounts: set (replacing the current one), masking and the logged reveal, the import."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from laoxiao.accounts.tests.factories import make_user
from laoxiao.benefits.actions.accounts import account_set
from laoxiao.benefits.models import PaymentAccount
from laoxiao.benefits.tests.factories_accounts import account_hash
from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.core.masking import mask_account_number
from laoxiao.core.models import ChangeLog
from laoxiao.core.reveal import masked, reveal_field
from laoxiao.people.models import Guardian
from laoxiao.people.tests.factories import make_child, make_child_id, make_elder, run_csv

pytestmark = pytest.mark.django_db
NUMBER = "6222021234567891234"
TODAY = dt.date(2026, 4, 20)


@pytest.fixture
def elder(city: Any, xiangshan_officer: Any) -> Any:
    with clock.frozen(TODAY):
        return make_elder(xiangshan_officer, seq=5, birth=dt.date(1940, 1, 5))


@pytest.fixture
def child(city: Any) -> Any:
    c = make_child(region_code="340603001001", id_no=make_child_id("340603", dt.date(2025, 3, 1), 4))
    Guardian.objects.create(child=c, region_code=c.region_code, name="王芳", id_number="340603199001011234")
    return c


def test_mask_account_number() -> None:
    assert mask_account_number("6222021234561234") == "6222********1234"
    assert mask_account_number(NUMBER) == "6222" + "*" * 11 + "1234"
    assert mask_account_number("") == ""


def test_set_replaces_the_current_account_and_never_logs_the_number(
    elder: Any, xiangshan_officer: Any
) -> None:
    first = account_set(
        actor=xiangshan_officer,
        elder=elder,
        bank_code="icbc",
        account_number="6222 0212 3456 7891 234",
        account_name="老人5",
    )
    assert (first.bank_code, first.account_number, first.account_number_hash) == (
        "ICBC",
        NUMBER,
        account_hash(NUMBER),
    )
    again = account_set(
        actor=xiangshan_officer, elder=elder, bank_code="ICBC", account_number=NUMBER, account_name="老人5"
    )
    assert again.pk == first.pk  # the same account changes nothing
    second = account_set(
        actor=xiangshan_officer,
        elder=elder,
        bank_code="ABC",
        account_number="6228480000000000001",
        account_name="老人5",
    )
    assert list(
        PaymentAccount.objects.filter(beneficiary_key=f"e{elder.pk}").values_list("pk", "active")
    ) == [
        (second.pk, True),
        (first.pk, False),
    ]
    rows = ChangeLog.objects.filter(target_type="benefits.paymentaccount")
    assert rows.count() == 3 and {r.sector for r in rows} == {"eldercare"}
    for r in rows:
        assert NUMBER not in str(r.changes) and "6228480000000000001" not in str(r.changes)
    created = rows.filter(action="create").order_by("pk").first()
    assert created is not None and created.changes["account_number"][1] == mask_account_number(NUMBER)


def test_set_checks_number_bank_scope_and_sector(
    elder: Any, xiangshan_officer: Any, suixi_officer: Any
) -> None:
    with pytest.raises(ValidationError) as exc:
        account_set(
            actor=xiangshan_officer, elder=elder, bank_code="I", account_number="12ab", account_name=""
        )
    assert set(exc.value.message_dict) == {"bank_code", "account_number", "account_name"}
    with pytest.raises(NotFound):
        account_set(
            actor=suixi_officer, elder=elder, bank_code="ICBC", account_number=NUMBER, account_name="x"
        )
    health = make_user("xs_wj", ["health_county"], ["340603000000"])
    with pytest.raises(PermissionDenied):
        account_set(actor=health, elder=elder, bank_code="ICBC", account_number=NUMBER, account_name="x")


def test_a_childs_account_is_a_guardians(child: Any) -> None:
    officer = make_user("xs_wj", ["health_county"], ["340603000000"])
    with pytest.raises(ValidationError) as exc:
        account_set(actor=officer, child=child, bank_code="ICBC", account_number=NUMBER, account_name="李四")
    assert "account_name" in exc.value.message_dict
    acc = account_set(
        actor=officer, child=child, bank_code="ICBC", account_number=NUMBER, account_name="王芳"
    )
    assert acc.beneficiary_key == f"c{child.pk}"


def test_reveal_gives_the_full_number_and_logs_it(
    elder: Any, xiangshan_officer: Any, suixi_officer: Any
) -> None:
    acc = account_set(
        actor=xiangshan_officer, elder=elder, bank_code="ICBC", account_number=NUMBER, account_name="老人5"
    )
    assert masked(acc, "account_number") == mask_account_number(NUMBER)
    full = reveal_field(
        actor=xiangshan_officer,
        target_type="benefits.paymentaccount",
        target_id=str(acc.pk),
        field="account_number",
    )
    assert full == NUMBER
    log = ChangeLog.objects.get(action="reveal", target_type="benefits.paymentaccount")
    assert (log.actor_id, log.note) == (xiangshan_officer.pk, "account_number")
    with pytest.raises(NotFound):
        reveal_field(
            actor=suixi_officer,
            target_type="benefits.paymentaccount",
            target_id=str(acc.pk),
            field="account_number",
        )
    assert ChangeLog.objects.filter(action="reveal_denied").count() == 1


HEADER = "id_number,bank_code,account_number,account_name\n"


def test_import_is_all_or_nothing_and_reports_every_bad_cell(
    elder: Any, child: Any, xiangshan_officer: Any, city: Any
) -> None:
    with clock.frozen(TODAY):
        far = make_elder(
            make_user("sx_mz", ["civil_affairs_county"], ["340621000000"]),
            seq=9,
            region="340621100001",
            birth=dt.date(1941, 2, 2),
        )
    text = (
        HEADER
        + "\n".join(
            [
                f"{elder.id_number},ICBC,{NUMBER},老人5",  # 2: fine
                "110101194001010000,ICBC,6222021234567890,张三",  # 3: unknown ID number
                f"{far.id_number},ICBC,6222021234567890,老人9",  # 4: another county: unknown too
                f"{elder.id_number},ICBC,6222021234567890,老人5",  # 5: duplicate of row 2
                f"{child.id_number},ICBC,12345,王芳",  # 6: bad account number
                f"{child.id_number},ICBC,6222021234567777,王芳",  # 7: a child (health sector): unknown here; a duplicate
            ]
        )
    )
    report = run_csv("payment-accounts", text, xiangshan_officer)
    assert not report.written
    cells = sorted((e.row, e.column) for e in report.errors)
    assert cells == [
        (3, "id_number"),
        (4, "id_number"),
        (5, "id_number"),
        (6, "account_number"),
        (7, "id_number"),
        (7, "id_number"),
    ]
    assert all(NUMBER not in e.value and "12345" != e.value for e in report.errors)
    assert not PaymentAccount.objects.exists()


def test_import_writes_and_a_rerun_changes_nothing(elder: Any, child: Any, xiangshan_officer: Any) -> None:
    ok = HEADER + f"{elder.id_number},ICBC,{NUMBER},老人5\n"
    report = run_csv("payment-accounts", ok, xiangshan_officer)
    assert report.ok and report.result.created == 1
    assert run_csv("payment-accounts", ok, xiangshan_officer).result.unchanged == 1
    health = make_user("xs_wj", ["health_county"], ["340603000000"])
    bad_name = HEADER + f"{child.id_number},ICBC,{NUMBER},李四\n"
    assert [e.column for e in run_csv("payment-accounts", bad_name, health).errors] == ["account_name"]
    good = HEADER + f"{child.id_number},ICBC,{NUMBER},王芳\n"
    assert run_csv("payment-accounts", good, health).result.created == 1
    assert PaymentAccount.objects.filter(account_number_hash=account_hash(NUMBER), active=True).count() == 2
