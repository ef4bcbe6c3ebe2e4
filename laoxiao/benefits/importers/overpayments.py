"""Export kind ``overpayments`` (export only): the money to recover, one row per overpaid item.

Columns ``item_code,id_number,name,period,amount,reason,status`` (amount in yuan, two decimals;
period ``YYYY-MM``). The ID number is masked; ``reveal_rows`` gives it in full to an actor with the
reveal permission and logs one reveal row for the whole export (for an ``--reveal`` option).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.roles import REVEAL
from laoxiao.benefits.models import Overpayment
from laoxiao.core.masking import mask_id_number
from laoxiao.core.models import ChangeLog
from laoxiao.imports import parsers as p
from laoxiao.imports.base import Column, ImportKind, ImportReport, register

COLUMNS = [
    Column("item_code", "付款明细编号", p.text(40), True, "the paid item's code"),
    Column(
        "id_number", "身份证号", p.text(18), False, "the beneficiary's ID number (masked unless revealed)"
    ),
    Column("name", "姓名", p.text(50), False, "the beneficiary"),
    Column("period", "期间", p.text(7), True, "the period paid (YYYY-MM)"),
    Column("amount", "金额（元）", p.text(20), True, "the amount to recover, yuan with two decimals"),
    Column("reason", "原因", p.text(300), False, "why the money was not due (death, move out, not eligible)"),
    Column(
        "status",
        "状态",
        p.choice({s: str(label) for s, label in Overpayment.Status.choices}),
        True,
        "open, notified, recovered, write_off_requested, written_off",
    ),
]


def _rows(actor: Any, *, reveal: bool) -> Iterator[dict[str, Any]]:
    qs = (
        Overpayment.objects.visible_to(actor)
        .select_related("item", "item__elder", "item__child", "item__provider")
        .order_by("period", "pk")
    )
    for op in qs.iterator(chunk_size=2000):
        who: Any = op.item.elder or op.item.child
        number = who.id_number if who is not None else ""
        name = who.name if who is not None else (op.item.provider.name if op.item.provider else "")
        yield {
            "item_code": op.item.code,
            "id_number": number if reveal else mask_id_number(number),
            "name": name,
            "period": f"{op.period:%Y-%m}",
            "amount": f"{op.amount_fen / 100:.2f}",
            "reason": op.reason,
            "status": op.status,
        }


@register
class OverpaymentsExport(ImportKind):
    key = "overpayments"
    label = _("overpayments (export only)")
    description = _(
        "Money paid for a period after the entitlement ended, to recover (export only: overpayments "
        "are opened by the stops of payments)."
    )
    natural_key = ("item_code",)
    columns = COLUMNS
    permission = "accounts.export_records"
    permission_note = "export only; masked ID numbers unless revealed (permission, logged)"
    whole_file = True

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
        raise ValidationError(_("Overpayments are export only: they are opened when payments stop."))

    export_options = ("reveal",)

    def export_rows(self, *, actor: Any, reveal: bool = False) -> Iterable[dict[str, Any]]:
        """The rows, masked; ``reveal`` (``laoxiao export overpayments --reveal``) gives the full ID
        numbers to who may reveal, with one reveal row logged."""
        return self.reveal_rows(actor=actor) if reveal else _rows(actor, reveal=False)

    def reveal_rows(self, *, actor: Any) -> list[dict[str, Any]]:
        """The rows with full ID numbers; one ``reveal`` row in the change log for the export."""
        if not actor.has_perm(REVEAL):
            raise PermissionDenied(_g("You may not see full personal data."))
        rows = list(_rows(actor, reveal=True))
        ChangeLog(
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=getattr(actor, "username", "") or "system",
            action=ChangeLog.Action.REVEAL,
            target_type="benefits.overpayment",
            target_id="export",
            target_repr=f"overpayments export ({len(rows)} rows)",
            region_code="",
            changes={},
            note="id_number",
        ).save()
        return rows
