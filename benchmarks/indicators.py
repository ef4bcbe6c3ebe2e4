"""The indicator engine against the hand-written SQL floor, on the demo city.

Reads the demo city (var/laoxiao.sqlite3, 2 M residents; read-only: nothing is stored) and computes
every computed indicator for the city, each county and each township, for a year (2021) and for a
month (2021-06, the monthly E08):
  - through the engine (``laoxiao.plan.engine.indicators_results``: one read per indicator for
    the widest region, tallied by the records' region codes and rolled up by code prefix), and
  - with hand-written SQL (the floor): one statement per indicator grouping by the township prefix
    ``substr(region_code, 1, 9)`` (the 33 township sums are then added up to the counties and the
    city); E08 one statement per month; the schedule-based C01, C02 and C10 read their rows with
    raw SQL and loop in Python with the same pure schedule rules (``laoxiao.people.schedules``).
Checks both give the same numbers, prints both times per indicator, the totals and the ratio.
Run: `make bench` or `.venv/bin/python benchmarks/indicators.py` (BENCH_DB=path to use another file).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DB = Path(os.environ.get("BENCH_DB", ROOT / "var" / "laoxiao.sqlite3"))
YEAR, MONTH = "2021", "2021-06"
ELDERCARE = ("eldercare_home", "community_centre", "meal_point")

Sums = dict[str, list[Any]]  # township prefix (9 digits) → [numerator, denominator]


def _in(values: Any) -> str:
    return "(" + ",".join("'" + str(v).replace("'", "''") + "'" for v in values) + ")"


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def minus_years(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return dt.date(on.year - years, 2, 28)


class Floor:
    """Hand-written SQL per indicator; sums by township prefix."""

    def __init__(self, cursor: Any, start: dt.date, end: dt.date, prefix: str = "3406"):
        self.cur = cursor
        upper = str(int(prefix) + 1).zfill(len(prefix))
        self.city = {a: f"{a}.region_code >= '{prefix}' AND {a}.region_code < '{upper}'" for a in "ec"}
        self.start, self.end = start, end
        self.e = end.isoformat()

    def sums(self, sql: str, params: list[Any] | None = None) -> Sums:
        self.cur.execute(sql, params or [])
        return {p: [n or 0, d or 0] for p, n, d in self.cur.fetchall()}

    # -- shared fragments --
    def filed(self, alias: str, kinds: tuple[str, ...]) -> str:
        e = self.e
        return (
            f"{alias}.kind IN {_in(kinds)} AND {alias}.filing_status = 'filed'"
            f" AND ({alias}.filed_on IS NULL OR {alias}.filed_on <= '{e}')"
            f" AND ({alias}.opened_on IS NULL OR {alias}.opened_on <= '{e}')"
        )

    def resident(self, alias: str, on: str) -> str:
        return (
            f"({alias}.died_on IS NULL OR {alias}.died_on >= '{on}')"
            f" AND ({alias}.moved_out_on IS NULL OR {alias}.moved_out_on >= '{on}')"
        )

    def employed(self) -> str:
        e = self.e
        return f"(s.hired_on IS NULL OR s.hired_on <= '{e}') AND (s.left_on IS NULL OR s.left_on >= '{e}')"

    def certified(self) -> str:
        e = self.e
        return (
            "EXISTS (SELECT 1 FROM providers_certificate c WHERE c.staff_id = s.id"
            f" AND (c.issued_on IS NULL OR c.issued_on <= '{e}')"
            f" AND (c.expires_on IS NULL OR c.expires_on >= '{e}'))"
        )

    def latest_level(self, on: str) -> str:
        return (
            "(SELECT a.level FROM people_abilityassessment a WHERE a.elder_id = e.id"
            f" AND a.assessed_on <= '{on}' ORDER BY a.assessed_on DESC LIMIT 1)"
        )

    # -- elder care --
    def E03(self) -> Sums:
        from laoxiao.core.rules import rule

        levels = rule("eldercare.disabled_levels", on=self.end)["levels"]
        e, b60 = self.e, minus_years(self.end, 60).isoformat()
        poverty = (
            "SELECT 1 FROM people_eldercategory c WHERE c.elder_id = e.id AND c.category = 'extreme_poverty'"
            f" AND c.valid_from <= '{e}' AND (c.valid_to IS NULL OR c.valid_to >= '{e}')"
        )
        return self.sums(
            f"SELECT substr(e.region_code, 1, 9), SUM(EXISTS ({poverty} AND c.support_mode = 'institutional')),"
            f" COUNT(*) FROM people_elder e WHERE e.birth_date <= '{b60}' AND {self.resident('e', e)}"
            f" AND EXISTS ({poverty}) AND {self.latest_level(e)} IN {_in(levels)} AND {self.city['e']} GROUP BY 1"
        )

    def E04(self) -> Sums:
        return self.sums(
            "SELECT substr(r.code, 1, 9), SUM(EXISTS (SELECT 1 FROM providers_provider i"
            f" WHERE i.region_code = r.code AND {self.filed('i', ('community_centre', 'meal_point'))})),"
            " COUNT(*) FROM regions_region r WHERE r.level = 'community' GROUP BY 1"
        )

    def E06(self) -> Sums:
        return self.sums(
            "SELECT substr(i.region_code, 1, 9), SUM(i.nursing_beds), SUM(i.beds)"
            f" FROM providers_provider i WHERE {self.filed('i', ('eldercare_home',))} GROUP BY 1"
        )

    def E07(self) -> Sums:
        e, b65 = self.e, minus_years(self.end, 65).isoformat()
        return self.sums(
            "SELECT substr(e.region_code, 1, 9), COUNT(*), 0 FROM people_elder e"
            f" WHERE e.birth_date <= '{b65}' AND {self.resident('e', e)} AND EXISTS (SELECT 1 FROM"
            " people_healthcheck h WHERE h.elder_id = e.id AND h.complete"
            f" AND h.checked_on >= '{self.end.year}-01-01' AND h.checked_on <= '{e}') AND {self.city['e']} GROUP BY 1"
        )

    def E08_month(self, start: dt.date, end: dt.date) -> Sums:
        from laoxiao.core.rules import rule

        criteria = rule("welfare.visit_list", on=end)["criteria"]
        values: dict[str, set[str]] = defaultdict(set)
        for c in criteria:
            values[c["field"]] |= set(c["in"])
        ref, b60 = end.isoformat(), minus_years(end, 60).isoformat()
        listed = ["0"]
        if values["living_arrangement"]:
            listed.append(f"e.living_arrangement IN {_in(sorted(values['living_arrangement']))}")
        if values["level"]:
            listed.append(f"{self.latest_level(ref)} IN {_in(sorted(values['level']))}")
        if values["category"]:
            listed.append(
                "EXISTS (SELECT 1 FROM people_eldercategory c WHERE c.elder_id = e.id"
                f" AND c.category IN {_in(sorted(values['category']))} AND c.valid_from <= '{ref}'"
                f" AND (c.valid_to IS NULL OR c.valid_to >= '{ref}'))"
            )
        return self.sums(
            "SELECT substr(e.region_code, 1, 9), SUM(EXISTS (SELECT 1 FROM people_welfarevisit v"
            f" WHERE v.elder_id = e.id AND v.visited_on >= '{start}' AND v.visited_on <= '{ref}')),"
            f" COUNT(*) FROM people_elder e WHERE e.birth_date <= '{b60}' AND {self.resident('e', ref)}"
            f" AND ({' OR '.join(listed)}) AND {self.city['e']} GROUP BY 1"
        )

    def E11(self) -> Sums:
        return self.sums(
            "SELECT substr(i.region_code, 1, 9), COUNT(*), 0 FROM providers_provider i"
            f" WHERE {self.filed('i', ELDERCARE)} AND i.is_backbone GROUP BY 1"
        )

    def E12(self) -> Sums:
        return self.sums(
            "SELECT substr(s.region_code, 1, 9), COUNT(*), 0 FROM providers_staffmember s"
            " JOIN providers_provider i ON i.id = s.provider_id"
            f" WHERE i.kind IN {_in(ELDERCARE)} AND s.role = 'eldercare_worker' AND {self.employed()}"
            f" AND {self.certified()} GROUP BY 1"
        )

    def E13(self) -> Sums:
        return self.sums(
            "SELECT substr(s.region_code, 1, 9), COUNT(*), 0 FROM providers_staffmember s"
            " JOIN providers_provider i ON i.id = s.provider_id"
            f" WHERE i.kind IN {_in(ELDERCARE)} AND s.role = 'social_worker' AND {self.employed()} GROUP BY 1"
        )

    def E16(self) -> Sums:
        return self.sums(
            "SELECT substr(r.code, 1, 9), COUNT(*), 0 FROM regions_region r"
            " WHERE r.level = 'community' AND r.is_age_friendly_demo GROUP BY 1"
        )

    # -- childcare: providers and staff --
    def _childcare(self, extra: str = "") -> Sums:
        from laoxiao.providers.models import CHILDCARE_KINDS

        return self.sums(
            "SELECT substr(i.region_code, 1, 9), COUNT(*), 0 FROM providers_provider i"
            f" WHERE {self.filed('i', CHILDCARE_KINDS)} {extra} GROUP BY 1"
        )

    def C03(self) -> Sums:
        return self._childcare()

    def C04(self) -> Sums:
        return self._childcare("AND i.is_demonstration")

    def C09(self) -> Sums:
        return self._childcare("AND i.is_backbone")

    def _slots(self, numerator: str, denominator: str) -> Sums:
        from laoxiao.providers.models import CHILDCARE_KINDS

        slots = (
            "COALESCE((SELECT SUM(k.capacity) FROM providers_childcareclass k WHERE k.provider_id = i.id), 0)"
        )
        return self.sums(
            f"SELECT substr(i.region_code, 1, 9), SUM({numerator.format(slots=slots)}),"
            f" SUM({denominator.format(slots=slots)}) FROM providers_provider i"
            f" WHERE {self.filed('i', CHILDCARE_KINDS)} GROUP BY 1"
        )

    def C05(self) -> Sums:
        return self._slots("{slots}", "0")

    def C06(self) -> Sums:
        return self._slots("i.inclusive_slots", "{slots}")

    def _childcare_staff(self, num: str, where: str = "") -> Sums:
        from laoxiao.providers.models import CHILDCARE_KINDS

        return self.sums(
            f"SELECT substr(s.region_code, 1, 9), SUM({num}), COUNT(*) FROM providers_staffmember s"
            f" JOIN providers_provider i ON i.id = s.provider_id"
            f" WHERE {self.filed('i', CHILDCARE_KINDS)} AND {self.employed()} {where} GROUP BY 1"
        )

    def C07(self) -> Sums:
        from laoxiao.plan.calculators import CARE_ROLES

        return self._childcare_staff("1", f"AND s.role IN {_in(CARE_ROLES)} AND {self.certified()}")

    def C08(self) -> Sums:
        return self._childcare_staff(self.certified())

    # -- childcare: schedule-based (rows by raw SQL, the pure rules in Python) --
    def _children(self, extra: str = "") -> list[tuple[int, str, dt.date, Any]]:
        e = self.e
        self.cur.execute(
            "SELECT id, region_code, birth_date, discharge_date FROM people_child c"
            f" WHERE c.birth_date <= '{e}' AND {self.resident('c', e)} {extra} AND {self.city['c']}"
        )
        return self.cur.fetchall()

    def _add(self, out: Sums, code: str, num: int, den: int) -> None:
        t = out.setdefault(code[:9], [0, 0])
        t[0] += num
        t[1] += den

    def C01(self) -> Sums:
        from laoxiao.people import schedules as s
        from laoxiao.people.selectors.children import child_rules

        rules = child_rules()
        born = f"AND c.birth_date >= '{self.start}'"
        children = self._children(born)
        e = self.e
        self.cur.execute(
            f"SELECT v.child_id, v.visited_on FROM people_newbornvisit v WHERE v.visited_on <= '{e}'"
            f" AND v.child_id IN (SELECT c.id FROM people_child c WHERE c.birth_date <= '{e}'"
            f" AND {self.resident('c', e)} {born} AND {self.city['c']})"
        )
        visits: dict[int, list[dt.date]] = defaultdict(list)
        for child_id, on in self.cur.fetchall():
            visits[child_id].append(_date(on))
        out: Sums = {}
        for pk, code, birth, discharge in children:
            birth = _date(birth)
            discharge = _date(discharge) if discharge else None
            days = rules.newborn(birth)["days"]
            ok = s.newborn_visit_ok(birth, discharge, visits.get(pk, ()), days=days)
            self._add(out, code, int(ok), 1)
        return out

    def C02(self) -> Sums:
        from laoxiao.people import schedules as s
        from laoxiao.people.selectors.children import child_rules

        rules = child_rules()
        e = self.e
        self.cur.execute(
            f"SELECT v.child_id, v.vaccine, v.dose FROM people_vaccination v WHERE v.given_on <= '{e}'"
            f" AND v.child_id IN (SELECT c.id FROM people_child c WHERE c.birth_date <= '{e}'"
            f" AND {self.resident('c', e)} AND {self.city['c']})"
        )
        given: dict[int, set[tuple[str, int]]] = defaultdict(set)
        for child_id, vaccine, dose in self.cur.fetchall():
            given[child_id].add((vaccine, dose))
        due_cache: dict[dt.date, list[tuple[str, int]]] = {}
        out: Sums = {}
        for pk, code, birth, _discharge in self._children():
            birth = _date(birth)
            due = due_cache.get(birth)
            if due is None:
                plan = s.vaccine_plan(birth, schedule=rules.vaccine_schedule(birth, self.end))
                due = due_cache[birth] = [p.dose.key for p in plan if self.start <= p.due_on <= self.end]
            if due:
                done = given.get(pk, set())
                self._add(out, code, sum(1 for k in due if k in done), len(due))
        return out

    def C10(self) -> Sums:
        from laoxiao.people import schedules as s
        from laoxiao.people.selectors.children import child_rules

        rules = child_rules()
        e = self.e
        under3 = f"AND c.birth_date > '{s.add_months(self.end, -36)}'"
        self.cur.execute(
            f"SELECT k.child_id, k.age_point, k.checked_on FROM people_childhealthcheck k WHERE k.checked_on <= '{e}'"
            f" AND k.child_id IN (SELECT c.id FROM people_child c WHERE c.birth_date <= '{e}'"
            f" AND {self.resident('c', e)} {under3} AND {self.city['c']})"
        )
        checks: dict[int, dict[str, dt.date]] = defaultdict(dict)
        for child_id, point, on in self.cur.fetchall():
            checks[child_id][point] = _date(on)
        out: Sums = {}
        for pk, code, birth, _discharge in self._children(under3):
            birth = _date(birth)
            sched = rules.check_schedule(birth)
            done = checks.get(pk, {})
            ok = True
            for point in sched.points:
                due = point.due_on(birth)
                if due <= self.end:
                    when = done.get(point.age_point)
                    if when is None or not s.check_within_tolerance(due, when, sched.tolerance_days):
                        ok = False
                        break
            self._add(out, code, int(ok), 1)
        return out


FIGURES = {"E07": ("age_65_plus", 1), "E13": ("age_60_plus", 1000), "C05": ("population", 1000)}
COUNTS = {"E11", "E12", "E16", "C03", "C04", "C07", "C09"}


def floor_results(cur: Any, period: str, regions: list[str]) -> dict[str, dict[str, tuple[Any, Any, Any]]]:
    """code → region → (numerator, denominator, value) from the hand-written SQL."""
    from laoxiao.plan.calculators import DEFINITIONS, Period, region_prefix

    p = Period.parse(period)
    floor = Floor(cur, p.start, p.end)
    cur.execute(
        "SELECT region_code, population, age_60_plus, age_65_plus FROM regions_populationfigure WHERE year = %s",
        [p.year],
    )
    figures = {r[0]: {"population": r[1], "age_60_plus": r[2], "age_65_plus": r[3]} for r in cur.fetchall()}

    def up(sums: Sums, region: str) -> list[Any]:
        prefix = region_prefix(region)
        total = [0, 0]
        for key, (n, d) in sums.items():
            if key.startswith(prefix):
                total[0] += n
                total[1] += d
        return total

    out: dict[str, dict[str, tuple[Any, Any, Any]]] = {}
    for d in DEFINITIONS:  # the indicators this floor knows (others may register more)
        code = d.code
        if p.is_month and not d.monthly:
            continue
        by_region: dict[str, tuple[Any, Any, Any]] = {}
        if code == "E08":
            months = [(m, floor.E08_month(m.start, m.end)) for m in p.months()]
            for region in regions:
                per = [up(sums, region) for _m, sums in months]
                rates = [Decimal(n) * 100 / d for n, d in per if d]
                value = (sum(rates, Decimal(0)) / len(rates)) if rates else None
                by_region[region] = (sum(n for n, _ in per), sum(d for _, d in per), value)
            out[code] = by_region
            continue
        sums = getattr(floor, code)()
        for region in regions:
            num, den = up(sums, region)
            if code in COUNTS:
                by_region[region] = (num, None, Decimal(num))
                continue
            if code in FIGURES:
                name, per_n = FIGURES[code]
                figure = (figures.get(region) or {}).get(name)
                den = None if figure is None else Decimal(figure) / per_n
            scale = 1 if code in ("E13", "C05") else 100
            value = Decimal(num) * scale / Decimal(den) if den else None
            by_region[region] = (num, den, value)
        out[code] = by_region
    return out


def engine_results(period: str, regions: list[str]) -> dict[str, dict[str, tuple[Any, Any, Any]]]:
    from laoxiao.plan.engine import indicators_results, value_of

    out: dict[str, dict[str, tuple[Any, Any, Any]]] = {}
    from laoxiao.plan.calculators import DEFINITIONS

    codes = [d.code for d in DEFINITIONS]
    for code, by_region in indicators_results(period=period, region_codes=regions, codes=codes).items():
        out[code] = {}
        for region, r in by_region.items():
            out[code][region] = (r.numerator, r.denominator, value_of(r)[0])
    return out


def _same(a: tuple[Any, Any, Any], b: tuple[Any, Any, Any]) -> bool:
    def q(x: Any) -> Any:
        return None if x is None else Decimal(x).quantize(Decimal("0.0001"))

    return all(q(x) == q(y) for x, y in zip(a, b, strict=True))


def main() -> None:
    if not DB.exists():
        sys.exit(f"no demo city at {DB}: build it with `laoxiao demo-city`")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{DB}")
    os.environ.setdefault("LAOXIAO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laoxiao.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from laoxiao.regions.models import Region

    regions = list(
        Region.objects.filter(level__in=["city", "county", "township"])
        .order_by("code")
        .values_list("code", flat=True)
    )
    print(f"indicators of the demo city: {len(regions)} regions (city, counties, townships)")
    grand_engine = grand_floor = 0.0
    for period in (YEAR, MONTH):
        times: dict[str, list[float]] = {}
        best_engine = best_floor = float("inf")
        engine = floor = None
        for _round in range(2):  # the better of two rounds, taken alternately (page cache warm for both)
            t = time.perf_counter()
            engine = engine_results(period, regions)
            best_engine = min(best_engine, time.perf_counter() - t)
            with connection.cursor() as cur:
                t = time.perf_counter()
                floor = floor_results(cur, period, regions)
                best_floor = min(best_floor, time.perf_counter() - t)
        assert engine is not None and floor is not None
        assert set(engine) == set(floor), set(engine) ^ set(floor)
        wrong = [
            (code, region, engine[code][region], floor[code][region])
            for code in engine
            for region in regions
            if not _same(engine[code][region], floor[code][region])
        ]
        if wrong:
            for row in wrong[:20]:
                print("  DIFFERENT:", *row)
            sys.exit(f"the engine and the floor disagree on {len(wrong)} values")
        # per indicator (one more run each, for the breakdown)
        with connection.cursor() as cur:
            for code in engine:
                t = time.perf_counter()
                from laoxiao.plan.engine import indicators_results

                indicators_results(period=period, region_codes=regions, codes=[code])
                te = time.perf_counter() - t
                t = time.perf_counter()
                _one_floor(cur, period, regions, code)
                times[code] = [te, time.perf_counter() - t]
        n = sum(len(v) for v in engine.values())
        print(f"\n{period}: {len(engine)} indicators × {len(regions)} regions = {n} values, identical")
        for code, (te, tf) in times.items():
            print(
                f"  {code}  engine {te * 1000:8.1f} ms   floor {tf * 1000:8.1f} ms   {te / tf if tf else 0:5.2f}x"
            )
        print(f"  engine (ORM):   {best_engine:8.2f} s")
        print(f"  raw SQL floor:  {best_floor:8.2f} s")
        print(f"  ratio:          {best_engine / best_floor:8.2f}x")
        grand_engine += best_engine
        grand_floor += best_floor
    print(
        f"\nboth periods: engine {grand_engine:.2f} s, floor {grand_floor:.2f} s, ratio {grand_engine / grand_floor:.2f}x"
    )


def _one_floor(cur: Any, period: str, regions: list[str], code: str) -> None:
    from laoxiao.plan.calculators import Period

    p = Period.parse(period)
    floor = Floor(cur, p.start, p.end)
    if code == "E08":
        for m in p.months():
            floor.E08_month(m.start, m.end)
    else:
        getattr(floor, code)()


if __name__ == "__main__":
    main()
