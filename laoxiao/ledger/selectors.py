"""Reads on the ledger: balances are always sums over entries (never a stored running total).

The ledger is generic: it knows accounts, postings and entries in one unit (``fen`` for money,
``minute`` for a time bank), not what a programme or a member is. Callers (``benefits.selectors``,
a time-bank app) filter accounts by their fields and name what the balances mean.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet, Sum

from laoxiao.ledger.models import Account, Entry, Posting


def balance(account: Account) -> int:
    """The account's balance: the sum of its entries (integer fen or minutes)."""
    return int(Entry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0)


def balances(*, actor: Any, **filters: Any) -> list[dict[str, Any]]:
    """Balances of the accounts the actor sees (by region), filtered by account fields (kind,
    programme_code, year, region_code__startswith ...): one row per account with its ``balance``
    (the sum of its entries), ``credits`` (the sum of its positive entries: what came in) and
    ``debits`` (the sum of its negative entries as a positive number: what went out). Integers."""
    qs = Account.objects.visible_to(actor).filter(**filters)
    rows = qs.annotate(
        balance=Sum("entries__amount"),
        credits=Sum("entries__amount", filter=Q(entries__amount__gt=0)),
        debits=Sum("entries__amount", filter=Q(entries__amount__lt=0)),
    ).values(
        "id", "code", "kind", "unit", "programme_code", "region_code", "year", "balance", "credits", "debits"
    )
    return [
        {
            **r,
            "balance": int(r["balance"] or 0),
            "credits": int(r["credits"] or 0),
            "debits": -int(r["debits"] or 0),
        }
        for r in rows
    ]


def account_postings(*, actor: Any, account: Account) -> QuerySet[Posting]:
    """The postings that touch ``account`` (newest first), each annotated with ``amount``: its
    signed entry on this account. The account must be one the actor sees (callers look it up
    through ``Account.objects.visible_to``)."""
    return (
        Posting.objects.visible_to(actor)
        .filter(entries__account=account)
        .annotate(amount=Sum("entries__amount", filter=Q(entries__account=account)))
        .order_by("-created_at", "-id")
    )
