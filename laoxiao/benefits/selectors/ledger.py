"""Reads on the benefits ledger: balances per programme, county and year, and budget use.

Every figure is a sum over ledger entries (``ledger.selectors.balances``) of the accounts
``<kind>:<programme>:<county>:<year>`` that ``benefits.actions.postings`` writes, except the budget
itself (the ``ProgrammeBudget`` the county was given). For one programme, county and year:

- ``budget``: what was set (``budget_set``);
- ``payable``: approved, not yet paid or failed;
- ``paid``: what the bank paid (every credit of the ``paid`` account);
- ``to_recover``: overpaid, not yet recovered or written off (``receivable`` balance);
- ``written_off``;
- ``remaining``: the ``budget`` account's balance (budget − approved + failed + cancelled + recovered).

So ``budget = remaining + payable + (paid − moved to recover) + to_recover + written_off``.

Rows are scoped by region (``Account.objects.visible_to``) and by the programme's sector
(``SECTOR_READERS``): an actor sees the money of the programmes of their sector in their regions.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Q, QuerySet, Subquery, Sum

from laoxiao.benefits.models import Programme, ProgrammeBudget
from laoxiao.benefits.models._base import SECTOR_READERS
from laoxiao.ledger.models import Account
from laoxiao.ledger.selectors import account_postings, balance, balances
from laoxiao.regions.models import Region

FIGURES = ("budget", "payable", "paid", "to_recover", "written_off", "remaining")


def yuan(fen: Any) -> str:
    """Integer fen as yuan with two decimals (``-12345`` → ``"-123.45"``); ``None`` → ``""``."""
    if fen is None or fen == "":
        return ""
    n = int(fen)
    sign = "-" if n < 0 else ""
    n = abs(n)
    return f"{sign}{n // 100}.{n % 100:02d}"


def visible_programmes(actor: Any) -> list[Programme]:
    """The programmes whose money the actor may read (by sector; a superuser: all)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    qs = Programme.objects.order_by("code")
    if actor.is_superuser:
        return list(qs)
    sectors = set(actor.sectors())
    return [p for p in qs if SECTOR_READERS.get(p.sector, frozenset({p.sector})) & sectors]


def _county_names() -> dict[str, str]:
    return dict(Region.objects.filter(level=Region.Level.COUNTY).values_list("code", "name"))


def budget_use(
    *, actor: Any, year: int, programme_code: str | None = None, region_prefix: str | None = None
) -> list[dict[str, Any]]:
    """One row per programme and county with a budget or any ledger account in ``year``:
    ``programme_code``, ``programme_name``, ``region_code``, ``county_name``, ``year``, the
    ``FIGURES`` in integer fen and ``used_share`` (paid + payable over budget, 0..1, None without a
    budget). Ordered by programme, then county."""
    programmes = {p.code: p for p in visible_programmes(actor)}
    if programme_code is not None:
        programmes = {k: v for k, v in programmes.items() if k == programme_code}
    if not programmes:
        return []
    filters: dict[str, Any] = {"year": year, "programme_code__in": list(programmes), "unit": "fen"}
    if region_prefix:
        filters["region_code__startswith"] = region_prefix
    table: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for row in balances(actor=actor, **filters):
        figures = table[(row["programme_code"], row["region_code"])]
        kind = row["kind"]
        if kind == Account.Kind.BUDGET:
            figures["remaining"] = row["balance"]
        elif kind == Account.Kind.PAYABLE:
            figures["payable"] = row["balance"]
        elif kind == Account.Kind.PAID:
            figures["paid"] = row["credits"]
        elif kind == Account.Kind.RECEIVABLE:
            figures["to_recover"] = row["balance"]
        elif kind == Account.Kind.WRITTEN_OFF:
            figures["written_off"] = row["balance"]
    budgets = ProgrammeBudget.objects.visible_to(actor).filter(
        year=year, programme__code__in=list(programmes)
    )
    if region_prefix:
        budgets = budgets.filter(region_code__startswith=region_prefix)
    for code, county, amount in budgets.values_list("programme__code", "region_code", "amount_fen"):
        table[(code, county)]["budget"] = int(amount)
    names = _county_names()
    out = []
    for (code, county), figures in sorted(table.items()):
        used = figures["paid"] + figures["payable"]
        out.append(
            {
                "programme_code": code,
                "programme_name": programmes[code].name,
                "region_code": county,
                "county_name": names.get(county, county),
                "year": year,
                **figures,
                "used_share": (used / figures["budget"]) if figures["budget"] else None,
            }
        )
    return out


