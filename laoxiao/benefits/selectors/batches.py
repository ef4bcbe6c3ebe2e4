"""Reads of payment batches and their items, from what the actor may see."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Count, QuerySet, Sum

from laoxiao.benefits.models import PaymentBatch, PaymentItem
from laoxiao.core.errors import NotFound

MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")


def parse_period(text: str | None) -> dt.date | None:
    """``YYYY-MM`` → the month's first day; None for an empty or malformed value."""
    m = MONTH.match((text or "").strip())
    if not m:
        return None
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def yuan(fen: int | None) -> str:
    """Integer fen as yuan with two decimals (``12345`` → ``"123.45"``)."""
    fen = int(fen or 0)
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def batch_list(
    *,
    actor: Any,
    programme: str | None = None,
    period: str | None = None,
    region: str | None = None,
    status: str | None = None,
) -> QuerySet[PaymentBatch]:
    qs: QuerySet[PaymentBatch] = PaymentBatch.objects.visible_to(actor).select_related("programme")
    if programme:
        qs = qs.filter(programme__code=programme)
    month = parse_period(period)
    if month:
        qs = qs.filter(period=month)
    if region:
        qs = qs.filter(region_code=region)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-period", "programme__code", "region_code", "-pk")


def batch_get(*, actor: Any, pk: int) -> PaymentBatch:
    qs = PaymentBatch.objects.visible_to(actor).select_related(
        "programme", "created_by", "approved_by", "follow_up_of", "job"
    )
    batch = qs.filter(pk=pk).first()
    if batch is None:
        raise NotFound(str(pk))
    return batch


def batch_items(batch: PaymentBatch, *, status: str | None = None) -> QuerySet[PaymentItem]:
    qs = PaymentItem.objects.filter(batch=batch).select_related("elder", "child", "provider", "account")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("id")


def status_counts(batch: PaymentBatch) -> list[dict[str, Any]]:
    """Items and money per status (every status, zero included), in the statuses' order."""
    rows = {
        r["status"]: r
        for r in PaymentItem.objects.filter(batch=batch)
        .values("status")
        .annotate(n=Count("id"), total=Sum("amount_fen"))
        .order_by()
    }
    out = []
    for value, label in PaymentItem.Status.choices:
        r = rows.get(value, {})
        out.append(
            {"status": value, "label": label, "count": r.get("n", 0), "total_fen": int(r.get("total") or 0)}
        )
    return out


def follow_up_of(batch: PaymentBatch) -> PaymentBatch | None:
    return PaymentBatch.objects.filter(follow_up_of=batch).first()


def failed_count(batch: PaymentBatch) -> int:
    return PaymentItem.objects.filter(batch=batch, status=PaymentItem.Status.FAILED).count()
