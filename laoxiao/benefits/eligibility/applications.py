"""Calculators of the elder programmes entered by application (服务补贴, 护理补贴, 消费补贴, 适老化改造).

One implementation, driven by the rule's data (every threshold and amount is in the rule):

- ``min_age``: aged at least this on the period's first day;
- ``categories``: holds one of them (``people.ElderCategory`` valid on that day); empty: anyone;
- ``min_level``: the latest ``people.AbilityAssessment`` on or before that day is this level or worse;
- ``not_in_institution``: not living in an institution (``people.InstitutionStay``) on that day;
- ``exclude_programmes`` (with ``Programme.excludes``): eligible for one of them that month excludes this;
- the amount: ``monthly_by_category`` (the highest of the person's categories), ``monthly_by_level``,
  ``monthly`` or ``amount`` (one-off), in yuan.

And always: an approved ``benefits.Application`` with ``valid_from`` on or before the period, alive
and registered in the city on the period's first day (a death during the month leaves it paid).
A one-off programme pays once: not again after an item (not cancelled) for an earlier period.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from laoxiao.benefits.eligibility import base, registry
from laoxiao.benefits.eligibility.elders import _next_month, _years_before, age_on, registered_on
from laoxiao.benefits.models import Application, Programme
from laoxiao.core.rules import RuleMissing, rule_version
from laoxiao.people.models import Elder
from laoxiao.regions.scoping import prefix_q


def month_of(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, 1)


def start_month(day: dt.date) -> dt.date:
    """The first period a fact that starts on ``day`` is true on the first day of: its own month
    when it starts on the 1st, else the next month."""
    return day if day.day == 1 else _next_month(month_of(day))


def amount_fen(data: dict[str, Any], categories: set[str], level: str | None) -> int:
    """The amount the rule gives for a person with these categories and this level (0: none)."""
    if "monthly_by_category" in data:
        table = data["monthly_by_category"]
        return max((base.yuan_to_fen(table[c]) for c in categories if c in table), default=0)
    if "monthly_by_level" in data:
        table = data["monthly_by_level"]
        return base.yuan_to_fen(table[level]) if level in table else 0
    for key in ("monthly", "amount"):
        if key in data:
            return base.yuan_to_fen(data[key])
    return 0


def plain_keys(code: str, period: dt.date, region_prefix: str, lo: int, hi: int) -> set[str]:
    """The beneficiary keys programme ``code`` pays for ``period`` in ``[lo, hi]``, without its own
    exclusions (so two programmes that exclude each other do not ask each other forever)."""
    other = Programme.objects.filter(code=code).first()
    calc = base.CALCULATORS.get(code)
    if other is None or calc is None:
        return set()
    plain = getattr(calc, "plain_payables", calc.payables)
    try:
        return {p.beneficiary_key for p in plain(other, period, region_prefix, lo, hi)}
    except RuleMissing:
        return set()


class ElderByApplication(base.Calculator):
    """The shared calculator of the elder programmes entered by application (see the module)."""

    source = "elder"

    def _version(self, programme: Programme, period: dt.date) -> Any:
        return rule_version(programme.rule_key, on=period)

    def candidate_ids(self, programme: Programme, period: dt.date, region_prefix: str) -> Any:
        try:
            data = self._version(programme, period).data
        except RuleMissing:
            return Elder.objects.none().values_list("id", flat=True)
        # an IN (subquery) is computed once; a correlated EXISTS was a scan per elder on SQLite
        approved = Application.objects.filter(registry.approved_q(programme, period)).values("elder_id")
        return (
            Elder.objects.filter(
                registered_on(period),
                prefix_q("region_code", region_prefix),
                id__in=approved,
                birth_date__lte=_years_before(period, int(data.get("min_age") or 0)),
            )
            .order_by("id")
            .values_list("id", flat=True)
        )

    def payables(
        self, programme: Programme, period: dt.date, region_prefix: str, lo: int, hi: int
    ) -> list[base.Payable]:
        return self._payables(programme, period, region_prefix, lo, hi, with_excludes=True)

    def plain_payables(
        self, programme: Programme, period: dt.date, region_prefix: str, lo: int, hi: int
    ) -> list[base.Payable]:
        return self._payables(programme, period, region_prefix, lo, hi, with_excludes=False)

    def _payables(
        self,
        programme: Programme,
        period: dt.date,
        region_prefix: str,
        lo: int,
        hi: int,
        *,
        with_excludes: bool,
    ) -> list[base.Payable]:
        try:
            version = self._version(programme, period)
        except RuleMissing:
            return []
        data = version.data
        approved = registry.approved_from(programme, period, "elder_id", lo, hi)
        if not approved:
            return []
        found = (
            Elder.objects.filter(
                registered_on(period),
                prefix_q("region_code", region_prefix),
                birth_date__lte=_years_before(period, int(data.get("min_age") or 0)),
                id__gte=lo,
                id__lte=hi,
            )
            .order_by("id")
            .values_list("id", "region_code")
        )
        rows = [(pk, code) for pk, code in found if pk in approved]
        if not rows:
            return []
        wanted = list(data.get("categories") or [])
        cats = registry.categories_on(period, lo, hi) if wanted or "monthly_by_category" in data else {}
        levels = (
            registry.levels_on(period, lo, hi) if data.get("min_level") or "monthly_by_level" in data else {}
        )
        inside = registry.in_institution_on(period, lo, hi) if data.get("not_in_institution") else set()
        excluded: set[str] = set()
        if with_excludes:
            for code in registry.excluded_codes(programme, data):
                excluded |= plain_keys(code, period, region_prefix, lo, hi)
        out = []
        for pk, region_code in rows:
            key = f"e{pk}"
            held = cats.get(pk, set())
            if wanted and not held & set(wanted):
                continue
            level = levels.get(pk)
            if not registry.level_at_least(level, data.get("min_level")):
                continue
            if pk in inside or key in excluded:
                continue
            fen = amount_fen(data, held & set(wanted) if wanted else held, level)
            if fen:
                out.append(
                    base.Payable(
                        beneficiary_key=key,
                        region_code=region_code,
                        amount_fen=fen,
                        elder_id=pk,
                        rule_key=programme.rule_key,
                        rule_from=version.effective_from,
                    )
                )
        if programme.period == Programme.Period.ONE_OFF and out:
            done = registry.paid_before(programme, period, [p.beneficiary_key for p in out])
            out = [p for p in out if p.beneficiary_key not in done]
        return out

    def explain(self, programme: Programme, subject: Any, period: dt.date) -> base.Explanation:
        out = base.Explanation(programme=programme.code, period=period, eligible=False)
        try:
            version = self._version(programme, period)
        except RuleMissing:
            out.reasons.append(_("No version of the rule is in force for this month."))
            return out
        data = version.data
        out.rule_key, out.rule_from, out.certainty = (
            programme.rule_key,
            version.effective_from,
            version.certainty,
        )
        pk = subject.pk
        ok = True
        starts: list[dt.date] = []
        app = (
            Application.objects.filter(registry.approved_q(programme, period), elder_id=pk)
            .order_by("valid_from")
            .first()
        )
        if app is None:
            ok = False
            later = (
                Application.objects.filter(programme=programme, elder_id=pk)
                .order_by("-submitted_at", "-id")
                .first()
            )
            if later is not None and later.status == Application.Status.APPROVED and later.valid_from:
                out.reasons.append(
                    _("The application is approved from %(month)s, after this month.")
                    % {"month": f"{later.valid_from:%Y-%m}"}
                )
            elif later is not None:
                out.reasons.append(
                    _("The application is %(status)s: the programme pays only after an approved application.")
                    % {"status": later.get_status_display()}
                )
            else:
                out.reasons.append(_("No approved application: this programme is entered by application."))
        else:
            assert app.valid_from is not None
            starts.append(start_month(app.valid_from))
            out.reasons.append(
                _("Application approved, paid from %(month)s.") % {"month": f"{app.valid_from:%Y-%m}"}
            )
        if subject.died_on is not None and subject.died_on < period:
            out.reasons.append(_("Died on %(day)s, before this month.") % {"day": subject.died_on})
            return out
        if subject.moved_out_on is not None and subject.moved_out_on <= period:
            out.reasons.append(_("Moved out of the city on %(day)s.") % {"day": subject.moved_out_on})
            return out
        min_age = int(data.get("min_age") or 0)
        age = age_on(subject.birth_date, period)
        if age < min_age:
            ok = False
            out.reasons.append(
                _("Aged %(age)s on the first day of the month; the programme starts at %(from)s.")
                % {"age": age, "from": min_age}
            )
        else:
            birthday = subject.birth_date
            starts.append(start_month(_safe_birthday(birthday, min_age)))
            out.reasons.append(_("Aged %(age)s on the first day of the month.") % {"age": age})
        wanted = list(data.get("categories") or [])
        held = registry.categories_on(period, pk, pk).get(pk, set())
        if wanted:
            match = held & set(wanted)
            if not match:
                ok = False
                out.reasons.append(
                    _(
                        "Holds none of the categories the programme needs (%(needed)s) on the first day of the month."
                    )
                    % {"needed": ", ".join(registry.category_label(c) for c in wanted)}
                )
            else:
                out.reasons.append(
                    _("Category on the first day of the month: %(cats)s.")
                    % {"cats": ", ".join(registry.category_label(c) for c in sorted(match))}
                )
                since = (
                    subject.categories.filter(registry.valid_on(period), category__in=match)
                    .order_by("valid_from")
                    .values_list("valid_from", flat=True)
                    .first()
                )
                if since:
                    starts.append(start_month(since))
        level = registry.levels_on(period, pk, pk).get(pk)
        minimum = data.get("min_level")
        if minimum:
            if level is None:
                ok = False
                out.reasons.append(_("No ability assessment on or before the first day of the month."))
            elif not registry.level_at_least(level, minimum):
                ok = False
                out.reasons.append(
                    _("Latest assessment: %(level)s; the programme needs %(min)s or worse.")
                    % {"level": registry.level_label(level), "min": registry.level_label(minimum)}
                )
            else:
                out.reasons.append(
                    _("Latest assessment: %(level)s.") % {"level": registry.level_label(level)}
                )
        if data.get("not_in_institution"):
            if pk in registry.in_institution_on(period, pk, pk):
                ok = False
                out.reasons.append(_("Living in an institution on the first day of the month."))
            else:
                out.reasons.append(_("Not living in an institution."))
        for code in registry.excluded_codes(programme, data):
            if f"e{pk}" in plain_keys(code, period, subject.region_code, pk, pk):
                ok = False
                name = Programme.objects.filter(code=code).values_list("name", flat=True).first() or code
                out.reasons.append(registry.reason_excluded(code, name))
        fen = amount_fen(data, held & set(wanted) if wanted else held, level)
        if ok and not fen:
            ok = False
            out.reasons.append(_("The rule gives no amount for this person."))
        if ok and programme.period == Programme.Period.ONE_OFF:
            if registry.paid_before(programme, period, [f"e{pk}"]):
                ok = False
                out.reasons.append(_("Already paid once: a one-off programme pays once."))
        if ok:
            out.eligible, out.amount_fen = True, fen
            out.from_period = max(starts) if starts else period
        return out


def _safe_birthday(birthday: dt.date, years: int) -> dt.date:
    """The ``years``-th birthday (29 February → 1 March in a common year)."""
    try:
        return birthday.replace(year=birthday.year + years)
    except ValueError:
        return dt.date(birthday.year + years, 3, 1)


@base.register
class ServiceSubsidy(ElderByApplication):
    """居家养老服务补贴."""

    code = "service_subsidy"


@base.register
class CareSubsidy(ElderByApplication):
    """护理补贴."""

    code = "care_subsidy"


@base.register
class ConsumptionVoucher(ElderByApplication):
    """养老服务消费补贴 (the coverage share applies at redemption, not to the monthly face value)."""

    code = "consumption_voucher"


@base.register
class HomeAdaptation(ElderByApplication):
    """适老化改造补贴 (one-off)."""

    code = "home_adaptation"
