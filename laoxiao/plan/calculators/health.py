"""The children's health follow-up, schedule-based (read the rows once, evaluate each child in
Python): C01 newborn visits, C02 vaccine doses, C10 health checks.
"""

from __future__ import annotations

import datetime as dt
from abc import abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast

from laoxiao.people import schedules as s
from laoxiao.people.models import (
    Child,
    ChildHealthCheck,
    NewbornVisit,
    Vaccination,
)
from laoxiao.plan.calculators.common import (
    Ctx,
    Definition,
    Listing,
    ListListing,
    QuerySetListing,
    Tally,
    children_q,
)

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

    def drill_down(self, ctx: Ctx, part: str, counts: list[int] | None = None) -> Listing:
        """The same rows, counted without listing them (``DoseListing``)."""
        return DoseListing(self, ctx, part)


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

    def drill_down(self, ctx: Ctx, part: str, counts: list[int] | None = None) -> Listing:
        """C10's rows as ``listing`` gives them (children by region code and id): the denominator is
        every child ``children`` counts, so a queryset; the numerator the children whose every check
        due by the period end was done within the tolerance, with the due windows worked out once per
        birth date rather than once per child."""
        children = self.children(ctx)
        if part == "denominator":
            return QuerySetListing(self.kind, children.order_by("region_code", "pk"))
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
        return ListListing(self.kind, ids, lambda page: _fetch_in_order(start, page))


# --- the drill-down of C10 and C02: the same lists, evaluated once per birth date ---------------------------


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
