"""Calculators of the programmes that pay providers: the inclusive childcare operating subsidy (per
enrolled child and year, by county) and government-purchased home care (the approved monthly claim)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from laoxiao.benefits.eligibility import base
from laoxiao.benefits.models import Programme
from laoxiao.core.rules import RuleMissing, rule_version
from laoxiao.people.models import Child
from laoxiao.providers.models import CHILDCARE_KINDS, Provider
from laoxiao.regions.scoping import prefix_q
from laoxiao.services.models import ServiceClaim


def count_day(data: dict[str, Any], period: dt.date) -> dt.date:
    """The day the enrolled children are counted (``count_on``: MM-DD of the period's year)."""
    month, day = (int(x) for x in str(data.get("count_on") or "01-01").split("-"))
    return dt.date(period.year, month, day)


def enrolled_q(day: dt.date) -> Q:
    """The children counted as enrolled on ``day``: born, alive and not moved out on it."""
    return (
        Q(birth_date__lte=day)
        & (Q(died_on__isnull=True) | Q(died_on__gte=day))
        & (Q(moved_out_on__isnull=True) | Q(moved_out_on__gt=day))
    )


def per_child_fen(data: dict[str, Any], region_code: str) -> int:
    table = data["per_child_yearly"]
    return base.yuan_to_fen(table.get(region_code[:6], table["default"]))


@base.register
class InclusiveChildcareOperating(base.Calculator):
    """普惠托育机构运营补贴: per_child_yearly[county or default] × the children enrolled on the count day."""

    code = "inclusive_childcare_operating"
    source = "provider"

    def _providers(self, data: dict[str, Any], region_prefix: str) -> Any:
        return Provider.objects.filter(
            prefix_q("region_code", region_prefix),
            kind__in=CHILDCARE_KINDS,
            supply_tier__in=data.get("supply_tiers") or ["inclusive"],
            filing_status=data.get("filing_status") or Provider.FilingStatus.FILED,
        )

    def candidate_ids(self, programme: Programme, period: dt.date, region_prefix: str) -> Any:
        try:
            data = rule_version(programme.rule_key, on=period).data
        except RuleMissing:
            return Provider.objects.none().values_list("id", flat=True)
        day = count_day(data, period)
        enrolled = Child.objects.filter(enrolled_q(day), provider_id=OuterRef("pk"))
        return (
            self._providers(data, region_prefix)
            .filter(Exists(enrolled))
            .order_by("id")
            .values_list("id", flat=True)
        )

    def payables(
        self, programme: Programme, period: dt.date, region_prefix: str, lo: int, hi: int
    ) -> list[base.Payable]:
        try:
            version = rule_version(programme.rule_key, on=period)
        except RuleMissing:
            return []
        data = version.data
        day = count_day(data, period)
        counts = dict(
            Child.objects.filter(enrolled_q(day), provider_id__gte=lo, provider_id__lte=hi)
            .values("provider_id")
            .annotate(n=Count("id"))
            .values_list("provider_id", "n")
        )
        rows = (
            self._providers(data, region_prefix)
            .filter(id__gte=lo, id__lte=hi)
            .order_by("id")
            .values_list("id", "region_code")
        )
        out = []
        for pk, region_code in rows:
            n = counts.get(pk, 0)
            fen = n * per_child_fen(data, region_code)
            if fen:
                out.append(
                    base.Payable(
                        beneficiary_key=f"p{pk}",
                        region_code=region_code,
                        amount_fen=fen,
                        provider_id=pk,
                        rule_key=programme.rule_key,
                        rule_from=version.effective_from,
                    )
                )
        return out

    def explain(self, programme: Programme, subject: Any, period: dt.date) -> base.Explanation:
        out, version = base.explanation_start(
            programme, period, missing=_("No version of the rule is in force for this year.")
        )
        if version is None:
            return out
        data = version.data
        if subject.kind not in CHILDCARE_KINDS:
            out.reasons.append(_("Not a childcare provider."))
            return out
        if subject.supply_tier not in (data.get("supply_tiers") or ["inclusive"]):
            out.reasons.append(_("Not an inclusive (普惠) provider."))
            return out
        if subject.filing_status != (data.get("filing_status") or Provider.FilingStatus.FILED):
            out.reasons.append(
                _("Not filed (status: %(status)s).") % {"status": subject.get_filing_status_display()}
            )
            return out
        day = count_day(data, period)
        n = Child.objects.filter(enrolled_q(day), provider_id=subject.pk).count()
        each = per_child_fen(data, subject.region_code)
        if not n:
            out.reasons.append(_("No child enrolled on %(day)s.") % {"day": day})
            return out
        out.eligible, out.amount_fen, out.from_period = True, n * each, period
        out.reasons.append(
            _("%(n)s children enrolled on %(day)s, %(each)s yuan per child and year in this county.")
            % {"n": n, "day": day, "each": f"{each // 100}.{each % 100:02d}"}
        )
        return out


@base.register
class HomeCarePurchase(base.Calculator):
    """政府购买居家养老服务: the provider's approved claim of the month (``amount_payable_fen``)."""

    code = "home_care_purchase"
    source = "provider"

    def _claims(self, data: dict[str, Any], period: dt.date, region_prefix: str) -> Any:
        return ServiceClaim.objects.filter(
            prefix_q("region_code", region_prefix),
            period=period,
            status=data.get("claim_status") or ServiceClaim.Status.APPROVED,
            amount_payable_fen__gt=0,
        )

    def candidate_ids(self, programme: Programme, period: dt.date, region_prefix: str) -> Any:
        try:
            data = rule_version(programme.rule_key, on=period).data
        except RuleMissing:
            return Provider.objects.none().values_list("id", flat=True)
        return (
            self._claims(data, period, region_prefix)
            .order_by("provider_id")
            .values_list("provider_id", flat=True)
        )

    def payables(
        self, programme: Programme, period: dt.date, region_prefix: str, lo: int, hi: int
    ) -> list[base.Payable]:
        try:
            version = rule_version(programme.rule_key, on=period)
        except RuleMissing:
            return []
        rows = (
            self._claims(version.data, period, region_prefix)
            .filter(provider_id__gte=lo, provider_id__lte=hi)
            .order_by("provider_id")
            .values_list("provider_id", "region_code", "amount_payable_fen")
        )
        return [
            base.Payable(
                beneficiary_key=f"p{pk}",
                region_code=region_code,
                amount_fen=fen,
                provider_id=pk,
                rule_key=programme.rule_key,
                rule_from=version.effective_from,
            )
            for pk, region_code, fen in rows
        ]

    def explain(self, programme: Programme, subject: Any, period: dt.date) -> base.Explanation:
        out, version = base.explanation_start(
            programme, period, missing=_("No version of the rule is in force for this month.")
        )
        if version is None:
            return out
        claim = ServiceClaim.objects.filter(provider_id=subject.pk, period=period).first()
        if claim is None:
            out.reasons.append(_("No claim for this month."))
            return out
        if claim.status != (version.data.get("claim_status") or ServiceClaim.Status.APPROVED):
            out.reasons.append(
                _("The claim is %(status)s, not approved.") % {"status": claim.get_status_display()}
            )
            return out
        if not claim.amount_payable_fen:
            out.reasons.append(_("The approved claim pays nothing."))
            return out
        out.eligible, out.amount_fen, out.from_period = True, claim.amount_payable_fen, period
        out.reasons.append(
            _("Approved claim of the month: %(visits)s visits, %(verified)s verified.")
            % {"visits": claim.visits, "verified": claim.verified}
        )
        return out
