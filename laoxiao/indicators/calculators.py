"""Calculators of the computed indicators (issue 5, "Definitions of the computed indicators").

Each calculator takes a ``Scope`` (a region's prefix scope and a period) and returns a ``Result``:
the numerator, the denominator (None for counts) and the scale (×100 for rates). All counts are
as of the period end; people are counted only while alive and resident (the day of death or of
moving out still counts, as on the visit list). A few queries per indicator per region; schedules
(vaccines, checks, newborn visits) are evaluated in Python over bulk reads, as the work lists do.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from laoxiao.core.rules import rule
from laoxiao.institutions.models import (
    CHILDCARE_KINDS,
    ELDERCARE_KINDS,
    Certificate,
    ChildcareClass,
    Institution,
    StaffMember,
)
from laoxiao.people import schedules as s
from laoxiao.people import visitlist
from laoxiao.people.models import (
    Child,
    ChildHealthCheck,
    Elder,
    ElderCategory,
    HealthCheck,
    NewbornVisit,
    Vaccination,
    WelfareVisit,
)
from laoxiao.people.selectors.children import ChildRules, child_rules
from laoxiao.people.selectors.elders import (
    earliest_birth_for_age,
    present_q,
    visit_list_queryset,
    visit_list_rules,
    with_latest_assessment,
)
from laoxiao.regions.models import PopulationFigure, Region
from laoxiao.regions.scoping import PREFIX_LENGTH, level_of_code, prefix_q

CARE_ROLES = ("infant_carer", "nursery_nurse", "health_care_staff", "teacher")
COMMUNITY_SERVICE_KINDS = ("community_centre", "meal_point")


# --- periods and scopes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A year (``2022``) or a month (``2022-03``)."""

    text: str
    start: dt.date
    end: dt.date

    @property
    def is_month(self) -> bool:
        return len(self.text) == 7

    @property
    def year(self) -> int:
        return self.start.year

    @classmethod
    def parse(cls, text: str) -> Period:
        text = (text or "").strip()
        try:
            if len(text) == 4 and text.isdigit():
                return cls(text, dt.date(int(text), 1, 1), dt.date(int(text), 12, 31))
            if len(text) == 7 and text[4] == "-":
                start = dt.date(int(text[:4]), int(text[5:]), 1)
                return cls(text, start, visitlist.month_end(start))
        except ValueError:
            pass
        raise ValueError(f"a period is a year (2022) or a month (2022-03), not {text!r}")

    def months(self) -> list[Period]:
        if self.is_month:
            return [self]
        return [Period.parse(f"{self.year}-{m:02d}") for m in range(1, 13)]


@dataclass
class Scope:
    """A region (a 12-digit division code and everything below it) and a period."""

    region_code: str
    period: Period
    _child_rules: ChildRules | None = field(default=None, repr=False)

    @property
    def prefix(self) -> str:
        return self.region_code[: PREFIX_LENGTH[level_of_code(self.region_code)]]

    @property
    def end(self) -> dt.date:
        return self.period.end

    def q(self, field_name: str = "region_code") -> Q:
        return prefix_q(field_name, self.prefix)

    def child_rules(self) -> ChildRules:
        if self._child_rules is None:
            self._child_rules = child_rules()
        return self._child_rules

    def population(self) -> PopulationFigure | None:
        return PopulationFigure.objects.filter(region_code=self.region_code, year=self.period.year).first()


@dataclass
class Result:
    numerator: Decimal | int | None
    denominator: Decimal | int | None = None  # None: the indicator is a count
    scale: int = 100
    reason: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    value: Decimal | None = None  # set by calculators whose value is not numerator ÷ denominator


Calculator = Callable[[Scope], Result]


@dataclass(frozen=True)
class Spec:
    code: str
    func: Calculator
    monthly: bool = False


REGISTRY: dict[str, Spec] = {}


def calculator(code: str, *, monthly: bool = False) -> Callable[[Calculator], Calculator]:
    def register(func: Calculator) -> Calculator:
        REGISTRY[code] = Spec(code, func, monthly)
        return func

    return register


# --- shared filters -------------------------------------------------------------------------------


