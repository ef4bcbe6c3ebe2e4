"""Export kind ``service-claims``: the providers' monthly claims, one row per provider and month.

It is an *export-only* kind: claims are built from the verified visits (``laoxiao services claims``,
``services.actions.claims.claims_build``), never imported. The kind is a ``whole_file`` kind whose
``run_file`` refuses every file with one error on row 1, before anything is read; its
``export_rows`` are the claims the actor sees (``ServiceClaim.objects.visible_to``), amounts in yuan
with two decimals and the month as ``YYYY-MM``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from laoxiao.imports import parsers as p
from laoxiao.imports.base import Column, ImportKind, ImportReport, register
from laoxiao.services.models import ServiceClaim


def yuan(fen: int) -> str:
    """Fen as yuan with two decimals (``12345`` → ``"123.45"``)."""
    return f"{fen // 100}.{fen % 100:02d}"


COLUMNS = [
    Column("provider_uscc", "机构统一社会信用代码", p.text(18), True, "the provider's credit code"),
    Column("period", "结算月份", p.text(7), True, "the month, YYYY-MM"),
    Column("visits", "服务次数", p.integer(0), True, "visits recorded in the month"),
    Column("verified", "核验通过次数", p.integer(0), True, "visits counted (verified or cleared)"),
    Column("flagged", "预警次数", p.integer(0), True, "visits with flags (held, cleared or rejected)"),
    Column("minutes", "服务分钟数", p.integer(0), True, "minutes of the counted visits"),
    Column(
        "amount_claimed", "申报金额（元）", p.text(20), True, "government price of the counted visits, yuan"
    ),
    Column("amount_payable", "应付金额（元）", p.text(20), True, "within each person's entitlement, yuan"),
]


@register
class ServiceClaimsExport(ImportKind):
    key = "service-claims"
    label = _("service claims (export only)")
    description = _(
        "The providers' monthly claims from verified home visits (export only: claims are built with "
        "`laoxiao services claims`, not imported)."
    )
    natural_key = ("provider_uscc", "period")
    columns = COLUMNS
    permission = "accounts.sector_eldercare"
    permission_note = "export only; a provider operator exports its own provider's claims"
    whole_file = True

    def allowed(self, actor: Any) -> bool:
        return bool(actor.has_perm(self.permission) or getattr(actor, "provider_id", None))

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
            _("Service claims are export only: they are built from the verified visits, not imported.")
        )

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        qs = (
            ServiceClaim.objects.visible_to(actor)
            .order_by("period", "provider__uscc")
            .values_list(
                "provider__uscc",
                "period",
                "visits",
                "verified",
                "flagged",
                "minutes",
                "amount_claimed_fen",
                "amount_payable_fen",
            )
        )
        for uscc, period, visits, verified, flagged, minutes, claimed, payable in qs.iterator(
            chunk_size=2000
        ):
            yield {
                "provider_uscc": uscc,
                "period": f"{period:%Y-%m}",
                "visits": visits,
                "verified": verified,
                "flagged": flagged,
                "minutes": minutes,
                "amount_claimed": yuan(claimed),
                "amount_payable": yuan(payable),
            }
