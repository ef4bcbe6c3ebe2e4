"""Writes on the ledger: ``posting_create`` is the only way money or time moves.

A posting is written once per ``key`` (a retry after a crash, a double click, a re-imported file
writes nothing new and answers the first posting); its lines sum to zero and none is zero; the
accounts share the posting's unit. Nothing here updates or deletes a posting or an entry: a
mistake is corrected by ``posting_reverse``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction

from laoxiao.ledger.models import Account, Entry, Posting, Unit


class Unbalanced(ValueError):
    """The lines of a posting do not sum to zero (a programming error, never user input)."""


def account_get_or_create(
    *,
    code: str,
    kind: str,
    region_code: str,
    programme_code: str = "",
    year: int | None = None,
    unit: str = Unit.FEN,
    name: str = "",
) -> Account:
    """The account ``code`` (made on first use; its attributes never change afterwards)."""
    account = Account.objects.filter(code=code).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(
                code=code,
                kind=kind,
                region_code=region_code,
                programme_code=programme_code,
                year=year,
                unit=unit,
                name=name,
            )
    except IntegrityError:  # made by a concurrent writer
        return Account.objects.get(code=code)


def posting_create(
    *,
    key: str,
    kind: str,
    lines: Sequence[tuple[Account, int]],
    region_code: str,
    actor: Any = None,
    memo: str = "",
    reverses: Posting | None = None,
) -> Posting:
    """Write the posting ``key`` with ``lines`` [(account, signed amount)], or answer the one
    already written under that key. Lines on the same account are merged; zero lines dropped."""
    merged: dict[int, int] = {}
    accounts: dict[int, Account] = {}
    for account, amount in lines:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise TypeError(f"ledger amounts are integers (fen or minutes), not {type(amount).__name__}")
        merged[account.pk] = merged.get(account.pk, 0) + amount
        accounts[account.pk] = account
    legs = [(accounts[pk], amt) for pk, amt in merged.items() if amt != 0]
    if sum(amt for _, amt in legs) != 0:
        raise Unbalanced(f"posting {key} does not sum to zero: {[(a.code, amt) for a, amt in legs]}")
    if not legs:
        raise Unbalanced(f"posting {key} moves nothing")
    units = {a.unit for a, _ in legs}
    if len(units) != 1:
        raise Unbalanced(f"posting {key} mixes units {sorted(units)}")
    existing = Posting.objects.filter(key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            posting = Posting.objects.create(
                key=key,
                kind=kind,
                unit=units.pop(),
                region_code=region_code,
                memo=memo[:300],
                created_by=actor if getattr(actor, "pk", None) else None,
                reverses=reverses,
            )
            Entry.objects.bulk_create([Entry(posting=posting, account=a, amount=amt) for a, amt in legs])
    except IntegrityError:
        found = Posting.objects.filter(key=key).first()
        if found is None:
            raise
        return found
    return posting


def posting_reverse(*, posting: Posting, key: str, actor: Any = None, memo: str = "") -> Posting:
    """A posting that undoes ``posting`` (every entry with the opposite sign), written once per key."""
    lines: Iterable[tuple[Account, int]] = [
        (e.account, -e.amount) for e in posting.entries.select_related("account")
    ]
    return posting_create(
        key=key,
        kind=f"reversal:{posting.kind}"[:32],
        lines=list(lines),
        region_code=posting.region_code,
        actor=actor,
        memo=memo or f"reverses {posting.key}",
        reverses=posting,
    )
