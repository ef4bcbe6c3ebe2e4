"""Import kind ``payment-accounts``: the accounts beneficiaries are paid into, by ID number.

``id_number`` finds an older person or a child by the blind index; a child's account is a
guardian's (``account_name`` must be the name of one of the child's guardians). A person outside
the importer's regions or sector is "unknown", as an unknown number is. All or nothing, every bad
cell reported; the same file again changes nothing (the same account is left as it is).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from laoxiao.benefits.actions import accounts as actions
from laoxiao.benefits.selectors.accounts import visible_accounts
from laoxiao.core.access import allowed, provider_id_of
from laoxiao.core.bulk import BATCH, Progress, WriteResult
from laoxiao.core.crypto import blind_index
from laoxiao.core.masking import mask_account_number, mask_id_number
from laoxiao.imports.base import Column, ErrorSink, ImportKind, Row, register
from laoxiao.people.models import Child, Elder

UNKNOWN = _("No older person or child with this ID number in your regions and sector.")


def _id_number(value: str) -> str:
    return value.strip().upper()


@register
class PaymentAccountsImport(ImportKind):
    key = "payment-accounts"
    label = _("payment accounts")
    description = _(
        "The bank accounts beneficiaries are paid into, by the person's ID number (an older person, "
        "or a child: then the account of one of the child's guardians, named in account_name). A new "
        "account replaces the current one, which is kept."
    )
    permission_note = "an officer of the person's region and sector (elder care, childcare)"
    natural_key = ("id_number",)
    columns = [
        Column("id_number", "身份证号", _id_number, True, "the older person's or the child's ID number"),
        Column(
            "bank_code", "银行代码", actions.clean_bank_code, True, "the bank's code (2-20 letters or digits)"
        ),
        Column("account_number", "银行账号", actions.clean_account_number, True, "12-30 digits"),
        Column(
            "account_name",
            "户名",
            actions.clean_account_name,
            True,
            "the account holder (for a child: one of the guardians)",
        ),
    ]

    def allowed(self, actor: Any) -> bool:
        return bool(actor.has_perm(self.permission)) and not provider_id_of(actor)

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        numbers = {str(r.values["id_number"]) for r in rows if r.values.get("id_number")}
        hashes = {blind_index(n): n for n in numbers}
        keys = sorted(hashes)
        elders: dict[str, Elder] = {}
        children: dict[str, list[Child]] = {}
        for i in range(0, len(keys), BATCH):
            part = keys[i : i + BATCH]
            for e in Elder.objects.filter(id_number_hash__in=part):
                elders[hashes[e.id_number_hash]] = e
            for c in Child.objects.filter(id_number_hash__in=part):
                children.setdefault(hashes[c.id_number_hash], []).append(c)
        names = actions.guardian_names([c.pk for cs in children.values() for c in cs])
        return {"elders": elders, "children": children, "names": names, "actor": actor}

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        actor = context["actor"]
        number = row.values.get("id_number")
        elder = context["elders"].get(number)
        found = context["children"].get(number, [])
        child = found[0] if len(found) == 1 else None
        who = None
        if elder is not None or child is not None:
            who = actions.beneficiary(elder=elder) if elder is not None else actions.beneficiary(child=child)
            if not allowed(actions.require_account_officer, actor, who):
                who = None
        if who is None:
            errors.add(row, "id_number", UNKNOWN)
            return
        if who.child is not None and row.values.get("account_name") not in context["names"].get(
            who.child.pk, set()
        ):
            errors.add(
                row,
                "account_name",
                _("A child is paid to a guardian: give the name of one of the child's guardians."),
            )
        row.values["_who"] = who

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        return actions.accounts_set_many(
            actor=actor,
            rows=[
                {
                    "who": r.values["_who"],
                    "bank_code": r.values["bank_code"],
                    "account_number": r.values["account_number"],
                    "account_name": r.values["account_name"],
                }
                for r in rows
            ],
            progress=progress,
        )

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        qs: Any = (
            visible_accounts(actor)
            .filter(active=True, provider__isnull=True)
            .select_related("elder", "child")
            .order_by("pk")
        )
        for a in qs.iterator(chunk_size=2000):
            person: Any = a.elder or a.child
            yield {
                "id_number": mask_id_number(person.id_number if person else ""),
                "bank_code": a.bank_code,
                "account_number": mask_account_number(a.account_number),
                "account_name": a.account_name,
            }


__all__ = ["PaymentAccountsImport"]
