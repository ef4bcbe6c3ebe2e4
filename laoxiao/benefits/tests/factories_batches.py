"""Builders for the batch tests: older people in bulk (ages around the allowance's bands), their
payment accounts, and the small city's users."""

from __future__ import annotations

import datetime as dt
from typing import Any

from laoxiao.accounts.tests.factories import make_user
from laoxiao.benefits.eligibility import calculator_for
from laoxiao.benefits.models import PaymentAccount, PaymentBatch, PaymentItem, Programme
from laoxiao.benefits.tests.factories import shipped_programme
from laoxiao.people.models import Elder
from laoxiao.people.tests.factories import make_elder_id

PERIOD = dt.date(2026, 3, 1)
COMMUNITIES = ("340603001001", "340603001002", "340621100001", "340621100002")


def birth_for(i: int) -> dt.date:
    """Birth dates cycling through 70- to 104-year-olds on ``PERIOD`` (some too young, every band)."""
    return dt.date(1922 + i % 35, 1 + i % 12, 1 + i % 28)


def make_elders(n: int, *, start: int = 0, communities: tuple[str, ...] = COMMUNITIES) -> list[Elder]:
    rows = []
    for i in range(start, start + n):
        code = communities[i % len(communities)]
        birth = birth_for(i)
        rows.append(
            Elder(
                name=f"老人{i}",
                sex="M",
                birth_date=birth,
                region_id=code,
                region_code=code,
                id_number=make_elder_id(birth, i % 499, county=code[:6]),
            )
        )
    return Elder.objects.bulk_create(rows, batch_size=2000)


def make_accounts(elders: list[Elder], *, every: int = 1) -> int:
    """An active account for every ``every``-th elder (the others' items are held)."""
    rows = [
        PaymentAccount(
            beneficiary_key=f"e{e.pk}",
            elder=e,
            region_code=e.region_code,
            bank_code="ICBC",
            account_number=f"6222{e.pk:012d}",
            account_name=e.name,
        )
        for n, e in enumerate(elders)
        if n % every == 0
    ]
    PaymentAccount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def allowance() -> Programme:
    return shipped_programme("elderly_allowance")


def expected(programme: Programme, period: dt.date = PERIOD, prefix: str = "3406") -> dict[str, int]:
    """What the calculator pays, asked directly: beneficiary key → fen."""
    calc = calculator_for(programme)
    ids = list(calc.candidate_ids(programme, period, prefix))
    if not ids:
        return {}
    return {
        p.beneficiary_key: p.amount_fen for p in calc.payables(programme, period, prefix, ids[0], ids[-1])
    }


def fail_items(batch: PaymentBatch, n: int) -> list[PaymentItem]:
    """Mark ``n`` sent items failed (what the reconciliation import does; the tests stand in for it)."""
    items = list(PaymentItem.objects.filter(batch=batch, status=PaymentItem.Status.SENT).order_by("id")[:n])
    PaymentItem.objects.filter(pk__in=[i.pk for i in items]).update(
        status=PaymentItem.Status.FAILED, status_reason="account closed"
    )
    return items


def users(city: dict[str, Any]) -> dict[str, Any]:
    return {
        "maker": make_user("maker", ["city_admin"], [city["city"].code]),
        "checker": make_user("checker", ["city_admin"], [city["city"].code]),
        "xs_officer": make_user("xs_county", ["civil_affairs_county"], ["340603000000"]),
        "health": make_user("health_c", ["health_county"], ["340603000000"]),
    }
