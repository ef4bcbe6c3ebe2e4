"""Calculators of the computed indicators (issue 5, "Definitions of the computed indicators").

Every computed indicator is a ``Definition``: the records it counts, the filter that picks its
numerator among them, and what its denominator is (the same records, a population figure, or
nothing for counts). The SAME definition serves three readers:

* ``tally(ctx)``: the numerator and the denominator of every region code found in the records
  under ``ctx.prefix`` (one grouped query, or one read of the rows and a pass in Python for the
  schedule-based ones C01, C02, C10). ``compute(ctx, regions)`` rolls those leaf tallies up by
  code prefix (city ``3406``, county ``340603``, township ``340603001``, community: 12 digits), so
  631 regions cost what the city alone costs.
* ``listing(ctx, part)``: the records behind the numerator or the denominator (drill-down,
  ``laoxiao.plan.records``), with the same filters, paginated in the database where the
  records are a queryset.
* ``Spec.func(scope)`` (kept for callers of the per-region interface): ``compute`` for one region.

All counts are as of the period end; people are counted only while alive and resident (the day of
death or of moving out still counts; the day after does not). See docs/indicators.md.
"""

from __future__ import annotations

import datetime as dt
import os
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, IntegerField, Model, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from laoxiao.core.rules import rule
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
from laoxiao.providers.models import (
    CHILDCARE_KINDS,
    ELDERCARE_KINDS,
    Certificate,
    ChildcareClass,
    Provider,
    StaffMember,
)
from laoxiao.regions.models import PopulationFigure, Region
from laoxiao.regions.scoping import PREFIX_LENGTH, level_of_code, prefix_q

CARE_ROLES = ("infant_carer", "nursery_nurse", "health_care_staff", "teacher")
COMMUNITY_SERVICE_KINDS = ("community_centre", "meal_point")
PREFIX_LENGTHS = (12, 9, 6, 4, 2)  # community, township, county, city, province

Number = int | Decimal


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
            if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
                start = dt.date(int(text[:4]), int(text[5:]), 1)
                return cls(text, start, visitlist.month_end(start))
        except ValueError:
            pass
        raise ValueError(f"a period is a year (2022) or a month (2022-03), not {text!r}")

    def months(self) -> list[Period]:
        if self.is_month:
            return [self]
        return [Period.parse(f"{self.year}-{m:02d}") for m in range(1, 13)]


def region_prefix(code: str) -> str:
    """The significant digits of a 12-digit division code (``340603000000`` → ``340603``)."""
    return code[: PREFIX_LENGTH[level_of_code(code)]]


def common_prefix(codes: Iterable[str]) -> str:
    """The widest prefix covering every region of ``codes`` (cut to a level's length)."""
    common = os.path.commonprefix([region_prefix(c) for c in codes])
    for length in PREFIX_LENGTHS:
        if len(common) >= length:
            return common[:length]
    return ""


Start = Callable[[type[Model]], QuerySet[Any]]


def _everything(model: type[Model]) -> QuerySet[Any]:
    return model._default_manager.all()


@dataclass
class Ctx:
    """What a definition reads: the records under ``prefix`` (``""``: all), for ``period``,
    starting from ``start(Model)`` (every row when computing; the actor's rows when listing)."""

    period: Period
    prefix: str = ""
    rules: ChildRules | None = None
    start: Start = _everything

    @property
    def end(self) -> dt.date:
        return self.period.end

    def q(self, field_name: str = "region_code") -> Q:
        return prefix_q(field_name, self.prefix) if self.prefix else Q()

    def child_rules(self) -> ChildRules:
        if self.rules is None:
            self.rules = child_rules()
        return self.rules

    def records(self, model: type[Model], field_name: str = "region_code") -> QuerySet[Any]:
        return self.start(model).filter(self.q(field_name))


