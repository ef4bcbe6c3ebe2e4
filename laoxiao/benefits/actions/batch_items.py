"""The items of a payment batch, written fast: their code, the approval's signature over them, and
the chunk's one ``executemany`` insert (``batches.batch_build``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from django.db import connection

from laoxiao.benefits.models import PaymentBatch, PaymentItem


def item_code(batch_id: int, period: dt.date, key: str) -> str:
    """An item's code: unique (one item per beneficiary in a batch), readable, our own reconciliation key."""
    return f"B{batch_id}-{period:%Y%m}-{key}"


def signature_of(rows: Iterable[tuple[str, int, int | None]]) -> str:
    """sha256 over (code, amount, account id) of the signed items, in id order."""
    h = hashlib.sha256()
    for code, amount, account in rows:
        h.update(f"{code}|{amount}|{account or ''}\n".encode())
    return h.hexdigest()


ITEM_COLUMNS = (
    "code",
    "batch_id",
    "programme_id",
    "period",
    "beneficiary_key",
    "elder_id",
    "child_id",
    "provider_id",
    "staff_id",
    "region_code",
    "amount_fen",
    "status",
    "status_reason",
    "account_id",
    "rule_key",
    "rule_from",
    "source_id",
    "bank_reference",
    "created_at",
    "updated_at",
)


def insert_items(rows: list[dict[str, Any]], *, batch: PaymentBatch, now: dt.datetime) -> None:
    """Append a chunk's items with one ``executemany`` (no model instances: the ORM's
    ``bulk_create`` cost four times the insert itself). Every value is a plain str/int, or a date
    adapted once by the backend's own ``adapt_*`` (the batch's period, the rule's date, now)."""
    if not rows:
        return
    ops = connection.ops
    period = ops.adapt_datefield_value(batch.period)
    stamp = ops.adapt_datetimefield_value(now)
    dates: dict[Any, Any] = {}
    column_of = {f.attname: f.column for f in PaymentItem._meta.concrete_fields}
    names = ", ".join(ops.quote_name(column_of[c]) for c in ITEM_COLUMNS)
    marks = ", ".join(["%s"] * len(ITEM_COLUMNS))
    table = ops.quote_name(PaymentItem._meta.db_table)
    params = []
    for r in rows:
        rule_from = r["rule_from"]
        if rule_from not in dates:
            dates[rule_from] = ops.adapt_datefield_value(rule_from)
        params.append(
            (
                r["code"],
                batch.pk,
                batch.programme_id,
                period,
                r["beneficiary_key"],
                r["elder_id"],
                r["child_id"],
                r["provider_id"],
                r.get("staff_id"),
                r["region_code"],
                int(r["amount_fen"]),
                str(r["status"]),
                r["status_reason"],
                r["account_id"],
                r["rule_key"],
                dates[rule_from],
                r.get("source_id"),
                "",
                stamp,
                stamp,
            )
        )
    with connection.cursor() as cur:
        cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", params)  # noqa: S608 (names from the model)
