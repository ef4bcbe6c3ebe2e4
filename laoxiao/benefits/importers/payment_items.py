"""Export kind ``payment-items``: a batch's items as the payment file for the bank.

``laoxiao export payment-items --batch N --format csv|xlsx --out F [--reveal] [--user NAME]``;
the batch page's download calls ``payment_items_file``. Columns
``item_code,programme,period,region_code,id_number,name,account_number,amount,status``: the
period as ``YYYY-MM``, the amount in yuan with two decimals, ``id_number`` and ``name`` the
beneficiary's (an older person's or a child's ID number, a provider's credit code), the account
number the item's account (snapshotted when the item was made).

Without ``reveal`` the ID and account numbers are masked (``340603********1234``,
``6222***********0123``); with it the actor needs ``accounts.reveal_personal_data`` and ONE reveal
row is written to the change log for the batch (``core.reveal.reveal_many``), naming the fields and
the number of rows. The batch is looked up in the actor's batches (``visible_to``: region and
sector), else ``NotFound``. Export only: importing this kind is refused (the bank's answer is the
``payment-results`` kind).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts import roles
from laoxiao.benefits.models import PaymentBatch, PaymentItem
from laoxiao.benefits.selectors.ledger import yuan
from laoxiao.core.errors import NotFound
from laoxiao.core.masking import mask_as
from laoxiao.core.reveal import reveal_many
from laoxiao.imports import parsers as p
from laoxiao.imports.base import Column, ImportKind, ImportReport, register
from laoxiao.imports.exporters import render

KEY = "payment-items"
STATUSES = {s.value: str(s.label) for s in PaymentItem.Status}

COLUMNS = [
    Column("item_code", "支付明细编号", p.text(40), True, "our code of the item (the bank returns it)"),
    Column("programme", "项目代码", p.text(40), True, "the programme's code"),
    Column("period", "发放期间", p.text(7), True, "the month (or the year's first month), YYYY-MM"),
    Column("region_code", "区划代码", p.text(12), True, "where the beneficiary lives"),
    Column("id_number", "身份证号", p.text(18), True, "the beneficiary's ID number (masked unless revealed)"),
    Column("name", "姓名", p.text(100), True, "the beneficiary's name"),
    Column("account_number", "银行账号", p.text(40), False, "the account paid into (masked unless revealed)"),
    Column("amount", "金额（元）", p.text(20), True, "yuan with two decimals"),
    Column("status", "状态", p.text(10), True, "the item's status", STATUSES),
]


def _person(item: PaymentItem) -> tuple[str, str]:
    if item.elder is not None:
        return str(item.elder.id_number or ""), item.elder.name
    if item.child is not None:
        child = item.child
        return str(child.id_number or child.birth_certificate_number or ""), child.name
    if item.provider is not None:
        return item.provider.uscc, item.provider.name
    return "", ""


def batch_for_export(*, actor: Any, batch: Any) -> PaymentBatch:
    """The batch ``batch`` (an id) if the actor sees it, else ``NotFound``."""
    if batch in (None, ""):
        raise ValidationError({"batch": _("Name the batch (--batch N).")})
    try:
        pk = int(batch)
    except (TypeError, ValueError):
        raise ValidationError({"batch": _("A batch is named by its number.")}) from None
    found = PaymentBatch.objects.visible_to(actor).select_related("programme").filter(pk=pk).first()
    if found is None:
        raise NotFound(str(pk))
    return found


def payment_item_rows(*, actor: Any, batch: PaymentBatch, reveal: bool = False) -> list[dict[str, Any]]:
    """The rows of the payment file of ``batch`` (the actor's visible items of it, by code). With
    ``reveal`` the reveal is checked and logged once, before any full value is read."""
    items = list(
        PaymentItem.objects.visible_to(actor)
        .filter(batch=batch)
        .select_related("programme", "elder", "child", "provider", "account")
        .order_by("code")
    )
    if reveal:
        reveal_many(
            actor=actor,
            target=batch,
            fields=["id_number", "account_number"],
            rows=len(items),
            note=KEY,
        )
    out = []
    for item in items:
        id_number, name = _person(item)
        account = str(item.account.account_number or "") if item.account_id else ""
        if not reveal:
            id_number = id_number if item.provider_id else mask_as("id", id_number)
            account = mask_as("account", account)
        out.append(
            {
                "item_code": item.code,
                "programme": item.programme.code,
                "period": f"{item.period:%Y-%m}",
                "region_code": item.region_code,
                "id_number": id_number,
                "name": name,
                "account_number": account,
                "amount": yuan(item.amount_fen),
                "status": item.status,
            }
        )
    return out


def payment_items_file(*, actor: Any, batch: PaymentBatch, fmt: str = "csv", reveal: bool = False) -> bytes:
    """The payment file of ``batch`` as ``csv`` or ``xlsx`` bytes (for the batch page's download)."""
    return render(KEY, actor=actor, fmt=fmt, options={"batch": batch.pk, "reveal": reveal})


@register
class PaymentItemsExport(ImportKind):
    key = KEY
    label = _("payment items (export only)")
    description = _(
        "A batch's items as the payment file for the bank (export only: `laoxiao export payment-items "
        "--batch N`; ID and account numbers masked unless `--reveal`, which is logged)."
    )
    natural_key = ("item_code",)
    columns = COLUMNS
    permission = roles.EXPORT
    permission_note = "export only; needs --batch; --reveal needs the reveal permission and is logged"
    whole_file = True
    export_options = ("batch", "reveal")

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
        raise ValidationError(
            _("Payment items are export only: the bank's answer is imported as payment-results.")
        )

    def export_rows(self, *, actor: Any, batch: Any = None, reveal: bool = False) -> Iterable[dict[str, Any]]:
        found = batch_for_export(actor=actor, batch=batch)
        return payment_item_rows(actor=actor, batch=found, reveal=bool(reveal))