@dataclass
class Scope:
    """A region (a 12-digit division code and everything below it) and a period."""

    region_code: str
    period: Period
    _child_rules: ChildRules | None = field(default=None, repr=False)

    @property
    def prefix(self) -> str:
        return region_prefix(self.region_code)

    @property
    def end(self) -> dt.date:
        return self.period.end

    def q(self, field_name: str = "region_code") -> Q:
        return prefix_q(field_name, self.prefix)

    def ctx(self) -> Ctx:
        return Ctx(period=self.period, prefix=self.prefix, rules=self._child_rules)


@dataclass
class Result:
    numerator: Decimal | int | None
    denominator: Decimal | int | None = None  # None: the indicator is a count
    scale: int = 100
    reason: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    value: Decimal | None = None  # set by calculators whose value is not numerator ÷ denominator


Calculator = Callable[[Scope], Result]
Tally = dict[str, list[Number]]  # region code of the records → [numerator, denominator]


def rollup(tally: Tally) -> dict[str, list[Number]]:
    """Add every record region's tally to each of its prefixes (the regions above it)."""
    acc: dict[str, list[Number]] = defaultdict(lambda: [0, 0])
    for code, (num, den) in tally.items():
        for length in PREFIX_LENGTHS:
            a = acc[code[:length]]
            a[0] += num
            a[1] += den
    return acc


# --- listings (drill-down) ------------------------------------------------------------------------


class Listing(ABC):
    """The records behind a numerator or a denominator: ``count()``, slices of rows (records or
    tuples, turned into display rows by ``laoxiao.plan.records``), and for sums the field
    whose total is the figure (``amount``)."""

    kind: str = ""
    amount: str | None = None
    figure: Decimal | int | None = None
    figure_name: str = ""

    @abstractmethod
    def count(self) -> int:
        raise NotImplementedError

    @abstractmethod
    def __getitem__(self, item: slice) -> list[Any]:
        raise NotImplementedError

    def total(self) -> Number:
        """The stored figure: the count of rows, or the sum of ``amount``."""
        return self.count()


class QuerySetListing(Listing):
    def __init__(
        self, kind: str, qs: QuerySet[Any], amount: str | None = None, extra: dict[str, Any] | None = None
    ):
        self.kind = kind
        self.qs = qs
        self.amount = amount
        self.extra = extra or {}
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.qs.count()
        return self._count

    def __getitem__(self, item: slice) -> list[Any]:
        rows = list(self.qs[item])
        for row in rows:
            for key, value in self.extra.items():
                setattr(row, key, value)
        return rows

    def total(self) -> Number:
        if self.amount is None:
            return self.count()
        return self.qs.aggregate(n=Sum(self.amount))["n"] or 0


class ListListing(Listing):
    """Rows computed in Python (schedule-based indicators): ids or tuples, in order."""

    def __init__(self, kind: str, rows: Sequence[Any], fetch: Callable[[list[Any]], list[Any]] | None = None):
        self.kind = kind
        self.rows = rows
        self.fetch = fetch

    def count(self) -> int:
        return len(self.rows)

    def __getitem__(self, item: slice) -> list[Any]:
        page = list(self.rows[item])
        return self.fetch(page) if self.fetch else page


class ChainListing(Listing):
    """Listings one after another (E08 for a year: each month's list)."""

    def __init__(self, kind: str, parts: Sequence[Listing]):
        self.kind = kind
        self.parts = parts
        self._counts: list[int] | None = None

    def counts(self) -> list[int]:
        if self._counts is None:
            self._counts = [p.count() for p in self.parts]
        return self._counts

    def count(self) -> int:
        return sum(self.counts())

    def __getitem__(self, item: slice) -> list[Any]:
        start, stop = item.start or 0, item.stop if item.stop is not None else self.count()
        out: list[Any] = []
        offset = 0
        for part, n in zip(self.parts, self.counts(), strict=True):
            lo, hi = max(start - offset, 0), min(stop - offset, n)
            if lo < hi:
                out.extend(part[lo:hi])
            offset += n
        return out


