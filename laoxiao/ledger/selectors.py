"""Reads on the ledger: balances are always sums over entries (never a stored running total)."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from laoxiao.ledger.models import Account, Entry


def balance(account: Account) -> int:
    """The account's balance: the sum of its entries (integer fen or minutes)."""
    return int(Entry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0)


def balances(*, actor: Any, **filters: Any) -> list[dict[str, Any]]:
    """Balances of the accounts the actor sees, filtered by account fields (kind, programme_code,
    year, region_code__startswith ...): one row per account with its ``balance``."""
    qs = Account.objects.visible_to(actor).filter(**filters)
    rows = qs.annotate(balance=Sum("entries__amount")).values(
        "code", "kind", "unit", "programme_code", "region_code", "year", "balance"
    )
    return [{**r, "balance": int(r["balance"] or 0)} for r in rows]
