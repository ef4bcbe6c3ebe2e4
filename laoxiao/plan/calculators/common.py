"""What every computed indicator is made of: periods and scopes, the listings of the drill-down,
``Definition`` (the base of each indicator's definition) and the filters the sectors share.

Every computed indicator is a ``Definition``: the records it counts, the filter that picks its
numerator among them, and what its denominator is (the same records, a population figure, or
nothing for counts). The SAME definition serves both readers:

* ``tally(ctx)``: the numerator and the denominator of every region code found in the records
  under ``ctx.prefix`` (one grouped query, or one read of the rows and a pass in Python for the
  schedule-based ones C01, C02, C10). ``compute(ctx, regions)`` rolls those leaf tallies up by
  code prefix (city ``3406``, county ``340603``, township ``340603001``, community: 12 digits), so
  631 regions cost what the city alone costs.
* ``listing(ctx, part)``: the records behind the numerator or the denominator, with the same
  filters, paginated in the database where the records are a queryset. ``drill_down(ctx, part)``
  is what the drill-down (``laoxiao.plan.records``) reads: the listing itself, or for C02, C10 and
  a year of E08 the same rows with less work (pinned by tests/test_records.py).

All counts are as of the period end; people are counted only while alive and resident (the day of
death or of moving out still counts; the day after does not). See docs/indicators.md.
"""

from __future__ import annotations

import datetime as dt
import os
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)

from laoxiao.people import visitlist
from laoxiao.people.selectors.children import ChildRules, child_rules
from laoxiao.providers.models import (
    Certificate,
    Provider,
)
from laoxiao.regions.models import PopulationFigure
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

    def drill_down(self, ctx: Ctx, part: str, counts: list[int] | None = None) -> Listing:
        """What the drill-down reads: the rows of ``listing``. Definitions whose listing reads every
        record give the same rows with less work (C02, C10, a year of E08); ``counts`` are counts
        already known (E08: the monthly counts the engine stored)."""
        return self.listing(ctx, part)


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
