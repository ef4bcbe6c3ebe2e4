"""Calculators of the programmes that pay for children (paid to a guardian): 育儿补贴.

A child is paid for month M when, on M's first day, they are born (on or before it), alive, not
moved out, registered in one of the city's regions, under the rule's age (``under_age_years``: the
birthday of that age falls after that day) and have a guardian on record (``needs_guardian``). So a
child born on the 1st is paid from that month, otherwise from the next; the month of the third
birthday is paid unless the birthday is on the 1st (36 months for every child born from 2025). A
child born before 2025 is paid from 2025-01 (no rule version before), for the months still due.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from laoxiao.benefits.eligibility import base
from laoxiao.benefits.eligibility.applications import start_month
from laoxiao.benefits.eligibility.elders import _years_before, registered_on
from laoxiao.benefits.models import Programme
from laoxiao.core.models import RuleVersion
from laoxiao.core.rules import RuleMissing, rule_version
from laoxiao.people.models import Child, Guardian
from laoxiao.regions.scoping import prefix_q


def _prev_month(day: dt.date) -> dt.date:
    return dt.date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)


def last_month(birth: dt.date, years: int) -> dt.date:
    """The last month paid: the month of the ``years``-th birthday, or the month before when the
    birthday is on the 1st (the child is that age on the first day)."""
    month = dt.date(birth.year + years, birth.month, 1)
    return _prev_month(month) if birth.day == 1 else month


@base.register
class ChildcareSubsidy(base.Calculator):
    """育儿补贴: a monthly amount per child under 3 (rule ``monthly``, ``under_age_years``)."""

    code = "childcare_subsidy"
    source = "child"

    def _qs(self, data: dict[str, Any], period: dt.date, region_prefix: str) -> Any:
        qs = Child.objects.filter(
            registered_on(period),
            prefix_q("region_code", region_prefix),
            birth_date__lte=period,
            birth_date__gt=_years_before(period, int(data["under_age_years"])),
        )
        if data.get("needs_guardian"):
            qs = qs.filter(Exists(Guardian.objects.filter(child_id=OuterRef("pk"))))
        return qs

    def candidate_ids(self, programme: Programme, period: dt.date, region_prefix: str) -> Any:
        try:
            data = rule_version(programme.rule_key, on=period).data
        except RuleMissing:
            return Child.objects.none().values_list("id", flat=True)
        return self._qs(data, period, region_prefix).order_by("id").values_list("id", flat=True)

    def payables(
        self, programme: Programme, period: dt.date, region_prefix: str, lo: int, hi: int
    ) -> list[base.Payable]:
        try:
            version = rule_version(programme.rule_key, on=period)
        except RuleMissing:
            return []
        fen = base.yuan_to_fen(version.data["monthly"])
        rows = (
            self._qs(version.data, period, region_prefix)
            .filter(id__gte=lo, id__lte=hi)
            .order_by("id")
            .values_list("id", "region_code")
        )
        return [
            base.Payable(
                beneficiary_key=f"c{pk}",
                region_code=region_code,
                amount_fen=fen,
                child_id=pk,
                rule_key=programme.rule_key,
                rule_from=version.effective_from,
            )
            for pk, region_code in rows
        ]

    def explain(self, programme: Programme, subject: Any, period: dt.date) -> base.Explanation:
        out, version = base.explanation_start(
            programme,
            period,
            missing=_("No version of the rule is in force for this month (the subsidy starts in 2025)."),
        )
        if version is None:
            return out
        data = version.data
        years = int(data["under_age_years"])
        birth = subject.birth_date
        first_rule = (
            RuleVersion.objects.filter(key=programme.rule_key)
            .order_by("effective_from")
            .values_list("effective_from", flat=True)
            .first()
            or version.effective_from
        )
        start = max(start_month(birth), first_rule)
        until = last_month(birth, years)
        if birth > period:
            out.reasons.append(_("Born on %(day)s, after the first day of this month.") % {"day": birth})
            out.from_period = start
            return out
        if subject.died_on is not None and subject.died_on < period:
            out.reasons.append(_("Died on %(day)s, before this month.") % {"day": subject.died_on})
            return out
        if subject.moved_out_on is not None and subject.moved_out_on <= period:
            out.reasons.append(_("Moved out of the city on %(day)s.") % {"day": subject.moved_out_on})
            return out
        if period > until:
            out.reasons.append(
                _("Aged %(years)s or more on the first day of the month: paid until %(until)s.")
                % {"years": years, "until": f"{until:%Y-%m}"}
            )
            return out
        if data.get("needs_guardian") and not Guardian.objects.filter(child_id=subject.pk).exists():
            out.reasons.append(_("No guardian on record: the subsidy is paid to a guardian."))
            return out
        out.eligible, out.amount_fen, out.from_period = True, base.yuan_to_fen(data["monthly"]), start
        out.reasons.append(
            _(
                "Under %(years)s on the first day of the month, alive and registered in the city; paid to a guardian."
            )
            % {"years": years}
        )
        if birth < first_rule:
            out.reasons.append(
                _("Born before the subsidy started: paid for the months still due, from %(start)s.")
                % {"start": f"{first_rule:%Y-%m}"}
            )
        out.reasons.append(
            _("Paid from %(start)s until %(until)s.") % {"start": f"{start:%Y-%m}", "until": f"{until:%Y-%m}"}
        )
        return out