def _valid_on(on: dt.date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def _resident_q(on: dt.date) -> Q:
    """Alive and not moved out on ``on`` (that day still counts)."""
    return (Q(died_on__isnull=True) | Q(died_on__gte=on)) & (
        Q(moved_out_on__isnull=True) | Q(moved_out_on__gte=on)
    )


def _filed(scope: Scope, kinds: tuple[str, ...]) -> QuerySet[Institution]:
    """Providers of ``kinds`` in the scope, filed (and filed and opened by the period end)."""
    end = scope.end
    return Institution.objects.filter(
        scope.q(),
        kind__in=kinds,
        filing_status=Institution.FilingStatus.FILED,
    ).filter(
        Q(filed_on__isnull=True) | Q(filed_on__lte=end),
        Q(opened_on__isnull=True) | Q(opened_on__lte=end),
    )


def _employed(scope: Scope) -> QuerySet[StaffMember]:
    end = scope.end
    return StaffMember.objects.filter(scope.q()).filter(
        Q(hired_on__isnull=True) | Q(hired_on__lte=end), Q(left_on__isnull=True) | Q(left_on__gte=end)
    )


def _valid_certificate(end: dt.date) -> Exists:
    return Exists(
        Certificate.objects.filter(staff=OuterRef("pk")).filter(
            Q(issued_on__isnull=True) | Q(issued_on__lte=end),
            Q(expires_on__isnull=True) | Q(expires_on__gte=end),
        )
    )


def _per_thousand(scope: Scope, figure: str) -> tuple[Decimal | None, str]:
    pop = scope.population()
    number = getattr(pop, figure, None) if pop is not None else None
    if number is None:
        return None, f"no population figure ({figure}) for {scope.region_code} in {scope.period.year}"
    return Decimal(number) / Decimal(1000), ""


def _children(scope: Scope) -> QuerySet[Child]:
    return Child.objects.filter(scope.q(), _resident_q(scope.end), birth_date__lte=scope.end)


# --- elder care -----------------------------------------------------------------------------------


@calculator("E03")
def e03(scope: Scope) -> Result:
    end = scope.end
    levels = sorted(rule("eldercare.disabled_levels", on=end)["levels"])
    poverty = ElderCategory.objects.filter(
        _valid_on(end), elder=OuterRef("pk"), category=ElderCategory.Category.EXTREME_POVERTY
    )
    assessed = with_latest_assessment(Elder.objects.filter(scope.q(), present_q(end)), end)
    base = assessed.filter(Exists(poverty), latest_level__in=levels)  # type: ignore[misc]
    counts = base.aggregate(
        den=Count("pk"),
        num=Count("pk", filter=Q(Exists(poverty.filter(support_mode="institutional")))),
    )
    return Result(counts["num"], counts["den"], inputs={"levels": levels})


@calculator("E04")
def e04(scope: Scope) -> Result:
    served = _filed(scope, COMMUNITY_SERVICE_KINDS).filter(region_code=OuterRef("code"))
    counts = Region.objects.filter(scope.q("code"), level=Region.Level.COMMUNITY).aggregate(
        den=Count("code"), num=Count("code", filter=Q(Exists(served)))
    )
    return Result(counts["num"], counts["den"])


@calculator("E06")
def e06(scope: Scope) -> Result:
    sums = _filed(scope, ("eldercare_home",)).aggregate(num=Sum("nursing_beds"), den=Sum("beds"))
    return Result(sums["num"] or 0, sums["den"] or 0)


@calculator("E07")
def e07(scope: Scope) -> Result:
    end = scope.end
    checked = HealthCheck.objects.filter(
        elder=OuterRef("pk"), complete=True, checked_on__gte=dt.date(end.year, 1, 1), checked_on__lte=end
    )
    num = (
        Elder.objects.filter(scope.q(), _resident_q(end), birth_date__lte=earliest_birth_for_age(end, 65))
        .filter(Exists(checked))
        .count()
    )
    pop = scope.population()
    if pop is None or pop.age_65_plus is None:
        return Result(num, None, reason=f"no population aged 65+ for {scope.region_code} in {end.year}")
    return Result(num, pop.age_65_plus)


def _e08_month(scope: Scope, month: Period) -> tuple[int, int]:
    ref = visitlist.month_reference_day(month.start)
    listed = visit_list_queryset(Elder.objects.filter(scope.q()), on=ref, rules=visit_list_rules(ref))
    visited = WelfareVisit.objects.filter(
        elder=OuterRef("pk"), visited_on__gte=month.start, visited_on__lte=month.end
    )
    counts = listed.aggregate(den=Count("pk"), num=Count("pk", filter=Q(Exists(visited))))
    return counts["num"], counts["den"]


@calculator("E08", monthly=True)
def e08(scope: Scope) -> Result:
    """A month: visited ÷ on the list (read on the month's last day, as the work list is). A year:
    the mean of the monthly rates (months with nobody on the list left out)."""
    if scope.period.is_month:
        num, den = _e08_month(scope, scope.period)
        return Result(num, den)
    monthly = {}
    rates = []
    total_num = total_den = 0
    for month in scope.period.months():
        num, den = _e08_month(scope, month)
        monthly[month.text] = [num, den]
        total_num += num
        total_den += den
        if den:
            rates.append(Decimal(num) * 100 / Decimal(den))
    inputs: dict[str, Any] = {"monthly": monthly}
    if not rates:
        return Result(total_num, total_den, reason="nobody on the visit list in any month", inputs=inputs)
    return Result(total_num, total_den, inputs=inputs, value=sum(rates, Decimal(0)) / len(rates))


@calculator("E11")
def e11(scope: Scope) -> Result:
    return Result(_filed(scope, ELDERCARE_KINDS).filter(is_backbone=True).count())


@calculator("E12")
def e12(scope: Scope) -> Result:
    qs = _employed(scope).filter(
        _valid_certificate(scope.end), institution__kind__in=ELDERCARE_KINDS, role="eldercare_worker"
    )
    return Result(qs.count())


@calculator("E13")
def e13(scope: Scope) -> Result:
    num = _employed(scope).filter(institution__kind__in=ELDERCARE_KINDS, role="social_worker").count()
    den, reason = _per_thousand(scope, "age_60_plus")
    return Result(num, den, scale=1, reason=reason)


@calculator("E16")
def e16(scope: Scope) -> Result:
    qs = Region.objects.filter(scope.q("code"), level=Region.Level.COMMUNITY, is_age_friendly_demo=True)
    return Result(qs.count())


# --- childcare ------------------------------------------------------------------------------------


@calculator("C01")
def c01(scope: Scope) -> Result:
    rules = scope.child_rules()
    born = list(
        _children(scope)
        .filter(birth_date__gte=scope.period.start)
        .values_list("pk", "birth_date", "discharge_date")
    )
    visits: dict[int, list[dt.date]] = defaultdict(list)
    for child_id, on in NewbornVisit.objects.filter(
        child_id__in=[b[0] for b in born], visited_on__lte=scope.end
    ).values_list("child_id", "visited_on"):
        visits[child_id].append(on)
    num = sum(
        1
        for pk, birth, discharge in born
        if s.newborn_visit_ok(birth, discharge, visits[pk], days=rules.newborn(birth)["days"])
    )
    return Result(num, len(born))


@calculator("C02")
def c02(scope: Scope) -> Result:
    rules = scope.child_rules()
    start, end = scope.period.start, scope.end
    children = list(_children(scope).values_list("pk", "birth_date"))
    given: dict[int, dict[tuple[str, int], dt.date]] = defaultdict(dict)
    for child_id, vaccine, dose, on in Vaccination.objects.filter(
        child_id__in=[c[0] for c in children], given_on__lte=end
    ).values_list("child_id", "vaccine", "dose", "given_on"):
        given[child_id][(vaccine, dose)] = on
    num = den = 0
    for pk, birth in children:
        for planned in s.vaccine_plan(birth, schedule=rules.vaccine_schedule(birth, end)):
            if start <= planned.due_on <= end:
                den += 1
                num += planned.dose.key in given[pk]
    return Result(num, den)


@calculator("C03")
def c03(scope: Scope) -> Result:
    return Result(_filed(scope, CHILDCARE_KINDS).count())


@calculator("C04")
def c04(scope: Scope) -> Result:
    return Result(_filed(scope, CHILDCARE_KINDS).filter(is_demonstration=True).count())


def _slots(scope: Scope) -> int:
    total = ChildcareClass.objects.filter(
        institution__in=_filed(scope, CHILDCARE_KINDS).values("pk")
    ).aggregate(n=Sum("capacity"))["n"]
    return int(total or 0)


@calculator("C05")
def c05(scope: Scope) -> Result:
    den, reason = _per_thousand(scope, "population")
    return Result(_slots(scope), den, scale=1, reason=reason)


@calculator("C06")
def c06(scope: Scope) -> Result:
    inclusive = _filed(scope, CHILDCARE_KINDS).aggregate(n=Sum("inclusive_slots"))["n"] or 0
    return Result(inclusive, _slots(scope))


def _childcare_staff(scope: Scope) -> QuerySet[StaffMember]:
    return _employed(scope).filter(institution__in=_filed(scope, CHILDCARE_KINDS).values("pk"))


@calculator("C07")
def c07(scope: Scope) -> Result:
    return Result(_childcare_staff(scope).filter(_valid_certificate(scope.end), role__in=CARE_ROLES).count())


@calculator("C08")
def c08(scope: Scope) -> Result:
    counts = _childcare_staff(scope).aggregate(
        den=Count("pk"), num=Count("pk", filter=Q(_valid_certificate(scope.end)))
    )
    return Result(counts["num"], counts["den"])


@calculator("C09")
def c09(scope: Scope) -> Result:
    qs = Institution.objects.filter(scope.q(), kind__in=CHILDCARE_KINDS, is_backbone=True)
    return Result(qs.count())


@calculator("C10")
def c10(scope: Scope) -> Result:
    rules = scope.child_rules()
    end = scope.end
    children = list(
        _children(scope).filter(birth_date__gt=s.add_months(end, -36)).values_list("pk", "birth_date")
    )
    checks: dict[int, dict[str, dt.date]] = defaultdict(dict)
    for child_id, point, on in ChildHealthCheck.objects.filter(
        child_id__in=[c[0] for c in children], checked_on__lte=end
    ).values_list("child_id", "age_point", "checked_on"):
        checks[child_id][point] = on
    num = 0
    for pk, birth in children:
        sched = rules.check_schedule(birth)
        done = checks[pk]
        num += all(
            point.age_point in done
            and s.check_within_tolerance(due, done[point.age_point], sched.tolerance_days)
            for point in sched.points
            if (due := point.due_on(birth)) <= end
        )
    return Result(num, len(children))
