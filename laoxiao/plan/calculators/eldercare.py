"""The elder-care indicators: E03, E04, E06, E07, E08 (a month, and a year as the mean of its
months), E11, E12, E13, E16.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from laoxiao.core.rules import rule
from laoxiao.people import visitlist
from laoxiao.people.models import (
    AbilityAssessment,
    Elder,
    ElderCategory,
    HealthCheck,
    WelfareVisit,
)
from laoxiao.people.selectors.elders import (
    earliest_birth_for_age,
    present_q,
    visit_list_queryset,
    visit_list_rules,
    with_latest_assessment,
)
from laoxiao.plan.calculators.common import (
    COMMUNITY_SERVICE_KINDS,
    ChainListing,
    Ctx,
    Definition,
    Figures,
    Listing,
    Number,
    QuerySetDefinition,
    QuerySetListing,
    Result,
    Tally,
    _valid_on,
    employed_q,
    filed_q,
    region_prefix,
    resident_q,
    rollup,
    valid_certificate,
)
from laoxiao.providers.models import (
    ELDERCARE_KINDS,
    Provider,
    StaffMember,
)
from laoxiao.regions.models import Region

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
        return self.compute_with_months(ctx, region_codes, figures)[0]

    def compute_with_months(
        self, ctx: Ctx, region_codes: Sequence[str], figures: Figures | None = None, *, until: Any = None
    ) -> tuple[dict[str, Result], dict[str, dict[str, Result]]]:
        """A year's results and, from the same monthly tallies, each month's (those that began on
        or before ``until``, when given): what computing each month alone gives, at the cost of
        one computation."""
        month_ctxs = self._months(ctx)
        tallies = [(m, rollup(self.month.tally(m))) for m in month_ctxs]
        months = [(m.period.text, sums) for m, sums in tallies]
        by_month: dict[str, dict[str, Result]] = {}
        for m, sums in tallies:
            if until is not None and m.period.start > until:
                continue
            month_inputs = self.month.inputs(m)
            month_figures = figures if figures is not None else Figures(m.period.year, region_codes)
            results: dict[str, Result] = {}
            for code in region_codes:
                num, den = sums.get(region_prefix(code), (0, 0))
                results[code] = self.month.result(code, num, den, month_figures, month_inputs)
            by_month[m.period.text] = results
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
        return out, by_month

    def listing(self, ctx: Ctx, part: str) -> Listing:
        parts: list[Listing] = []
        for month in self._months(ctx):
            sub = self.month.listing(month, part)
            assert isinstance(sub, QuerySetListing)
            sub.extra = {"month": month.period.text}
            parts.append(sub)
        return parts[0] if len(parts) == 1 else ChainListing(self.kind, parts)

    def drill_down(self, ctx: Ctx, part: str, counts: list[int] | None = None) -> Listing:
        """A year: the twelve monthly counts in one pass (``e08_year_counts``), or those given."""
        listing = self.listing(ctx, part)
        if isinstance(listing, ChainListing):
            listing._counts = counts if counts is not None else e08_year_counts(ctx, part)
        return listing


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


# --- E08 for a year: the twelve monthly counts in one pass ------------------------------------------


def e08_year_counts(ctx: Ctx, part: str) -> list[int]:
    """The count of each month's E08 list (``part``) for the year of ``ctx``, the same as the
    ``E08Month`` listings count one by one: one grouped query over the elders (a bit for each month
    they are present on the list's day, a bit for each month they were visited), and the latest
    assessments and categories of the few whose living arrangement does not settle it."""
    months = ctx.period.months()
    refs = [visitlist.month_reference_day(m.start) for m in months]
    rules = [visit_list_rules(ref) for ref in refs]
    arrangements = [r.values_of("living_arrangement") for r in rules]
    levels = [r.values_of("level") for r in rules]
    categories = [r.values_of("category") for r in rules]
    first, last = refs[0], refs[-1]
    always = set.intersection(*arrangements)  # on the list by this in every month
    all_levels: set[str] = set().union(*levels)
    all_categories: set[str] = set().union(*categories)

    elders = ctx.records(Elder).filter(
        Q(birth_date__lte=earliest_birth_for_age(last))
        & (Q(died_on__isnull=True) | Q(died_on__gte=first))
        & (Q(moved_out_on__isnull=True) | Q(moved_out_on__gte=first))
    )
    candidate = Q(pk__in=[])  # whose level or category may put them on the list
    if all_levels:
        assessed = AbilityAssessment.objects.filter(assessed_on__lte=last, level__in=sorted(all_levels))
        candidate |= Q(pk__in=assessed.values("elder_id"))
    if all_categories:
        categorised = ElderCategory.objects.filter(valid_from__lte=last, category__in=sorted(all_categories))
        candidate |= Q(pk__in=categorised.values("elder_id"))
    # nobody else is ever on the list: leave them out (and their visits unread); as a value, not a
    # condition, so that SQLite keeps to the region's index rather than the arrangements' one
    listable = Q(living_arrangement__in=sorted(set().union(*arrangements))) | candidate
    elders = elders.alias(listable=Case(When(listable, then=Value(1)), default=Value(0))).filter(listable=1)
    if always:
        candidate &= ~Q(living_arrangement__in=sorted(always))

    present: Any = Value(0)
    for i, ref in enumerate(refs):
        present = present + Case(When(present_q(ref), then=Value(1 << i)), default=Value(0))
    annotations: dict[str, Any] = {
        "present": present,
        "key": Case(When(candidate, then=F("pk")), default=Value(None), output_field=IntegerField()),
    }
    if part == "numerator":
        # the visits are of the year: the first month whose end is not before the visit is its month
        month_bit = Case(
            *[When(visited_on__lte=m.end, then=Value(1 << i)) for i, m in enumerate(months)],
            default=Value(0),
        )
        visits = (
            WelfareVisit.objects.filter(
                elder=OuterRef("pk"), visited_on__gte=months[0].start, visited_on__lte=months[-1].end
            )
            .order_by()
            .values("elder")
            .annotate(bits=Sum(month_bit, distinct=True))
            .values("bits")
        )
        annotations["visited"] = Subquery(visits, output_field=IntegerField())
    else:
        annotations["visited"] = Value((1 << len(months)) - 1)
    groups = list(
        elders.order_by()
        .annotate(**annotations)
        .values_list("key", "living_arrangement", "present", "visited")
        .annotate(n=Count("pk"))
    )

    counts = [0] * len(months)
    keyed: list[tuple[int, str, int, int]] = []
    for key, arrangement, present_bits, visited_bits in (g[:4] for g in groups):
        if key is not None:
            keyed.append((key, arrangement, present_bits, visited_bits or 0))
    for key, arrangement, present_bits, visited_bits, n in groups:
        if key is not None:
            continue
        bits = present_bits & (visited_bits or 0)
        for i in range(len(months)):
            if bits >> i & 1 and arrangement in arrangements[i]:
                counts[i] += n
    if not keyed:
        return counts

    ids = elders.filter(candidate).values("pk")
    assessments: dict[int, list[tuple[dt.date, str]]] = {}
    if all_levels:
        for elder_id, on, level in (
            AbilityAssessment.objects.filter(elder_id__in=ids, assessed_on__lte=last)
            .order_by("elder_id", "assessed_on")
            .values_list("elder_id", "assessed_on", "level")
        ):
            assessments.setdefault(elder_id, []).append((on, level))
    held: dict[int, list[tuple[str, dt.date, dt.date | None]]] = {}
    if all_categories:
        for elder_id, category, valid_from, valid_to in ElderCategory.objects.filter(
            elder_id__in=ids, valid_from__lte=last, category__in=sorted(all_categories)
        ).values_list("elder_id", "category", "valid_from", "valid_to"):
            held.setdefault(elder_id, []).append((category, valid_from, valid_to))
    for key, arrangement, present_bits, visited_bits in keyed:
        bits = present_bits & visited_bits
        for i, ref in enumerate(refs):
            if not bits >> i & 1:
                continue
            listed = arrangement in arrangements[i]
            if not listed and levels[i]:
                latest = None
                for on, level in assessments.get(key, ()):
                    if on > ref:
                        break
                    latest = level
                listed = latest in levels[i]
            if not listed and categories[i]:
                listed = any(
                    c in categories[i] and since <= ref and (until is None or until >= ref)
                    for c, since, until in held.get(key, ())
                )
            if listed:
                counts[i] += 1
    return counts
