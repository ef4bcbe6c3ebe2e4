"""Calculators of the programmes that pay care staff (beneficiary ``s<staff id>``): the entry award.

A staff member is paid once, in the first period on or after an approved application's
``valid_from`` in which, on the period's first day, they work at an elder-care provider (hired on
or before it, not left), in one of the rule's ``roles``, hired at least ``min_months_served``
months before. The amount is ``by_qualification`` of the qualification the application names (a
document of kind ``qualification``), else ``amount``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from laoxiao.benefits.eligibility import base, registry
from laoxiao.benefits.models import Application, Programme
from laoxiao.core.rules import RuleMissing, rule_version
from laoxiao.providers.models import ELDERCARE_KINDS, StaffMember
from laoxiao.regions.scoping import prefix_q


def months_before(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def qualification(documents: Any) -> str:
    for doc in documents or []:
        if isinstance(doc, dict) and doc.get("kind") == "qualification":
            return str(doc.get("name") or "")
    return ""


def award_fen(data: dict[str, Any], documents: Any) -> int:
    table = data.get("by_qualification") or {}
    q = qualification(documents)
    return base.yuan_to_fen(table[q] if q in table else data["amount"])


@base.register
class StaffEntryAward(base.Calculator):
    """养老护理员入职奖补 (one-off, by application)."""

    code = "staff_entry_award"
    source = "staff"

    def _qs(self, programme: Programme, data: dict[str, Any], period: dt.date, region_prefix: str) -> Any:
        approved = Application.objects.filter(registry.approved_q(programme, period)).values("staff_id")
        return StaffMember.objects.filter(
            Q(left_on__isnull=True) | Q(left_on__gt=period),
            prefix_q("region_code", region_prefix),
            id__in=approved,
            provider__kind__in=ELDERCARE_KINDS,
            role__in=data.get("roles") or [],
            hired_on__isnull=False,
            hired_on__lte=months_before(period, int(data.get("min_months_served") or 0)),
        )

    def candidate_ids(self, programme: Programme, period: dt.date, region_prefix: str) -> Any:
        try:
            data = rule_version(programme.rule_key, on=period).data
        except RuleMissing:
            return StaffMember.objects.none().values_list("id", flat=True)
        return self._qs(programme, data, period, region_prefix).order_by("id").values_list("id", flat=True)

    def payables(
        self, programme: Programme, period: dt.date, region_prefix: str, lo: int, hi: int
    ) -> list[base.Payable]:
        try:
            version = rule_version(programme.rule_key, on=period)
        except RuleMissing:
            return []
        data = version.data
        rows = list(
            self._qs(programme, data, period, region_prefix)
            .filter(id__gte=lo, id__lte=hi)
            .order_by("id")
            .values_list("id", "region_code")
        )
        if not rows:
            return []
        docs: dict[int, Any] = {}
        for staff_id, documents in (
            Application.objects.filter(
                registry.approved_q(programme, period), staff_id__gte=lo, staff_id__lte=hi
            )
            .order_by("staff_id", "valid_from", "id")
            .values_list("staff_id", "documents")
        ):
            docs.setdefault(staff_id, documents)
        done = registry.paid_before(programme, period, [f"s{pk}" for pk, _code in rows])
        return [
            base.Payable(
                beneficiary_key=f"s{pk}",
                region_code=region_code,
                amount_fen=award_fen(data, docs.get(pk)),
                staff_id=pk,
                rule_key=programme.rule_key,
                rule_from=version.effective_from,
            )
            for pk, region_code in rows
            if f"s{pk}" not in done
        ]

    def explain(self, programme: Programme, subject: Any, period: dt.date) -> base.Explanation:
        out, version = base.explanation_start(
            programme, period, missing=_("No version of the rule is in force for this month.")
        )
        if version is None:
            return out
        data = version.data
        ok = True
        app = (
            Application.objects.filter(registry.approved_q(programme, period), staff_id=subject.pk)
            .order_by("valid_from", "id")
            .first()
        )
        if app is None:
            ok = False
            out.reasons.append(_("No approved application: this programme is entered by application."))
        if subject.provider.kind not in ELDERCARE_KINDS:
            ok = False
            out.reasons.append(_("Does not work at an elder-care provider."))
        if subject.role not in (data.get("roles") or []):
            ok = False
            out.reasons.append(
                _("The role %(role)s is not one the award covers.") % {"role": subject.get_role_display()}
            )
        if subject.left_on is not None and subject.left_on <= period:
            ok = False
            out.reasons.append(_("Left the provider on %(day)s.") % {"day": subject.left_on})
        need = int(data.get("min_months_served") or 0)
        if subject.hired_on is None or subject.hired_on > months_before(period, need):
            ok = False
            out.reasons.append(_("Has not yet served %(n)s months.") % {"n": need})
        if ok and registry.paid_before(programme, period, [f"s{subject.pk}"]):
            ok = False
            out.reasons.append(_("Already paid once: a one-off programme pays once."))
        if ok and app is not None:
            out.eligible, out.amount_fen = True, award_fen(data, app.documents)
            out.from_period = period
            out.reasons.append(
                _("Approved application, serving in a covered role for %(n)s months or more.") % {"n": need}
            )
        return out
