"""Builders for the ledger, payment-file and reconciliation tests: batches and items written
straight to the tables (building and approving batches is another part's action)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from laoxiao.benefits.actions.postings import post_batch_approved
from laoxiao.benefits.models import PaymentAccount, PaymentBatch, PaymentItem, Programme
from laoxiao.benefits.tests.factories import shipped_programme
from laoxiao.people.models import Elder


def programme(code: str = "elderly_allowance") -> Programme:
    return shipped_programme(code)


def make_account(elder: Elder, number: str = "6222021234567890123") -> PaymentAccount:
    return PaymentAccount.objects.create(
        beneficiary_key=f"e{elder.pk}",
        elder=elder,
        region_code=elder.region_code,
        bank_code="ICBC",
        account_number=number,
        account_name=elder.name,
    )


def make_batch(
    *,
    code: str = "elderly_allowance",
    period: dt.date = dt.date(2026, 11, 1),
    region_code: str = "340600000000",
    status: str = PaymentBatch.Status.SENT,
) -> PaymentBatch:
    return PaymentBatch.objects.create(
        programme=programme(code),
        period=period,
        region_code=region_code,
        status=status,
        build_status=PaymentBatch.Build.BUILT,
        sent_at=timezone.now() if status == PaymentBatch.Status.SENT else None,
    )


def make_item(
    batch: PaymentBatch,
    elder: Elder,
    *,
    amount_fen: int = 10000,
    status: str = PaymentItem.Status.SENT,
    account: PaymentAccount | None = None,
    code: str | None = None,
) -> PaymentItem:
    item = PaymentItem.objects.create(
        code=code or f"B{batch.pk}-E{elder.pk}",
        batch=batch,
        programme=batch.programme,
        period=batch.period,
        beneficiary_key=f"e{elder.pk}",
        elder=elder,
        region_code=elder.region_code,
        amount_fen=amount_fen,
        status=status,
        account=account,
    )
    batch.items_count += 1
    batch.total_fen += amount_fen
    batch.save(update_fields=["items_count", "total_fen"])
    return item


def sent_batch(
    actor: Any, elders: list[Elder], amounts: list[int], **kw: Any
) -> tuple[PaymentBatch, list[PaymentItem]]:
    """A batch sent to the bank: its items SENT, with accounts, and the approval posted (budget →
    payable), as the batch part leaves it."""
    batch = make_batch(**kw)
    items = []
    for elder, amount in zip(elders, amounts, strict=True):
        account = PaymentAccount.objects.filter(beneficiary_key=f"e{elder.pk}", active=True).first()
        items.append(
            make_item(
                batch,
                elder,
                amount_fen=amount,
                status=PaymentItem.Status.APPROVED,
                account=account or make_account(elder),
            )
        )
    post_batch_approved(batch, actor)
    PaymentItem.objects.filter(batch=batch).update(status=PaymentItem.Status.SENT)
    for item in items:
        item.refresh_from_db()
    return batch, items