class FigureListing(Listing):
    """A denominator that is a population figure, not records."""

    kind = "figure"

    def __init__(self, figure_name: str, figure: int | None, per: int):
        self.figure_name = figure_name
        self.figure = figure
        self.per = per

    def count(self) -> int:
        return 0

    def __getitem__(self, item: slice) -> list[Any]:
        return []

    def total(self) -> Number:
        return Decimal(self.figure) / self.per if self.figure is not None else 0


# --- definitions ----------------------------------------------------------------------------------


class Definition(ABC):
    """A computed indicator. Subclasses say which records count (see the module docstring)."""

    code = ""
    monthly = False
    kind = ""  # what the records are: elders, children, providers, staff, regions, doses
    scale = 100
    figure: str | None = None  # the denominator is this population figure (÷ ``per``)
    per = 1
    is_count = False  # no denominator
    # who may list the people behind it (the people pages' rule): elder-care data (categories,
    # assessments, visits) to civil affairs; the yearly health check to health as well; the
    # children's follow-up (newborn visits, vaccinations, checks) to health
    sectors: frozenset[str] = frozenset({"eldercare", "childcare", "health"})

    @abstractmethod
    def tally(self, ctx: Ctx) -> Tally:
        raise NotImplementedError

    @abstractmethod
    def listing(self, ctx: Ctx, part: str) -> Listing:
        raise NotImplementedError

    def inputs(self, ctx: Ctx) -> dict[str, Any]:
        return {}

    # -- values for regions --

    def compute(
        self, ctx: Ctx, region_codes: Sequence[str], figures: Figures | None = None
    ) -> dict[str, Result]:
        sums = rollup(self.tally(ctx))
        figures = figures if figures is not None else Figures(ctx.period.year, region_codes)
        inputs = self.inputs(ctx)
        out = {}
        for code in region_codes:
            num, den = sums.get(region_prefix(code), (0, 0))
            out[code] = self.result(code, num, den, figures, inputs)
        return out

    def result(self, code: str, num: Number, den: Number, figures: Figures, inputs: dict[str, Any]) -> Result:
        if self.is_count:
            return Result(num, None, inputs=dict(inputs))
        if self.figure is not None:
            number = figures.get(code, self.figure)
            if number is None:
                reason = f"no population figure ({self.figure}) for {code} in {figures.year}"
                return Result(num, None, scale=self.scale, reason=reason, inputs=dict(inputs))
            den = Decimal(number) / self.per if self.per != 1 else number
        return Result(num, den, scale=self.scale, inputs=dict(inputs))

    def figure_listing(self, ctx: Ctx) -> FigureListing:
        assert self.figure is not None
        code = ctx.prefix.ljust(12, "0")  # the region whose prefix this is
        return FigureListing(self.figure, Figures(ctx.period.year, [code]).get(code, self.figure), self.per)

    def func(self, scope: Scope) -> Result:
        return self.compute(scope.ctx(), [scope.region_code])[scope.region_code]


class Figures:
    """Population figures of a year, by region code (one query)."""

    def __init__(self, year: int, region_codes: Iterable[str] | None = None):
        self.year = year
        qs = PopulationFigure.objects.filter(year=year)
        codes = list(region_codes) if region_codes is not None else None
        if codes is not None and len(codes) < 500:
            qs = qs.filter(region_code__in=codes)
        self.rows = {
            r["region_code"]: r for r in qs.values("region_code", "population", "age_60_plus", "age_65_plus")
        }

    def get(self, code: str, name: str) -> int | None:
        row = self.rows.get(code)
        return None if row is None else row.get(name)


