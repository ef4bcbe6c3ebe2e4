"""Calculators of the programmes that pay older people."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from laoxiao.benefits.eligibility import base
from laoxiao.benefits.models import Programme
from laoxiao.core.rules import RuleMissing, rule_version
from laoxiao.people.models import Elder


def _years_before(day: dt.date, years: int) -> dt.date:
    """The date ``years`` before the first day of a month (a first of the month always exists)."""
    return dt.date(day.year - years, day.month, 1)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Full years on ``day`` (a birthday on ``day`` counts)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def registered_on(period: dt.date) -> Q:
    """Alive on the period's first day (a death on any day of the period leaves it paid) and not
    moved out of the city before or on that day."""
    return (Q(died_on__isnull=True) | Q(died_on__gte=period)) & (
        Q(moved_out_on__isnull=True) | Q(moved_out_on__gt=period)
    )


@base.register
class ElderlyAllowance(base.Calculator):
    """高龄津贴: by age band on the first day of the month (rule ``bands``: from_age, to_age, monthly)."""

    code = "elderly_allowance"
    source = "elder"

    def _bands(self, programme: Programme, period: dt.date) -> tuple[Any, list[tuple[int, int | None, int]]]:
        version = rule_version(programme.rule_key, on=period)
        bands = [
            (
                int(b["from_age"]),
                int(b["to_age"]) if b.get("to_age") is not None else None,
                base.yuan_to_fen(b["monthly"]),
            )
            for b in version.data["bands"]
        ]
        return version, sorted(bands)

    def _qs(self, programme: Programme, period: dt.date, region_prefix: str) -> Any:
        _, bands = self._bands(programme, period)
        youngest = min(b[0] for b in bands)
        return Elder.objects.filter(
            registered_on(period),
            region_code__startswith=region_prefix,
            birth_date__lte=_years_before(period, youngest),
        )

    def candidate_ids(self, programme: Programme, period: dt.date, region_prefix: str) -> Any:
        return self._qs(programme, period, region_prefix).order_by("id").values_list("id", flat=True)

    def payables(
        self, programme: Programme, period: dt.date, region_prefix: str, lo: int, hi: int
    ) -> list[base.Payable]:
        version, bands = self._bands(programme, period)
        rows = (
            self._qs(programme, period, region_prefix)
            .filter(id__gte=lo, id__lte=hi)
            .order_by("id")
            .values_list("id", "region_code", "birth_date")
        )
        out = []
        for pk, region_code, birth in rows:
            amount = _band_amount(bands, age_on(birth, period))
            if amount:
                out.append(
                    base.Payable(
                        beneficiary_key=f"e{pk}",
                        region_code=region_code,
                        amount_fen=amount,
                        elder_id=pk,
                        rule_key=programme.rule_key,
                        rule_from=version.effective_from,
                    )
                )
        return out

    def explain(self, programme: Programme, subject: Any, period: dt.date) -> base.Explanation:
        out = base.Explanation(programme=programme.code, period=period, eligible=False)
        try:
            version, bands = self._bands(programme, period)
        except RuleMissing:
            out.reasons.append(_("No version of the rule is in force for this month."))
            return out
        out.rule_key, out.rule_from, out.certainty = (
            programme.rule_key,
            version.effective_from,
            version.certainty,
        )
        age = age_on(subject.birth_date, period)
        if subject.died_on is not None and subject.died_on < period:
            out.reasons.append(_("Died on %(day)s, before this month.") % {"day": subject.died_on})
            return out
        if subject.moved_out_on is not None and subject.moved_out_on <= period:
            out.reasons.append(_("Moved out of the city on %(day)s.") % {"day": subject.moved_out_on})
            return out
        amount = _band_amount(bands, age)
        if not amount:
            youngest = min(b[0] for b in bands)
            out.reasons.append(
                _("Aged %(age)s on the first day of the month; the allowance starts at %(from)s.")
                % {"age": age, "from": youngest}
            )
            return out
        out.eligible, out.amount_fen = True, amount
        first = min(b[0] for b in bands)
        birthday = subject.birth_date
        start = dt.date(birthday.year + first, birthday.month, 1)
        out.from_period = start if (birthday.day == 1) else _next_month(start)
        out.reasons.append(
            _("Aged %(age)s on the first day of the month, alive and registered in the city.") % {"age": age}
        )
        return out


def _band_amount(bands: list[tuple[int, int | None, int]], age: int) -> int:
    for lo, hi, fen in bands:
        if age >= lo and (hi is None or age <= hi):
            return fen
    return 0


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
