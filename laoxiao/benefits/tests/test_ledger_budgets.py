"""Budgets and the money they become: ``budget_set`` (who, logged, posted once) and the budget
use figures, read back from the ledger after approvals, payments, failures and recoveries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from laoxiao.accounts.tests.factories import make_user
from laoxiao.benefits.actions import postings
from laoxiao.benefits.actions.budgets import budget_set
from laoxiao.benefits.models import Overpayment, PaymentItem
from laoxiao.benefits.selectors.ledger import budget_use, ledger_balances, paid_by_programme_county, yuan
from laoxiao.benefits.tests.factories_ledger import programme, sent_batch
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.ledger.models import Posting
from laoxiao.people.tests.factories import make_elder

XS = "340603000000"
SX = "340621000000"


@pytest.fixture
def elders(admin_user: Any) -> list[Any]:
    return [make_elder(admin_user, seq=i, birth=dt.date(1940, 1, 1)) for i in range(1, 4)]


def test_yuan() -> None:
    assert (yuan(12345), yuan(5), yuan(-120), yuan(None)) == ("123.45", "0.05", "-1.20", "")


@pytest.mark.django_db
def test_budget_set_logs_posts_once_and_follows_changes(admin_user: Any) -> None:
    ea = programme()
    b = budget_set(
        actor=admin_user, programme=ea, region_code=XS, year=2026, amount_fen=100_000_00, note="初始"
    )
    again = budget_set(
        actor=admin_user, programme=ea, region_code=XS, year=2026, amount_fen=100_000_00, note="初始"
    )
    assert again.pk == b.pk and Posting.objects.filter(kind="budget").count() == 1
    budget_set(actor=admin_user, programme=ea, region_code=XS, year=2026, amount_fen=80_000_00, note="调减")
    budget_set(actor=admin_user, programme=ea, region_code=XS, year=2026, amount_fen=100_000_00, note="恢复")
    assert Posting.objects.filter(kind="budget").count() == 3
    [row] = budget_use(actor=admin_user, year=2026)
    assert (row["budget"], row["remaining"], row["used_share"]) == (100_000_00, 100_000_00, 0)
    logs = ChangeLog.objects.filter(target_type="benefits.programmebudget").order_by("id")
    assert [lg.action for lg in logs] == ["create", "update", "update"]
    assert logs[1].changes["amount_fen"] == [100_000_00, 80_000_00]


@pytest.mark.django_db
def test_who_may_set_a_budget(city: Any, xiangshan_officer: Any, suixi_officer: Any, admin_user: Any) -> None:
    ea, cs = programme(), programme("childcare_subsidy")
    budget_set(actor=xiangshan_officer, programme=ea, region_code=XS, year=2026, amount_fen=1)
    with pytest.raises(NotFound):  # another county: not found
        budget_set(actor=xiangshan_officer, programme=ea, region_code=SX, year=2026, amount_fen=1)
    with pytest.raises(PermissionDenied):  # another sector's programme
        budget_set(actor=xiangshan_officer, programme=cs, region_code=XS, year=2026, amount_fen=1)
    budget_set(
        actor=suixi_officer, programme=cs, region_code=SX, year=2026, amount_fen=1
    )  # health → childcare
    township = make_user("town", ["civil_affairs_county"], ["340603001000"])
    with pytest.raises(NotFound):  # a township officer: the county is not within their regions
        budget_set(actor=township, programme=ea, region_code=XS, year=2026, amount_fen=1)
    for bad, field in (
        ({"region_code": "340603001000"}, "region_code"),  # a township, not a county
        ({"region_code": "3406"}, "region_code"),
        ({"amount_fen": -1}, "amount_fen"),
        ({"amount_fen": 1.5}, "amount_fen"),
        ({"year": 1900}, "year"),
    ):
        kw: dict[str, Any] = {"region_code": XS, "year": 2026, "amount_fen": 1, **bad}
        with pytest.raises(ValidationError) as exc:
            budget_set(actor=admin_user, programme=ea, **kw)
        assert field in exc.value.message_dict


@pytest.mark.django_db
def test_budget_use_after_approval_payment_failure_and_recovery(admin_user: Any, elders: list[Any]) -> None:
    ea = programme()
    budget_set(actor=admin_user, programme=ea, region_code=XS, year=2026, amount_fen=1_000_00)
    batch, items = sent_batch(admin_user, elders, [100_00, 200_00, 300_00])
    [row] = budget_use(actor=admin_user, year=2026)
    assert (row["payable"], row["remaining"], row["paid"]) == (600_00, 400_00, 0)
    postings.post_items_paid(items[:2], "file-a", admin_user)
    postings.post_items_paid(items[:2], "file-a", admin_user)  # the same file again: written once
    postings.post_items_failed(items[2:], "file-a", admin_user)
    [row] = budget_use(actor=admin_user, year=2026)
    assert (row["payable"], row["paid"], row["remaining"]) == (0, 300_00, 700_00)
    assert row["used_share"] == pytest.approx(0.3)
    PaymentItem.objects.filter(pk=items[1].pk).update(status=PaymentItem.Status.PAID)
    op = Overpayment.objects.create(
        item=items[1],
        programme=ea,
        region_code=items[1].region_code,
        period=items[1].period,
        amount_fen=200_00,
        reason="death",
    )
    postings.post_overpayment_open(op, admin_user)
    postings.post_overpayment_recovered(op, 50_00, admin_user)
    [row] = budget_use(actor=admin_user, year=2026)
    assert (row["paid"], row["to_recover"], row["remaining"]) == (300_00, 150_00, 750_00)
    # the identity: every fen of the budget is somewhere
    net_paid = 300_00 - 200_00
    assert (
        row["budget"] == row["remaining"] + row["payable"] + net_paid + row["to_recover"] + row["written_off"]
    )
    assert paid_by_programme_county(actor=admin_user, year=2026) == [
        {
            "programme_code": "elderly_allowance",
            "programme_name": ea.name,
            "region_code": XS,
            "county_name": "相山区",
            "paid": 300_00,
        }
    ]
    kinds = {r["kind"]: r["balance"] for r in ledger_balances(actor=admin_user, year=2026)}
    assert kinds == {
        "budget": 750_00,
        "funding": -1_000_00,
        "paid": 100_00,
        "payable": 0,
        "receivable": 150_00,
    }
    assert sum(kinds.values()) == 0


@pytest.mark.django_db
def test_budget_use_is_scoped_by_region_and_sector(
    admin_user: Any, xiangshan_officer: Any, suixi_officer: Any, nobody: Any
) -> None:
    budget_set(actor=admin_user, programme=programme(), region_code=XS, year=2026, amount_fen=5)
    budget_set(actor=admin_user, programme=programme(), region_code=SX, year=2026, amount_fen=7)
    budget_set(
        actor=admin_user, programme=programme("childcare_subsidy"), region_code=SX, year=2026, amount_fen=9
    )
    assert len(budget_use(actor=admin_user, year=2026)) == 3
    assert [(r["region_code"], r["budget"]) for r in budget_use(actor=xiangshan_officer, year=2026)] == [
        (XS, 5)
    ]
    assert [(r["programme_code"], r["budget"]) for r in budget_use(actor=suixi_officer, year=2026)] == [
        ("childcare_subsidy", 9)
    ]
    assert budget_use(actor=nobody, year=2026) == []
    assert budget_use(actor=admin_user, year=2025) == []
