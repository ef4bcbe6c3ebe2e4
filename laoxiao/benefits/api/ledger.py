"""The benefits API: ledger balances, budget use, budgets and an account's postings (mounted at
/api/v1/benefits by ``laoxiao.api.main``). Amounts in integer fen. (No ``from __future__ import
annotations`` here: ninja must see the real ``Query[...]`` types.)"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from laoxiao.api.idempotency import idempotent
from laoxiao.benefits.actions.budgets import budget_set
from laoxiao.benefits.models import Programme
from laoxiao.benefits.selectors import ledger as selectors
from laoxiao.core import clock
from laoxiao.core.errors import NotFound

router = Router(tags=["benefits"])


class BenefitLedgerFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="the year (default: this year)")
    programme: str | None = Field(None, max_length=40, description="a programme's code")
    region: str | None = Field(None, pattern=r"^[0-9]{2,12}$", description="a region code prefix")


class BenefitLedgerBalanceOut(Schema):
    code: str
    kind: str
    unit: str
    programme_code: str
    region_code: str
    year: int | None
    balance: int = Field(..., description="the sum of the account's entries (fen)")
    credits: int = Field(..., description="the sum of its positive entries (fen)")
    debits: int = Field(..., description="the sum of its negative entries, as a positive number (fen)")


class BenefitBudgetUseOut(Schema):
    programme_code: str
    programme_name: str
    region_code: str
    county_name: str
    year: int
    budget: int
    payable: int
    paid: int
    to_recover: int
    written_off: int
    remaining: int
    used_share: float | None = Field(None, description="(paid + payable) / budget; null without a budget")


class BenefitBudgetIn(Schema):
    programme: str = Field(..., max_length=40, description="the programme's code")
    region_code: str = Field(..., max_length=12, description="the county's 12-digit code")
    year: int = Field(..., ge=2000, le=2100)
    amount_fen: int = Field(..., ge=0, description="the budget in fen")
    note: str = Field("", max_length=300)


class BenefitBudgetOut(Schema):
    id: int
    programme: str
    region_code: str
    year: int
    amount_fen: int
    note: str

    @staticmethod
    def resolve_programme(obj: Any) -> str:
        return str(obj.programme.code)


class BenefitPostingOut(Schema):
    key: str
    kind: str
    memo: str
    created_at: dt.datetime
    amount: int = Field(..., description="this posting's signed entry on the account (fen)")


class BenefitAccountPostingsOut(Schema):
    code: str
    balance: int
    postings: list[BenefitPostingOut]


def _year(value: int | None) -> int:
    return value if value is not None else clock.today().year


@router.get(
    "/ledger/balances",
    response=list[BenefitLedgerBalanceOut],
    summary="Ledger balances per programme, county and year",
)
def ledger_balances(request: HttpRequest, filters: Query[BenefitLedgerFilters]):
    return selectors.ledger_balances(
        actor=request.auth,
        year=_year(filters.year),
        programme_code=filters.programme,
        region_prefix=filters.region,
    )


@router.get(
    "/ledger/budget-use",
    response=list[BenefitBudgetUseOut],
    summary="Budget use per programme and county for a year",
)
def budget_use(request: HttpRequest, filters: Query[BenefitLedgerFilters]):
    return selectors.budget_use(
        actor=request.auth,
        year=_year(filters.year),
        programme_code=filters.programme,
        region_prefix=filters.region,
    )


@router.post(
    "/ledger/budgets", response=BenefitBudgetOut, summary="Set a county's budget of a programme for a year"
)
@idempotent
def set_budget(request: HttpRequest, payload: BenefitBudgetIn):
    programme = Programme.objects.filter(code=payload.programme).first()
    if programme is None or programme not in selectors.visible_programmes(request.auth):
        raise NotFound(payload.programme)
    return budget_set(
        actor=request.auth,
        programme=programme,
        region_code=payload.region_code,
        year=payload.year,
        amount_fen=payload.amount_fen,
        note=payload.note,
    )


@router.get(
    "/ledger/accounts/{code}/postings",
    response=BenefitAccountPostingsOut,
    summary="The postings of a ledger account",
)
def account_postings(request: HttpRequest, code: str):
    account = selectors.ledger_account_get(actor=request.auth, code=code)
    if account is None:
        raise NotFound(code)
    return {
        "code": account.code,
        "balance": selectors.account_balance(account),
        "postings": selectors.ledger_account_postings(actor=request.auth, account=account),
    }
