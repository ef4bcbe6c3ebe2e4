"""The ledger postings of benefits: every movement of a programme's money, per county and year.

Accounts (``ledger.Account``, integer fen) are ``<kind>:<programme>:<county>:<year>``:
``funding`` (where a budget comes from) → ``budget`` (what a county may pay in a year) →
``payable`` (approved, owed to beneficiaries) → ``paid`` (the bank confirmed). A failed or
cancelled approved item goes back from ``payable`` to ``budget``; an overpayment moves from ``paid``
to ``receivable`` and from there back to ``budget`` (recovered) or to ``written_off``.

Every function is idempotent: its posting key names what it records (``batch:12:approve:340603``),
so a rerun after a crash, a re-imported file or a double click writes nothing twice. The year is
the year of the item's period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Sum
from django.db.models.functions import Substr

from laoxiao.benefits.models import Overpayment, PaymentBatch, PaymentItem, ProgrammeBudget
from laoxiao.ledger.actions import account_get_or_create, posting_create
from laoxiao.ledger.models import Account, Posting


def county_of(region_code: str) -> str:
    """The county (区/县) of a 12-digit region code: its first six digits, zero-filled."""
    return (region_code[:6] + "000000")[:12]


def ledger_account(kind: str, programme_code: str, county: str, year: int) -> Account:
    return account_get_or_create(
        code=f"{kind}:{programme_code}:{county}:{year}",
        kind=kind,
        region_code=county,
        programme_code=programme_code,
        year=year,
    )


def _move(
    *,
    key: str,
    kind: str,
    programme_code: str,
    county: str,
    year: int,
    debit: str,
    credit: str,
    amount: int,
    actor: Any,
    memo: str = "",
) -> Posting | None:
    """Move ``amount`` fen from account kind ``debit`` to ``credit`` (nothing when zero)."""
    if amount == 0:
        return None
    src = ledger_account(debit, programme_code, county, year)
    dst = ledger_account(credit, programme_code, county, year)
    return posting_create(
        key=key, kind=kind, lines=[(src, -amount), (dst, amount)], region_code=county, actor=actor, memo=memo
    )


def post_budget(budget: ProgrammeBudget, actor: Any) -> Posting | None:
    """Bring the county's ``budget`` account to the budget's amount (funding → budget, the
    difference from what was posted before)."""
    county, code = county_of(budget.region_code), budget.programme.code
    account = ledger_account("budget", code, county, budget.year)
    earlier = Posting.objects.filter(kind="budget", entries__account=account)
    posted = int(earlier.aggregate(s=Sum("entries__amount"))["s"] or 0)
    delta = budget.amount_fen - posted
    return _move(
        key=f"budget:{budget.pk}:{earlier.count() + 1}:{budget.amount_fen}",
        kind="budget",
        programme_code=code,
        county=county,
        year=budget.year,
        debit="funding",
        credit="budget",
        amount=delta,
        actor=actor,
        memo=f"budget {code} {county} {budget.year}",
    )


def post_batch_approved(batch: PaymentBatch, actor: Any) -> list[Posting]:
    """Budget → payable for the batch's approved items, one posting per county."""
    rows = (
        PaymentItem.objects.filter(batch=batch, status=PaymentItem.Status.APPROVED)
        .annotate(county6=Substr("region_code", 1, 6))
        .values("county6")
        .annotate(total=Sum("amount_fen"))
        .order_by("county6")
    )
    out = []
    for row in rows:
        county = county_of(row["county6"])
        posting = _move(
            key=f"batch:{batch.pk}:approve:{county}",
            kind="approve",
            programme_code=batch.programme.code,
            county=county,
            year=batch.period.year,
            debit="budget",
            credit="payable",
            amount=int(row["total"] or 0),
            actor=actor,
            memo=f"batch {batch.pk} approved",
        )
        if posting is not None:
            out.append(posting)
    return out


def _by_group(items: Iterable[PaymentItem]) -> dict[tuple[str, str, int], int]:
    groups: dict[tuple[str, str, int], int] = defaultdict(int)
    for item in items:
        groups[(item.programme.code, county_of(item.region_code), item.period.year)] += item.amount_fen
    return groups


def _post_groups(
    items: Iterable[PaymentItem], key: str, kind: str, debit: str, credit: str, actor: Any
) -> list[Posting]:
    out = []
    for (code, county, year), total in sorted(_by_group(items).items()):
        posting = _move(
            key=f"{key}:{code}:{county}:{year}",
            kind=kind,
            programme_code=code,
            county=county,
            year=year,
            debit=debit,
            credit=credit,
            amount=total,
            actor=actor,
        )
        if posting is not None:
            out.append(posting)
    return out


def post_items_paid(items: Iterable[PaymentItem], key: str, actor: Any) -> list[Posting]:
    """Payable → paid for items the bank paid (``key`` names the reconciliation, e.g. its file digest)."""
    return _post_groups(items, f"{key}:paid", "paid", "payable", "paid", actor)


def post_items_failed(items: Iterable[PaymentItem], key: str, actor: Any) -> list[Posting]:
    """Payable → budget for approved items the bank could not pay (a follow-up batch pays them again)."""
    return _post_groups(items, f"{key}:failed", "failed", "payable", "budget", actor)


def post_item_cancelled(item: PaymentItem, actor: Any) -> Posting | None:
    """Payable → budget for an item cancelled after its batch was approved (call only for an item
    that was APPROVED: a READY or HELD item was never payable)."""
    return _move(
        key=f"item:{item.pk}:cancel",
        kind="cancel",
        programme_code=item.programme.code,
        county=county_of(item.region_code),
        year=item.period.year,
        debit="payable",
        credit="budget",
        amount=item.amount_fen,
        actor=actor,
        memo=f"item {item.code} cancelled",
    )


def post_overpayment_open(op: Overpayment, actor: Any) -> Posting | None:
    """Paid → receivable: money paid for a period after the entitlement ended, to recover."""
    return _move(
        key=f"overpayment:{op.pk}:open",
        kind="overpayment",
        programme_code=op.programme.code,
        county=county_of(op.region_code),
        year=op.period.year,
        debit="paid",
        credit="receivable",
        amount=op.amount_fen,
        actor=actor,
        memo=op.reason,
    )


def post_overpayment_recovered(op: Overpayment, amount_fen: int, actor: Any) -> Posting | None:
    """Receivable → budget for ``amount_fen`` recovered (the key carries the running total, so each
    recovery step is written once)."""
    return _move(
        key=f"overpayment:{op.pk}:recovered:{op.recovered_fen + amount_fen}",
        kind="recovered",
        programme_code=op.programme.code,
        county=county_of(op.region_code),
        year=op.period.year,
        debit="receivable",
        credit="budget",
        amount=amount_fen,
        actor=actor,
    )


def post_overpayment_written_off(op: Overpayment, actor: Any) -> Posting | None:
    """Receivable → written off for what was not recovered (after the write-off was approved)."""
    return _move(
        key=f"overpayment:{op.pk}:written_off",
        kind="written_off",
        programme_code=op.programme.code,
        county=county_of(op.region_code),
        year=op.period.year,
        debit="receivable",
        credit="written_off",
        amount=op.amount_fen - op.recovered_fen,
        actor=actor,
    )
