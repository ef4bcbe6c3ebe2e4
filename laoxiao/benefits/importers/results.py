"""Import kind ``payment-results``: the bank's answer to a payment file (reconciliation).

Columns ``item_code,status,paid_on,amount,bank_reference,failure_reason``; ``status`` is ``paid``
or ``failed``. All or nothing, every bad cell reported:

- ``item_code``: unknown (or outside the actor's regions and sectors: "unknown", never
  "forbidden"), repeated in the file, or an item that is not SENT: a PAID or FAILED item is
  "already reconciled", any other status "not sent to the bank";
- ``amount``: yuan with at most two decimals, converted to fen exactly, and equal to the item's;
- ``paid_on``: needed for ``paid``, a date not in the future (``core.clock``);
- ``failure_reason``: needed for ``failed``.

Re-importing: a file whose sha256 equals a file already applied is refused with one error naming
when it was applied ("already reconciled … nothing was written"); a different file carrying the
same results errors on every row ("already reconciled"). Either way nothing changes twice.

On success, in one transaction (``write_in_chunks`` does not apply: the file is one unit): items
→ PAID (``paid_on``, ``bank_reference``) or FAILED (``status_reason``), one ChangeLog row per item
and one for the file; the ledger postings ``post_items_paid`` / ``post_items_failed`` keyed by the
file's sha256 (``recon:<sha256>``); a SENT batch none of whose items still waits for the bank →
RECONCILED; the raw file kept under ``VAR_DIR/reconciliation/<sha256><suffix>`` and a
``ReconciliationFile`` row (digest unique: a concurrent second upload of the same file fails whole).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts import roles
from laoxiao.benefits.actions.postings import post_items_failed, post_items_paid
from laoxiao.benefits.actions.stops import STOP_MARK, overpayments_for_paid
from laoxiao.benefits.models import PaymentBatch, PaymentItem, ReconciliationFile
from laoxiao.benefits.selectors.ledger import yuan
from laoxiao.core import clock
from laoxiao.core.changelog import build_entry, log_change, log_many
from laoxiao.core.i18n import fmt
from laoxiao.core.models import ChangeLog
from laoxiao.imports import parsers as p
from laoxiao.imports.base import Column, ErrorSink, ImportKind, ImportReport, Row, parse_rows, register
from laoxiao.imports.limits import Limits
from laoxiao.imports.readers import check_size, read_table

KEY = "payment-results"
RESULTS = {"paid": "已支付", "failed": "支付失败"}
MAX_FEN = 10**13


def parse_yuan(value: str) -> int:
    """Yuan with at most two decimals ("123.45", "1,200") → integer fen, exactly."""
    text = value.strip().replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("Not an amount: write yuan with two decimals, e.g. 12.50.")) from None
    if not amount.is_finite() or amount <= 0 or amount * 100 > MAX_FEN:
        raise ValidationError(_("Not an amount: write yuan with two decimals, e.g. 12.50."))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("At most two decimals."))
    return int(amount * 100)


def _read_bytes(source: Any, limits: Limits) -> bytes:
    if isinstance(source, str | Path):
        check_size(Path(source).stat().st_size, limits)
        return Path(source).read_bytes()
    stream = getattr(source, "file", None) or source
    if hasattr(stream, "seek"):
        stream.seek(0)
    data = stream.read(limits.max_bytes + 1)
    check_size(len(data), limits)
    return bytes(data)


def stored_path(digest: str, filename: str) -> Path:
    """Where the raw bytes of a results file are kept."""
    suffix = Path(filename).suffix.lower()[:6] or ".csv"
    return Path(settings.VAR_DIR) / "reconciliation" / f"{digest}{suffix}"


def _common_region(codes: Iterable[str]) -> str:
    codes = sorted(set(codes))
    if len(codes) == 1:
        return codes[0]
    return codes[0][:4] + "00000000" if codes else ""


def _write_results(items: list[PaymentItem], now: Any) -> None:
    """One UPDATE by id per item in one ``executemany`` (Django's ``bulk_update`` builds a CASE
    over every id of a batch: quadratic, minutes for a city's month on SQLite)."""
    conn = connections[router.db_for_write(PaymentItem)]
    ops = conn.ops
    column = {f.attname: ops.quote_name(f.column) for f in PaymentItem._meta.concrete_fields}
    fields = ("status", "paid_on", "bank_reference", "status_reason", "updated_at")
    sets = ", ".join(f"{column[f]} = %s" for f in fields)
    table = ops.quote_name(PaymentItem._meta.db_table)
    stamp = ops.adapt_datetimefield_value(now)
    params = [
        (str(i.status), ops.adapt_datefield_value(i.paid_on), i.bank_reference, i.status_reason, stamp, i.pk)
        for i in items
    ]
    with conn.cursor() as cur:
        cur.executemany(f"UPDATE {table} SET {sets} WHERE {column['id']} = %s", params)  # noqa: S608 - names from the model


@register
class PaymentResultsImport(ImportKind):
    key = KEY
    label = _("payment results (reconciliation)")
    description = _(
        "The bank's answer to a payment file: one row per item, paid or failed. All or nothing; a "
        "file already applied, or a result for an item not sent, is refused."
    )
    permission = roles.IMPORT
    permission_note = "an officer who sees the items' programmes and regions"
    natural_key = ("item_code",)
    write_in_chunks = False
    whole_file = True  # the raw file and its digest are kept: the kind reads the bytes itself
    columns = [
        Column("item_code", "支付明细编号", p.text(40), True, "our item code from the payment file"),
        Column("status", "支付结果", p.choice(RESULTS), True, "paid or failed", RESULTS),
        Column("paid_on", "支付日期", p.date, False, "the day paid (YYYY-MM-DD), needed when paid"),
        Column("amount", "金额（元）", parse_yuan, True, "yuan with two decimals, the item's amount"),
        Column("bank_reference", "银行流水号", p.text(60), False, "the bank's reference"),
        Column("failure_reason", "失败原因", p.text(300), False, "why it failed, needed when failed"),
    ]

    # the standard pipeline, on the bytes kept
    def run_file(
        self,
        source: Any,
        *,
        actor: Any,
        filename: str | None,
        dry_run: bool,
        options: dict[str, Any],
        report: ImportReport,
    ) -> ImportReport:
        limits = Limits.current()
        name = (
            filename or (str(source) if isinstance(source, str | Path) else getattr(source, "name", "")) or ""
        )
        data = _read_bytes(source, limits)
        digest = hashlib.sha256(data).hexdigest()
        errors = ErrorSink({}, limits.max_errors)
        earlier = ReconciliationFile.objects.filter(digest=digest).first()
        if earlier is not None:
            errors.add(
                1,
                "",
                fmt(
                    _("This file was already reconciled on %(at)s (%(name)s): nothing was written."),
                    at=timezone.localtime(earlier.uploaded_at).strftime("%Y-%m-%d %H:%M"),
                    name=earlier.filename,
                ),
                value=Path(name).name,
            )
            report.take_errors(errors)
            return report
        rows = parse_rows(
            self, read_table(io.BytesIO(data), Path(name).name or "results.csv", limits), errors
        )
        report.rows = len(rows)
        context: dict[str, Any] = {}
        if 1 not in errors.bad_rows:
            bad = set(errors.bad_rows)
            context = self.prepare(rows, actor)
            for row in rows:
                if row.number not in bad:
                    self.check_row(row, errors, context)
            self.duplicate_keys(rows, errors)
            self.check_table([r for r in rows if r.number not in bad], errors, context)
        report.take_errors(errors)
        if not report.ok or dry_run:
            return report
        with transaction.atomic():
            summary = self.apply(rows, actor=actor, digest=digest, filename=Path(name).name, data=data)
        report.result.updated = len(rows)
        report.summary.update(summary)
        report.chunks = 1
        report.written = True
        return report

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        codes = sorted({str(r.values["item_code"]) for r in rows if r.values.get("item_code")})
        items = {}
        for part in range(0, len(codes), 2000):
            qs = PaymentItem.objects.visible_to(actor).filter(code__in=codes[part : part + 2000])
            items.update({i.code: i for i in qs.only("id", "code", "status", "amount_fen")})
        return {"items": items, "today": clock.today()}

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        v = row.values
        if v.get("status") == "paid":
            if not v.get("paid_on"):
                errors.add(row, "paid_on", _("A paid item needs the day it was paid."))
            elif v["paid_on"] > context["today"]:
                errors.add(row, "paid_on", _("The day paid is in the future."))
        if v.get("status") == "failed" and not v.get("failure_reason"):
            errors.add(row, "failure_reason", _("A failed item needs the reason the bank gave."))

    def check_table(self, rows: list[Row], errors: ErrorSink, context: dict[str, Any]) -> None:
        items: dict[str, PaymentItem] = context["items"]
        for row in rows:
            code = row.values.get("item_code")
            item = items.get(str(code)) if code else None
            if code and item is None:
                errors.add(row, "item_code", _("No such item (or not one of yours)."))
                continue
            if item is None:
                continue
            if item.status in (PaymentItem.Status.PAID, PaymentItem.Status.FAILED):
                errors.add(
                    row,
                    "item_code",
                    fmt(_("This item is already reconciled (%(status)s)."), status=item.get_status_display()),
                )
            elif item.status != PaymentItem.Status.SENT:
                errors.add(
                    row,
                    "item_code",
                    fmt(
                        _("This item was not sent to the bank (%(status)s)."),
                        status=PaymentItem.Status(item.status).label,  # lazy: the label in the language shown
                    ),
                )
            amount = row.values.get("amount")
            if amount is not None and amount != item.amount_fen:
                errors.add(
                    row,
                    "amount",
                    fmt(_("The item's amount is %(amount)s yuan."), amount=yuan(item.amount_fen)),
                )

    def apply(
        self, rows: list[Row], *, actor: Any, digest: str, filename: str, data: bytes
    ) -> dict[str, int]:
        """Write the results (inside the caller's transaction)."""
        by_code = {str(r.values["item_code"]): r.values for r in rows}
        items = list(
            PaymentItem.objects.select_for_update()
            .filter(code__in=list(by_code), status=PaymentItem.Status.SENT)
            .select_related("programme")
            .order_by("id")
        )
        if len(items) != len(by_code):  # changed since the checks (a concurrent import): all or nothing
            raise ValidationError(_("Some items changed while the file was checked: import it again."))
        now = timezone.now()
        paid, failed, entries = [], [], []
        for item in items:
            v = by_code[item.code]
            old = item.status
            if v["status"] == "paid":
                item.status = PaymentItem.Status.PAID
                item.paid_on = v["paid_on"]
                item.bank_reference = str(v.get("bank_reference") or "")
                paid.append(item)
                changes = {"status": [old, item.status], "paid_on": [None, item.paid_on.isoformat()]}
            else:
                item.status = PaymentItem.Status.FAILED
                stopped = item.status_reason if item.status_reason.startswith(STOP_MARK) else ""
                # a stop's mark stays (the follow-up batch never pays a stopped item again)
                item.status_reason = (f"{stopped} | " if stopped else "") + str(v["failure_reason"])
                item.status_reason = item.status_reason[:300]
                item.bank_reference = str(v.get("bank_reference") or "")
                failed.append(item)
                changes = {"status": [old, item.status], "status_reason": ["", item.status_reason]}
            item.updated_at = now
            entries.append(
                build_entry(
                    actor=actor,
                    action=ChangeLog.Action.STATUS,
                    target=item,
                    changes=changes,
                    note=f"recon {digest[:12]}",
                )
            )
        _write_results(items, now)
        log_many(entries)
        key = f"recon:{digest}"
        post_items_paid(paid, key, actor)
        post_items_failed(failed, key, actor)
        # a payment the bank made after the beneficiary's record ended (stopped while at the bank, or
        # a death recorded late) becomes an overpayment to recover, in the same transaction
        overpayments_for_paid(actor=actor, items=paid)
        batch_ids = sorted({i.batch_id for i in items})
        reconciled = self._close_batches(batch_ids, actor)
        path = stored_path(digest, filename)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        try:
            with transaction.atomic():
                record = ReconciliationFile.objects.create(
                    digest=digest,
                    filename=filename[:200],
                    path=str(path.relative_to(Path(settings.VAR_DIR))),
                    size=len(data),
                    region_code=_common_region(
                        PaymentBatch.objects.filter(pk__in=batch_ids).values_list("region_code", flat=True)
                    ),
                    batch_ids=batch_ids,
                    rows=len(items),
                    paid_count=len(paid),
                    paid_fen=sum(i.amount_fen for i in paid),
                    failed_count=len(failed),
                    failed_fen=sum(i.amount_fen for i in failed),
                    uploaded_by=actor if getattr(actor, "pk", None) else None,
                )
        except IntegrityError:  # the same file applied by a concurrent upload: all of this rolls back
            raise ValidationError(_("This file was already reconciled: nothing was written.")) from None
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=record,
            changes={"paid": [None, len(paid)], "failed": [None, len(failed)]},
            note=f"sha256 {digest}",
        )
        return {"paid": len(paid), "failed": len(failed), "batches_reconciled": reconciled}

    def _close_batches(self, batch_ids: list[int], actor: Any) -> int:
        waiting = Q(items__status__in=[PaymentItem.Status.SENT, PaymentItem.Status.APPROVED])
        done = (
            PaymentBatch.objects.select_for_update()
            .filter(pk__in=batch_ids, status=PaymentBatch.Status.SENT)
            .exclude(pk__in=PaymentBatch.objects.filter(waiting, pk__in=batch_ids).values("pk"))
        )
        n = 0
        for batch in done:
            batch.status = PaymentBatch.Status.RECONCILED
            batch.save(update_fields=["status"])
            log_change(
                actor=actor,
                action=ChangeLog.Action.STATUS,
                target=batch,
                changes={"status": [PaymentBatch.Status.SENT, PaymentBatch.Status.RECONCILED]},
            )
            n += 1
        return n

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        """The results already received, one row per PAID or FAILED item the actor sees."""
        qs = (
            PaymentItem.objects.visible_to(actor)
            .filter(status__in=[PaymentItem.Status.PAID, PaymentItem.Status.FAILED])
            .order_by("code")
        )
        for item in qs.iterator(chunk_size=2000):
            yield {
                "item_code": item.code,
                "status": item.status,
                "paid_on": item.paid_on,
                "amount": yuan(item.amount_fen),
                "bank_reference": item.bank_reference,
                "failure_reason": item.status_reason if item.status == PaymentItem.Status.FAILED else "",
            }