class QuerySetDefinition(Definition):
    """Records of one model: ``base`` (the denominator, or the counted records), ``num_q`` (the
    numerator among them; None: all of them), and for sums the summed fields."""

    model: type[Model]
    region_field = "region_code"
    num_amount: str | None = None
    den_amount: str | None = None

    @abstractmethod
    def base(self, ctx: Ctx) -> QuerySet[Any]:
        raise NotImplementedError

    def num_q(self, ctx: Ctx) -> Q | None:
        return None

    def _records(self, ctx: Ctx) -> QuerySet[Any]:
        return self.base(ctx).filter(ctx.q(self.region_field))

    def tally(self, ctx: Ctx) -> Tally:
        num_q = self.num_q(ctx)
        aggs: dict[str, Any] = {
            "num": Sum(self.num_amount, filter=num_q) if self.num_amount else Count("pk", filter=num_q)
        }
        if not self.is_count and self.figure is None:
            aggs["den"] = Sum(self.den_amount) if self.den_amount else Count("pk")
        rows = self._records(ctx).order_by().values(self.region_field).annotate(**aggs)
        return {r[self.region_field]: [r["num"] or 0, r.get("den") or 0] for r in rows}

    def listing(self, ctx: Ctx, part: str) -> Listing:
        qs = self._records(ctx).order_by(self.region_field, "pk")
        if part == "denominator":
            if self.figure is not None:
                return self.figure_listing(ctx)
            return QuerySetListing(self.kind, qs, self.den_amount)
        num_q = self.num_q(ctx)
        return QuerySetListing(self.kind, qs.filter(num_q) if num_q is not None else qs, self.num_amount)


# --- shared filters -------------------------------------------------------------------------------


