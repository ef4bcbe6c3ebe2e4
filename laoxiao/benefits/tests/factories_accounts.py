"""Test helpers of accounts, stops, overpayments and checks: batches and items made directly with
the models (the batch build is another part's), people through the people factories."""

from __future__ import annotations

import datetime as dt
from typing import Any

from laoxiao.benefits.models import Overpayment, PaymentAccount, PaymentBatch, PaymentItem, Programme
from laoxiao.benefits.tests.factories import shipped_programme
from laoxiao.core.crypto import blind_index

S = PaymentItem.Status
XS_COUNTY = "340603000000"
SX_COUNTY = "340621000000"


def programme(code: str = "elderly_allowance") -> Programme:
    return shipped_programme(code)


def make_batch(
    prog: Programme | str = "elderly_allowance",
    period: dt.date = dt.date(2026, 3, 1),
    *,
    region_code: str = XS_COUNTY,
    status: str = PaymentBatch.Status.READY,
    **extra: Any,
) -> PaymentBatch:
    p = programme(prog) if isinstance(prog, str) else prog
    return PaymentBatch.objects.create(
        programme=p, period=period, region_code=region_code, status=status, build_status="built", **extra
    )


def make_item(
    batch: PaymentBatch,
    *,
    elder: Any = None,
    child: Any = None,
    amount_fen: int = 5000,
    status: str = S.READY,
    account: PaymentAccount | None = None,
    **extra: Any,
) -> PaymentItem:
    key = f"e{elder.pk}" if elder is not None else f"c{child.pk}"
    person = elder or child
    return PaymentItem.objects.create(
        code=f"B{batch.pk}-{key}",
        batch=batch,
        programme=batch.programme,
        period=batch.period,
        beneficiary_key=key,
        elder=elder,
        child=child,
        region_code=person.region_code,
        amount_fen=amount_fen,
        status=status,
        account=account,
        **extra,
    )


def make_account(
    *, elder: Any = None, child: Any = None, number: str = "6222021234567890", name: str = ""
) -> PaymentAccount:
    person = elder or child
    key = f"e{elder.pk}" if elder is not None else f"c{child.pk}"
    return PaymentAccount.objects.create(
        beneficiary_key=key,
        elder=elder,
        child=child,
        region_code=person.region_code,
        bank_code="ICBC",
        account_number=number,
        account_name=name or person.name,
    )


def make_overpayment(item: PaymentItem, reason: str = "death 2026-02-10") -> Overpayment:
    return Overpayment.objects.create(
        item=item,
        programme=item.programme,
        region_code=item.region_code,
        period=item.period,
        amount_fen=item.amount_fen,
        reason=reason,
    )


def account_hash(number: str) -> str:
    return blind_index(number, purpose="account")