def _programme_codes(actor: Any) -> QuerySet[Programme, Any]:
    """The codes of the programmes the actor reads, as a subquery (no query of its own)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Programme.objects.none().values("code")
    if actor.is_superuser:
        return Programme.objects.values("code")
    sectors = set(actor.sectors())
    allowed = sorted(
        {s for s, readers in SECTOR_READERS.items() if readers & sectors} | (sectors - set(SECTOR_READERS))
    )
    return Programme.objects.filter(sector__in=allowed).values("code")


def paid_by_programme_county(*, actor: Any, year: int, region_prefix: str = "") -> list[dict[str, Any]]:
    """Money paid in ``year`` (every credit of the ``paid`` accounts: the bank's confirmations) per
    programme and county, for the cockpit: rows with ``programme_code``, ``programme_name``,
    ``region_code``, ``county_name``, ``paid`` (fen), ordered by programme and county; nothing paid
    → ``[]`` after one query (the cockpit's query count stays flat)."""
    qs = Account.objects.visible_to(actor).filter(
        kind=Account.Kind.PAID, unit="fen", year=year, programme_code__in=Subquery(_programme_codes(actor))
    )
    if region_prefix:
        qs = qs.filter(region_code__startswith=region_prefix)
    rows = list(
        qs.annotate(paid=Sum("entries__amount", filter=Q(entries__amount__gt=0)))
        .filter(paid__gt=0)
        .values_list("programme_code", "region_code", "paid")
        .order_by("programme_code", "region_code")
    )
    if not rows:
        return []
    programmes = dict(Programme.objects.filter(code__in={r[0] for r in rows}).values_list("code", "name"))
    names = _county_names()
    return [
        {
            "programme_code": code,
            "programme_name": programmes.get(code, code),
            "region_code": county,
            "county_name": names.get(county, county),
            "paid": int(paid),
        }
        for code, county, paid in rows
    ]


def ledger_balances(
    *,
    actor: Any,
    year: int | None = None,
    programme_code: str | None = None,
    region_prefix: str | None = None,
) -> list[dict[str, Any]]:
    """Every benefits ledger account the actor sees with its balance, credits and debits
    (integer fen), filtered by year, programme and region; ordered by programme, county, year, kind."""
    programmes = [p.code for p in visible_programmes(actor)]
    if programme_code is not None:
        programmes = [c for c in programmes if c == programme_code]
    filters: dict[str, Any] = {"programme_code__in": programmes, "unit": "fen"}
    if year is not None:
        filters["year"] = year
    if region_prefix:
        filters["region_code__startswith"] = region_prefix
    rows = balances(actor=actor, **filters)
    return sorted(rows, key=lambda r: (r["programme_code"], r["region_code"], r["year"] or 0, r["kind"]))


def ledger_account_get(*, actor: Any, code: str) -> Account | None:
    """The benefits ledger account ``code`` if the actor sees it (region and programme sector)."""
    account = Account.objects.visible_to(actor).filter(code=code).first()
    if account is None or account.programme_code not in {p.code for p in visible_programmes(actor)}:
        return None
    return account


def account_balance(account: Account) -> int:
    """The account's balance (integer fen)."""
    return balance(account)


def ledger_account_postings(*, actor: Any, account: Account, limit: int = 200) -> list[dict[str, Any]]:
    """The latest postings on ``account``: key, kind, memo, created_at, amount (signed fen)."""
    qs = account_postings(actor=actor, account=account)[:limit]
    return [
        {"key": p.key, "kind": p.kind, "memo": p.memo, "created_at": p.created_at, "amount": int(p.amount)}  # type: ignore[attr-defined]
        for p in qs
    ]