def _valid_on(on: dt.date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def resident_q(on: dt.date) -> Q:
    """Alive and not moved out on ``on`` (that day still counts)."""
    return (Q(died_on__isnull=True) | Q(died_on__gte=on)) & (
        Q(moved_out_on__isnull=True) | Q(moved_out_on__gte=on)
    )


def filed_q(end: dt.date, kinds: tuple[str, ...], prefix: str = "") -> Q:
    """Providers of ``kinds``, filed, and filed and opened by ``end`` (the filing status is the
    current one: a provider closed since is no longer counted for earlier periods either)."""
    return (
        Q(
            kind__in=kinds,
            filing_status=Provider.FilingStatus.FILED,
        )
        & (Q(**{f"{prefix}filed_on__isnull": True}) | Q(**{f"{prefix}filed_on__lte": end}))
        & (Q(**{f"{prefix}opened_on__isnull": True}) | Q(**{f"{prefix}opened_on__lte": end}))
    )


def _provider_filed_q(end: dt.date, kinds: tuple[str, ...]) -> Q:
    return (
        Q(
            provider__kind__in=kinds,
            provider__filing_status=Provider.FilingStatus.FILED,
        )
        & (Q(provider__filed_on__isnull=True) | Q(provider__filed_on__lte=end))
        & (Q(provider__opened_on__isnull=True) | Q(provider__opened_on__lte=end))
    )


def employed_q(end: dt.date) -> Q:
    """Hired on or before ``end`` and not left before it (leaving on ``end`` still counts)."""
    return (Q(hired_on__isnull=True) | Q(hired_on__lte=end)) & (Q(left_on__isnull=True) | Q(left_on__gte=end))


def valid_certificate(end: dt.date) -> Exists:
    """At least one certificate issued by ``end`` and not expired before it."""
    return Exists(
        Certificate.objects.filter(staff=OuterRef("pk")).filter(
            Q(issued_on__isnull=True) | Q(issued_on__lte=end),
            Q(expires_on__isnull=True) | Q(expires_on__gte=end),
        )
    )


def children_q(ctx: Ctx) -> Q:
    """Children on the registry at the period end: born by then, alive and resident."""
    return resident_q(ctx.end) & Q(birth_date__lte=ctx.end)


# --- elder care -----------------------------------------------------------------------------------


class E03(QuerySetDefinition):
    code, kind, model = "E03", "elders", Elder
    sectors = frozenset({"eldercare"})

    def levels(self, ctx: Ctx) -> list[str]:
        return sorted(rule("eldercare.disabled_levels", on=ctx.end)["levels"])

    def _poverty(self, ctx: Ctx) -> QuerySet[ElderCategory]:
        return ElderCategory.objects.filter(
            _valid_on(ctx.end), elder=OuterRef("pk"), category=ElderCategory.Category.EXTREME_POVERTY
        )

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        assessed = with_latest_assessment(ctx.start(Elder).filter(present_q(ctx.end)), ctx.end)
        return assessed.filter(Exists(self._poverty(ctx)), latest_level__in=self.levels(ctx))  # type: ignore[misc]

    def num_q(self, ctx: Ctx) -> Q:
        return Q(Exists(self._poverty(ctx).filter(support_mode="institutional")))

    def inputs(self, ctx: Ctx) -> dict[str, Any]:
        return {"levels": self.levels(ctx)}


class E04(QuerySetDefinition):
    code, kind, model, region_field = "E04", "regions", Region, "code"

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return ctx.start(Region).filter(level=Region.Level.COMMUNITY)

    def num_q(self, ctx: Ctx) -> Q:
        served = Provider.objects.filter(
            filed_q(ctx.end, COMMUNITY_SERVICE_KINDS), region_code=OuterRef("code")
        )
        return Q(Exists(served))


class E06(QuerySetDefinition):
    code, kind, model = "E06", "providers", Provider
    num_amount, den_amount = "nursing_beds", "beds"

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return ctx.start(Provider).filter(filed_q(ctx.end, ("eldercare_home",)))


class E07(QuerySetDefinition):
    code, kind, model = "E07", "elders", Elder
    sectors = frozenset({"eldercare", "health"})
    figure = "age_65_plus"

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        end = ctx.end
        return ctx.start(Elder).filter(resident_q(end), birth_date__lte=earliest_birth_for_age(end, 65))

    def num_q(self, ctx: Ctx) -> Q:
        end = ctx.end
        checked = HealthCheck.objects.filter(
            elder=OuterRef("pk"), complete=True, checked_on__gte=dt.date(end.year, 1, 1), checked_on__lte=end
        )
        return Q(Exists(checked))

    def listing(self, ctx: Ctx, part: str) -> Listing:
        if part == "denominator":
            return self.figure_listing(ctx)
        return super().listing(ctx, part)


class E08Month(QuerySetDefinition):
    """One month of E08: on the visit list (read on the month's last day, as the work list is)."""

    code, kind, model = "E08", "elders", Elder

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        ref = visitlist.month_reference_day(ctx.period.start)
        return visit_list_queryset(ctx.start(Elder), on=ref, rules=visit_list_rules(ref))

    def num_q(self, ctx: Ctx) -> Q:
        visited = WelfareVisit.objects.filter(
            elder=OuterRef("pk"), visited_on__gte=ctx.period.start, visited_on__lte=ctx.end
        )
        return Q(Exists(visited))


class E08(Definition):
    """A month: visited ÷ on the list. A year: the mean of the monthly rates (months with nobody
    on the list left out); the stored numerator and denominator are the sums over the months."""

    code, kind, monthly = "E08", "elders", True
    sectors = frozenset({"eldercare"})
    month = E08Month()

    def _months(self, ctx: Ctx) -> list[Ctx]:
        return [
            Ctx(period=m, prefix=ctx.prefix, rules=ctx.rules, start=ctx.start) for m in ctx.period.months()
        ]

    def tally(self, ctx: Ctx) -> Tally:
        total: Tally = defaultdict(lambda: [0, 0])
        for month in self._months(ctx):
            for code, (num, den) in self.month.tally(month).items():
                total[code][0] += num
                total[code][1] += den
        return dict(total)

    def compute(
        self, ctx: Ctx, region_codes: Sequence[str], figures: Figures | None = None
    ) -> dict[str, Result]:
        if ctx.period.is_month:
            return self.month.compute(ctx, region_codes, figures)
        months = [(m.period.text, rollup(self.month.tally(m))) for m in self._months(ctx)]
        out = {}
        for code in region_codes:
            prefix = region_prefix(code)
            monthly: dict[str, list[Number]] = {}
            rates = []
            for text, sums in months:
                num, den = sums.get(prefix, (0, 0))
                monthly[text] = [num, den]
                if den:
                    rates.append(Decimal(num) * 100 / Decimal(den))
            total_num = sum(n for n, _ in monthly.values())
            total_den = sum(d for _, d in monthly.values())
            inputs: dict[str, Any] = {"monthly": monthly}
            if not rates:
                reason = "nobody on the visit list in any month"
                out[code] = Result(total_num, total_den, reason=reason, inputs=inputs)
            else:
                out[code] = Result(
                    total_num, total_den, inputs=inputs, value=sum(rates, Decimal(0)) / len(rates)
                )
        return out

    def listing(self, ctx: Ctx, part: str) -> Listing:
        parts: list[Listing] = []
        for month in self._months(ctx):
            sub = self.month.listing(month, part)
            assert isinstance(sub, QuerySetListing)
            sub.extra = {"month": month.period.text}
            parts.append(sub)
        return parts[0] if len(parts) == 1 else ChainListing(self.kind, parts)


class E11(QuerySetDefinition):
    code, kind, model, is_count = "E11", "providers", Provider, True

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return ctx.start(Provider).filter(filed_q(ctx.end, ELDERCARE_KINDS), is_backbone=True)


class E12(QuerySetDefinition):
    code, kind, model, is_count = "E12", "staff", StaffMember, True

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return ctx.start(StaffMember).filter(
            employed_q(ctx.end),
            valid_certificate(ctx.end),
            provider__kind__in=ELDERCARE_KINDS,
            role=StaffMember.Role.ELDERCARE_WORKER,
        )


class E13(QuerySetDefinition):
    code, kind, model = "E13", "staff", StaffMember
    figure, per, scale = "age_60_plus", 1000, 1

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return ctx.start(StaffMember).filter(
            employed_q(ctx.end), provider__kind__in=ELDERCARE_KINDS, role=StaffMember.Role.SOCIAL_WORKER
        )


class E16(QuerySetDefinition):
    code, kind, model, region_field, is_count = "E16", "regions", Region, "code", True

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return ctx.start(Region).filter(level=Region.Level.COMMUNITY, is_age_friendly_demo=True)


# --- childcare: providers and staff ---------------------------------------------------------------


def _slots_subquery() -> Coalesce:
    classes = (
        ChildcareClass.objects.filter(provider=OuterRef("pk"))
        .order_by()
        .values("provider")
        .annotate(n=Sum("capacity"))
        .values("n")
    )
    return Coalesce(Subquery(classes, output_field=IntegerField()), 0)


class _FiledChildcare(QuerySetDefinition):
    kind, model = "providers", Provider

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return ctx.start(Provider).filter(filed_q(ctx.end, CHILDCARE_KINDS))


class C03(_FiledChildcare):
    code, is_count = "C03", True


class C04(_FiledChildcare):
    code, is_count = "C04", True

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return super().base(ctx).filter(is_demonstration=True)


class C05(_FiledChildcare):
    code, figure, per, scale = "C05", "population", 1000, 1
    num_amount = "slots"

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return super().base(ctx).annotate(slots=_slots_subquery())


class C06(_FiledChildcare):
    code = "C06"
    num_amount, den_amount = "inclusive_slots", "slots"

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return super().base(ctx).annotate(slots=_slots_subquery())


class _ChildcareStaff(QuerySetDefinition):
    kind, model = "staff", StaffMember

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return ctx.start(StaffMember).filter(employed_q(ctx.end), _provider_filed_q(ctx.end, CHILDCARE_KINDS))


class C07(_ChildcareStaff):
    code, is_count = "C07", True

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return super().base(ctx).filter(valid_certificate(ctx.end), role__in=CARE_ROLES)


class C08(_ChildcareStaff):
    code = "C08"

    def num_q(self, ctx: Ctx) -> Q:
        return Q(valid_certificate(ctx.end))


class C09(QuerySetDefinition):
    """Like E11: backbone enterprises among the filed providers (filed by the period end)."""

    code, kind, model, is_count = "C09", "providers", Provider, True

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return ctx.start(Provider).filter(filed_q(ctx.end, CHILDCARE_KINDS), is_backbone=True)


# --- childcare: schedule-based (read the rows once, evaluate each child in Python) -----------------


def _fetch_in_order(start: QuerySet[Any], ids: list[int]) -> list[Any]:
    """The rows of ``start`` with these ids, in the ids' order (one page)."""
    found = {obj.pk: obj for obj in start.filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]


class ChildDefinition(Definition):
    """Each child of ``children`` contributes (numerator, denominator) from ``evaluate``."""

    kind = "children"
    sectors = frozenset({"health"})

    def children(self, ctx: Ctx) -> QuerySet[Child]:
        return ctx.records(Child).filter(children_q(ctx))

    @abstractmethod
    def evaluate(self, ctx: Ctx) -> Iterator[tuple[int, str, int, int]]:
        """(child id, region code, numerator, denominator) for each child that counts."""
        raise NotImplementedError

    def tally(self, ctx: Ctx) -> Tally:
        out: Tally = {}
        for _pk, code, num, den in self.evaluate(ctx):
            t = out.get(code)
            if t is None:
                out[code] = [num, den]
            else:
                t[0] += num
                t[1] += den
        return out

    def listing(self, ctx: Ctx, part: str) -> Listing:
        index = 2 if part == "numerator" else 3
        ids = [row[0] for row in sorted(self.evaluate(ctx), key=lambda r: (r[1], r[0])) if row[index]]
        start = ctx.start(Child)
        return ListListing(self.kind, ids, lambda page: _fetch_in_order(start, page))


class C01(ChildDefinition):
    code = "C01"

    def evaluate(self, ctx: Ctx) -> Iterator[tuple[int, str, int, int]]:
        rules = ctx.child_rules()
        born_q = Q(birth_date__gte=ctx.period.start)
        born = list(
            self.children(ctx).filter(born_q).values_list("pk", "region_code", "birth_date", "discharge_date")
        )
        visits: dict[int, list[dt.date]] = defaultdict(list)
        visit_rows = NewbornVisit.objects.filter(
            child_id__in=self.children(ctx).filter(born_q).values("pk"),
            visited_on__lte=ctx.end,
        ).values_list("child_id", "visited_on")
        for child_id, on in visit_rows:
            visits[child_id].append(on)
        for pk, code, birth, discharge in born:
            ok = s.newborn_visit_ok(birth, discharge, visits.get(pk, ()), days=rules.newborn(birth)["days"])
            yield pk, code, int(ok), 1


class C02(ChildDefinition):
    """Doses of the schedule due in the period, given on or before its end."""

    code, kind = "C02", "doses"

    def _due(self, ctx: Ctx) -> Callable[[dt.date], list[tuple[tuple[str, int], dt.date]]]:
        rules = ctx.child_rules()
        start, end = ctx.period.start, ctx.end
        cache: dict[dt.date, list[tuple[tuple[str, int], dt.date]]] = {}

        def due(birth: dt.date) -> list[tuple[tuple[str, int], dt.date]]:
            found = cache.get(birth)
            if found is None:
                plan = s.vaccine_plan(birth, schedule=rules.vaccine_schedule(birth, end))
                found = cache[birth] = [(p.dose.key, p.due_on) for p in plan if start <= p.due_on <= end]
            return found

        return due

    def _given(self, ctx: Ctx) -> dict[int, set[tuple[str, int]]]:
        given: dict[int, set[tuple[str, int]]] = defaultdict(set)
        rows = Vaccination.objects.filter(
            child_id__in=self.children(ctx).values("pk"), given_on__lte=ctx.end
        ).values_list("child_id", "vaccine", "dose")
        for child_id, vaccine, dose in rows:
            given[child_id].add((vaccine, dose))
        return given

    def _doses(self, ctx: Ctx) -> Iterator[tuple[int, str, tuple[str, int], dt.date, bool]]:
        due = self._due(ctx)
        given = self._given(ctx)
        empty: set[tuple[str, int]] = set()
        for pk, code, birth in (
            self.children(ctx).values_list("pk", "region_code", "birth_date").order_by("region_code", "pk")
        ):
            done = given.get(pk, empty)
            for key, due_on in due(birth):
                yield pk, code, key, due_on, key in done

    def evaluate(self, ctx: Ctx) -> Iterator[tuple[int, str, int, int]]:
        due = self._due(ctx)
        given = self._given(ctx)
        empty: set[tuple[str, int]] = set()
        for pk, code, birth in self.children(ctx).values_list("pk", "region_code", "birth_date"):
            doses = due(birth)
            if doses:
                done = given.get(pk, empty)
                yield pk, code, sum(1 for key, _ in doses if key in done), len(doses)

    def listing(self, ctx: Ctx, part: str) -> Listing:
        rows = [
            (pk, code, key, due_on)
            for pk, code, key, due_on, given in self._doses(ctx)
            if given or part == "denominator"
        ]
        start = ctx.start(Child)

        def fetch(page: list[Any]) -> list[Any]:
            return dose_rows(start, ctx.end, page)

        return ListListing(self.kind, rows, fetch)


def dose_rows(children: QuerySet[Any], end: dt.date, page: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The display rows of a page of doses (child id, region code, (vaccine, dose), due date): the
    child (from ``children``, the actor's) and the date given by ``end``, if any."""
    ids = sorted({r[0] for r in page})
    found = {c.pk: c for c in children.filter(pk__in=ids)}
    given = {
        (v.child_id, v.vaccine, v.dose): v.given_on
        for v in Vaccination.objects.filter(child_id__in=ids, given_on__lte=end)
    }
    return [
        {
            "child": found.get(pk),
            "region_code": code,
            "vaccine": key[0],
            "dose": key[1],
            "due_on": due_on,
            "given_on": given.get((pk, *key)),
        }
        for pk, code, key, due_on in page
    ]


class C10(ChildDefinition):
    """Children under 3 at the period end whose every check due by then was done within the
    tolerance (a check recorded after the period end does not count)."""

    code = "C10"

    def children(self, ctx: Ctx) -> QuerySet[Child]:
        return super().children(ctx).filter(birth_date__gt=s.add_months(ctx.end, -36))

    def evaluate(self, ctx: Ctx) -> Iterator[tuple[int, str, int, int]]:
        rules = ctx.child_rules()
        end = ctx.end
        children = list(self.children(ctx).values_list("pk", "region_code", "birth_date"))
        checks: dict[int, dict[str, dt.date]] = defaultdict(dict)
        rows = ChildHealthCheck.objects.filter(
            child_id__in=self.children(ctx).values("pk"), checked_on__lte=end
        ).values_list("child_id", "age_point", "checked_on")
        for child_id, point, on in rows:
            checks[child_id][point] = on
        empty: dict[str, dt.date] = {}
        for pk, code, birth in children:
            sched = rules.check_schedule(birth)
            done = checks.get(pk, empty)
            ok = all(
                point.age_point in done
                and s.check_within_tolerance(due, done[point.age_point], sched.tolerance_days)
                for point in sched.points
                if (due := point.due_on(birth)) <= end
            )
            yield pk, code, int(ok), 1


# --- the registry ---------------------------------------------------------------------------------

DEFINITIONS: tuple[Definition, ...] = (
    E03(), E04(), E06(), E07(), E08(), E11(), E12(), E13(), E16(),
    C01(), C02(), C03(), C04(), C05(), C06(), C07(), C08(), C09(), C10(),
)  # fmt: skip


@dataclass(frozen=True)
class Spec:
    code: str
    func: Calculator
    monthly: bool = False
    definition: Definition | None = None


REGISTRY: dict[str, Spec] = {d.code: Spec(d.code, d.func, d.monthly, d) for d in DEFINITIONS}


def definition(code: str) -> Definition:
    spec = REGISTRY[code]
    assert spec.definition is not None
    return spec.definition
