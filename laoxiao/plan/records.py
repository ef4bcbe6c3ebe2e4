"""Drill-down: the records behind a computed indicator's numerator or denominator.

``indicator_records(actor=, code=, region_code=, period=, part=)`` asks the indicator's
``Definition`` (``laoxiao.plan.calculators``) for its listing, with the SAME filters that
produced the stored count, reading only what the actor may see (``visible_to(actor)`` and the
people pages' sector rules). A region outside the actor's scope is "not found". Rows leave with
personal fields masked (names ``张*丰``, ID numbers ``340603********123X``); the person's own page
(linked) shows them as the people pages do.

Kinds of rows: elders, children, providers, staff, regions, doses (C02: one row per dose due), and
``figure`` where the denominator is a population figure (E07, E13, C05): no rows, the figure.
For sums (E06 beds, C05/C06 slots) every row carries ``amount``; their total is the stored figure.

Speed (the demo city: 2 M residents): a page needs the count and one page of rows, never every row.
A year of E08 counts its twelve monthly lists in one grouped query (``e08_year_counts``) and reads
only the months a page shows; C10's denominator is a queryset, its numerator evaluated once per
birth date; C02 counts its doses from the children's birth dates (denominator) or with one
conditional count per dose in the database (numerator) and lists only the children up to a page's
end. Each gives the same rows as the definition's own ``listing`` (pinned by tests/test_records.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext as _

from laoxiao.accounts.models import User
from laoxiao.core.errors import NotFound
from laoxiao.core.masking import mask_id_number, mask_name
from laoxiao.people import visitlist
from laoxiao.people.models import (
    AbilityAssessment,
    Child,
    ChildHealthCheck,
    Elder,
    ElderCategory,
    Vaccination,
    WelfareVisit,
)
from laoxiao.people.selectors.children import visible_children
from laoxiao.people.selectors.elders import earliest_birth_for_age, present_q, visit_list_rules
from laoxiao.plan.calculators import (
    C02,
    C10,
    E08,
    REGISTRY,
    ChainListing,
    Ctx,
    Definition,
    Listing,
    ListListing,
    Period,
    QuerySetListing,
    definition,
    dose_rows,
    region_prefix,
)
from laoxiao.regions.models import Region

PARTS = ("numerator", "denominator")
KINDS = ("elders", "children", "providers", "staff", "regions", "doses", "figure")


def _start_for(actor: User, sectors: frozenset[str]) -> Any:
    """The rows of each model the actor may see: their regions (and for providers and staff, their
    sectors' provider kinds); people only to the sectors whose data the indicator reads."""
    people_ok = actor.is_authenticated and bool(sectors & actor.sectors())

    def start(model: type[Model]) -> QuerySet[Any]:
        if model is Elder:
            return Elder.objects.visible_to(actor) if people_ok else Elder.objects.none()
        if model is Child:
            return visible_children(actor) if people_ok else Child.objects.none()
        manager: Any = model._default_manager
        return manager.visible_to(actor)

    return start


@dataclass
class Records:
    code: str
    region_code: str
    region_name: str
    period: str
    part: str
    kind: str
    listing: Listing
    figure_name: str = ""
    figure: Decimal | int | None = None  # the raw population figure (E07, E13, C05 denominators)
    per: int = 1

    @property
    def amount(self) -> str | None:
        return self.listing.amount

    def count(self) -> int:
        return self.listing.count()

    def total(self) -> Decimal | int:
        return self.listing.total()

    def rows(self, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
        objects = self.listing[offset : offset + limit]
        return display_rows(self.kind, objects, self.amount)


def parse_period(code: str, period: str) -> Period:
    try:
        p = Period.parse(period)
    except ValueError as exc:
        raise ValidationError({"period": [_("A period is a year (2021) or a month (2021-06).")]}) from exc
    if p.is_month and not REGISTRY[code].monthly:
        raise ValidationError({"period": [_("This indicator has values for years only.")]})
    return p


def indicator_records(*, actor: User, code: str, region_code: str, period: str, part: str) -> Records:
    """The records behind ``part`` (numerator or denominator) of ``code`` for a region and period."""
    code = (code or "").upper()
    if code not in REGISTRY:
        raise NotFound(code)
    if part not in PARTS:
        raise ValidationError({"part": [_("Part is numerator or denominator.")]})
    p = parse_period(code, period)
    region = (
        Region.objects.visible_to(actor).filter(code=region_code).first() if actor.is_authenticated else None
    )
    if region is None:
        raise NotFound(region_code)
    d = definition(code)
    if part == "denominator" and d.is_count:
        raise ValidationError({"part": [_("This indicator is a count: it has no denominator.")]})
    ctx = Ctx(period=p, prefix=region_prefix(region.code), start=_start_for(actor, d.sectors))
    stored = None
    if isinstance(d, E08) and not p.is_month and bool(d.sectors & actor.sectors()):
        # the actor sees every elder of the region: the stored monthly counts hold while no change
        # has been logged since they were computed (else e08_year_counts counts them again)
        stored = fresh_monthly_counts(code, region.code, p, part)
    listing = _listing(d, ctx, part, stored)
    kind = listing.kind
    if kind == "staff" and isinstance(listing, QuerySetListing):
        listing.qs = listing.qs.select_related("provider")
    figure = listing.figure if kind == "figure" else None
    return Records(
        code=code,
        region_code=region.code,
        region_name=region.name,
        period=p.text,
        part=part,
        kind=kind,
        listing=listing,
        figure_name=listing.figure_name,
        figure=figure,
        per=getattr(listing, "per", 1),
    )


def _listing(d: Definition, ctx: Ctx, part: str, counts: list[int] | None = None) -> Listing:
    """The definition's listing; for C02, C10 and a year of E08 the same rows with less work."""
    if isinstance(d, C10):
        return c10_listing(d, ctx, part)
    if isinstance(d, C02):
        return c02_listing(d, ctx, part)
    listing = d.listing(ctx, part)
    if isinstance(d, E08) and isinstance(listing, ChainListing):  # a year: twelve counts in one pass
        listing._counts = counts if counts is not None else e08_year_counts(ctx, part)
    return listing


E08_SOURCES = (
    "people.elder",
    "people.welfarevisit",
    "people.abilityassessment",
    "people.eldercategory",
)


def fresh_monthly_counts(code: str, region_code: str, period: Period, part: str) -> list[int] | None:
    """The twelve monthly counts of a year of E08 as stored by the engine, if nothing that decides
    them has changed since: no change logged about older people, visits, assessments or categories,
    no elder saved and no rule version added after the values were computed."""
    from laoxiao.core.changelog import latest_change
    from laoxiao.core.models import ChangeLog, RuleVersion
    from laoxiao.plan.models import IndicatorValue

    stored = (
        IndicatorValue.objects.filter(indicator_id=code, region_code=region_code, period=period.text)
        .values_list("inputs", "computed_at")
        .first()
    )
    if stored is None or not isinstance(stored[0], dict) or "monthly" not in stored[0]:
        return None
    inputs, computed_at = stored
    last = latest_change(*E08_SOURCES)
    if last and ChangeLog.objects.filter(pk=last, at__gte=computed_at).exists():
        return None
    if Elder.objects.filter(updated_at__gte=computed_at).exists():
        return None
    if RuleVersion.objects.filter(created_at__gte=computed_at).exists():
        return None
    monthly = inputs["monthly"]
    index = 0 if part == "numerator" else 1
    try:
        return [int(monthly[m.text][index]) for m in period.months()]
    except (KeyError, IndexError, TypeError, ValueError):
        return None


# --- C10 and C02: the schedule-based lists, evaluated once per birth date ---------------------------


def c10_listing(d: C10, ctx: Ctx, part: str) -> Listing:
    """C10's rows as ``C10.listing`` gives them (children by region code and id): the denominator is
    every child ``d.children`` counts, so a queryset; the numerator the children whose every check
    due by the period end was done within the tolerance, with the due windows worked out once per
    birth date rather than once per child."""
    children = d.children(ctx)
    if part == "denominator":
        return QuerySetListing(d.kind, children.order_by("region_code", "pk"))
    rules = ctx.child_rules()
    end = ctx.end
    # the days as ISO text (compared as text: the same order), not parsed into dates one by one;
    # no ordering: the model's sorts by the child's fields (a join)
    checks: dict[int, dict[str, str]] = {}
    rows = (
        ChildHealthCheck.objects.filter(child_id__in=children.values("pk"), checked_on__lte=end)
        .order_by()
        .annotate(day=Cast("checked_on", CharField()))
        .values_list("child_id", "age_point", "day")
    )
    for child_id, point, day in rows:
        checks.setdefault(child_id, {})[point] = day
    windows: dict[dt.date, tuple[tuple[str, str, str], ...]] = {}
    empty: dict[str, str] = {}
    ids: list[int] = []
    for pk, birth in children.order_by("region_code", "pk").values_list("pk", "birth_date"):
        due = windows.get(birth)
        if due is None:
            sched = rules.check_schedule(birth)
            tol = dt.timedelta(days=sched.tolerance_days)
            due = windows[birth] = tuple(
                (p.age_point, (on - tol).isoformat(), (on + tol).isoformat())
                for p in sched.points
                if (on := p.due_on(birth)) <= end
            )
        done = checks.get(pk, empty)
        if all((day := done.get(point)) is not None and lo <= day <= hi for point, lo, hi in due):
            ids.append(pk)
    start = ctx.start(Child)
    return ListListing(d.kind, ids, lambda page: _fetch_children(start, page))


def _fetch_children(start: QuerySet[Any], ids: list[int]) -> list[Any]:
    found = {obj.pk: obj for obj in start.filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]


class DoseListing(Listing):
    """C02's rows (a dose due in the period, by child region code, child id and schedule order),
    counted without listing them: the denominator from the children's birth dates (one grouped
    query), the numerator from each child's given doses; a page lists the children up to its end."""

    kind = "doses"

    def __init__(self, d: C02, ctx: Ctx, part: str):
        self.d, self.ctx, self.part = d, ctx, part
        self.due = d._due(ctx)
        self.children = d.children(ctx)
        self.given: dict[int, set[tuple[str, int]]] | None = None
        self._count: int | None = None
        self._counted: list[tuple[int, str, dt.date, int]] | None = None

    def _given(self) -> dict[int, set[tuple[str, int]]]:
        """``C02._given`` without the model's ordering (a join to the children and a sort)."""
        if self.given is None:
            given: dict[int, set[tuple[str, int]]] = {}
            rows = (
                Vaccination.objects.filter(
                    child_id__in=self.children.values("pk"), given_on__lte=self.ctx.end
                )
                .order_by()
                .values_list("child_id", "vaccine", "dose")
            )
            for child_id, vaccine, dose in rows:
                given.setdefault(child_id, set()).add((vaccine, dose))
            self.given = given
        return self.given

    def _rows_of(
        self, pk: int, code: str, birth: dt.date, given: dict[int, set[tuple[str, int]]] | None = None
    ) -> list[tuple[Any, ...]]:
        doses = self.due(birth)
        if self.part == "denominator":
            return [(pk, code, key, due_on) for key, due_on in doses]
        done = (given if given is not None else self._given()).get(pk)
        if not done:
            return []
        return [(pk, code, key, due_on) for key, due_on in doses if key in done]

    def _given_counts(self) -> list[tuple[int, str, dt.date, int]] | None:
        """Each child (in list order) with the number of its doses due in the period and given by
        its end, counted in the database: each dose is due in the period for the children born in a
        run of days, so "born in that run and given" per dose, added up. None where a dose's birth
        dates are not one run (editions of the schedule)."""
        if self._counted is None:
            births = list(self.children.order_by().values_list("birth_date", flat=True).distinct())
            due = {b: {key for key, _ in self.due(b)} for b in births}
            n: Any = Value(0)
            for key in sorted({k for keys in due.values() for k in keys}):
                having = [b for b in births if key in due[b]]
                lo, hi = min(having), max(having)
                if any(lo <= b <= hi and key not in due[b] for b in births):
                    return None
                given = Vaccination.objects.filter(
                    child=OuterRef("pk"), vaccine=key[0], dose=key[1], given_on__lte=self.ctx.end
                )
                n = n + Case(
                    When(Q(birth_date__gte=lo, birth_date__lte=hi) & Q(Exists(given)), then=Value(1)),
                    default=Value(0),
                )
            self._counted = list(
                self.children.order_by("region_code", "pk")
                .annotate(n=n)
                .values_list("pk", "region_code", "birth_date", "n")
            )
        return self._counted

    def count(self) -> int:
        if self._count is None:
            if self.part == "denominator":
                births = self.children.order_by().values("birth_date").annotate(n=Count("pk"))
                self._count = sum(len(self.due(b["birth_date"])) * b["n"] for b in births)
            elif (counted := self._given_counts()) is not None:
                self._count = sum(r[3] for r in counted)
            else:
                given = self._given()
                n = 0
                for pk, birth in self.children.order_by().values_list("pk", "birth_date"):
                    done = given.get(pk)
                    if done:
                        n += sum(1 for key, _ in self.due(birth) if key in done)
                self._count = n
        return self._count

    def __getitem__(self, item: slice) -> list[Any]:
        start, stop = item.start or 0, item.stop
        rows: list[tuple[Any, ...]] = []
        seen = 0
        counted = self._given_counts() if self.part == "numerator" else None
        if counted is not None:  # the page's children from the counts, then their doses only
            wanted: list[tuple[int, str, dt.date, int]] = []  # (child, ..., rows before it)
            for pk, code, birth, n in counted:
                if n and seen + n > start:
                    wanted.append((pk, code, birth, seen))
                seen += n
                if stop is not None and seen >= stop:
                    break
            given = self._given_of([w[0] for w in wanted])
            for pk, code, birth, before in wanted:
                rows.extend(self._rows_of(pk, code, birth, given)[max(start - before, 0) :])
        else:
            children = self.children.order_by("region_code", "pk").values_list(
                "pk", "region_code", "birth_date"
            )
            for pk, code, birth in children.iterator(chunk_size=2000):
                found = self._rows_of(pk, code, birth)
                if seen + len(found) > start:
                    rows.extend(found[max(start - seen, 0) :])
                seen += len(found)
                if stop is not None and seen >= stop:
                    break
        page = rows[: None if stop is None else stop - start]
        return self._fetch(page)

    def _given_of(self, ids: list[int]) -> dict[int, set[tuple[str, int]]]:
        given: dict[int, set[tuple[str, int]]] = {}
        rows = Vaccination.objects.filter(child_id__in=ids, given_on__lte=self.ctx.end).order_by()
        for child_id, vaccine, dose in rows.values_list("child_id", "vaccine", "dose"):
            given.setdefault(child_id, set()).add((vaccine, dose))
        return given

    def _fetch(self, page: list[tuple[Any, ...]]) -> list[Any]:
        return dose_rows(self.ctx.start(Child), self.ctx.end, page)


def c02_listing(d: C02, ctx: Ctx, part: str) -> Listing:
    return DoseListing(d, ctx, part)


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


# --- display rows ---------------------------------------------------------------------------------


def _region_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def _url(name: str, arg: Any) -> str:
    return reverse(name, args=[arg])


def _person(obj: Any) -> dict[str, Any]:
    return {
        "name": mask_name(obj.name or ""),
        "sex": obj.get_sex_display(),
        "birth_date": obj.birth_date,
        "id_number": mask_id_number(obj.id_number or ""),
    }


def display_rows(kind: str, objects: list[Any], amount: str | None = None) -> list[dict[str, Any]]:
    """Flat rows for the API and the page; personal fields masked."""
    codes = {o["region_code"] if isinstance(o, dict) else getattr(o, "region_code", "") for o in objects}
    if kind == "regions":
        codes = {o.code for o in objects}
    names = _region_names(codes)
    rows: list[dict[str, Any]] = []
    for o in objects:
        if kind == "elders":
            row = {"id": o.pk, **_person(o), "url": _url("people-elder-detail", o.pk)}
            if getattr(o, "month", None):
                row["month"] = o.month
            if getattr(o, "latest_level", None):
                row["level"] = o.latest_level
        elif kind == "children":
            row = {"id": o.pk, **_person(o), "url": _url("people-child-detail", o.pk)}
            if not row["id_number"]:
                row["id_number"] = mask_id_number(o.birth_certificate_number or "")
        elif kind == "providers":
            row = {
                "id": o.pk,
                "name": o.name,
                "uscc": o.uscc,
                "provider_kind": o.get_kind_display(),
                "filing_status": o.get_filing_status_display(),
                "filed_on": o.filed_on,
                "url": _url("provider-detail", o.uscc),
            }
        elif kind == "staff":
            row = {
                "id": o.pk,
                "name": mask_name(o.name or ""),
                "id_number": mask_id_number(o.id_number or ""),
                "role": o.get_role_display(),
                "provider": o.provider.name,
                "hired_on": o.hired_on,
                "left_on": o.left_on,
                "url": _url("provider-detail", o.provider.uscc),
            }
        elif kind == "regions":
            row = {
                "id": o.code,
                "name": o.name,
                "level": o.get_level_display(),
                "url": _url("region-detail", o.code),
            }
        elif kind == "doses":
            child = o["child"]
            row = {
                "id": f"{child.pk if child else ''}:{o['vaccine']}:{o['dose']}",
                "child_id": child.pk if child else None,
                "name": mask_name(child.name) if child else "",
                "birth_date": child.birth_date if child else None,
                "vaccine": o["vaccine"],
                "dose": o["dose"],
                "due_on": o["due_on"],
                "given_on": o["given_on"],
                "url": _url("people-child-detail", child.pk) if child else "",
            }
        else:  # a kind registered elsewhere (e.g. E05's residential projects): its name and region
            row = {"id": getattr(o, "pk", None), "name": str(o)}
        code = o.code if kind == "regions" else (o["region_code"] if isinstance(o, dict) else o.region_code)
        row["region_code"] = code
        row["region_name"] = names.get(code, "")
        if amount is not None:
            row["amount"] = getattr(o, amount, None)
        rows.append(row)
    return rows


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}
