"""Selectors (with a cache) between the database and the pure projection and demand modules (``analysis``).

* ``platform_base``: the base population of every township (where figures exist; else the county)
  by sex and single year of age, built from the platform's own data at the end of the latest year
  with population figures:
  - ages 0–2: the child registry's counts by age and sex, scaled to the figure ``age_0_2``;
  - ages 60–100+: the older-people registry's counts by age and sex, scaled to ``age_60_plus``;
  - ages 3–59: the rest of ``population``, spread by the demo age shape
    (``data/age_shape.csv``, a demo assumption);
  age is the age reached in the year (base year − birth year), the age on 31 December.
* ``disability_prevalence``: the registry's share of people with a latest assessment of moderate
  or worse loss of ability (rule ``eldercare.disabled_levels``) among all registered people, by sex
  and 5-year age group (60–64 … 95–99, 100+), city-wide.
* ``platform_supply``: filed providers (beds and nursing-type beds of elder-care homes; childcare
  slots of the classes of childcare providers; floor area of community centres and meal points),
  plus what the major project list (not suspended) and residential projects add when they complete
  after the base date.

Everything is computed once per state of the data it depends on (``Fingerprint``: the registries,
the assessments, the figures, the providers and projects) and kept in memory (``_CACHE``): a change
to a provider recomputes the supply and the gaps only; a change to the registries the base
population (one GROUP BY over each registry, about 0.3 s on the demo city) and the projection.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.models import CharField, Count, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Concat, ExtractYear, Substr

from laoxiao.core.changelog import latest_change
from laoxiao.core.errors import NotFound
from laoxiao.core.rules import rule
from laoxiao.people.models import AbilityAssessment, Child, Elder
from laoxiao.plan.models import MajorProject
from laoxiao.planning.analysis import demand as d
from laoxiao.planning.analysis import projection as p
from laoxiao.planning.analysis.projection_files import read_assumptions, read_csv
from laoxiao.planning.models import ResidentialProject
from laoxiao.providers.models import CHILDCARE_KINDS, ChildcareClass, Provider
from laoxiao.regions.models import PopulationFigure, Region
from laoxiao.regions.scoping import code_within, level_of_code

APP = Path(__file__).resolve().parent.parent  # laoxiao/planning
DATA = APP / "data"
logger = logging.getLogger(__name__)
OPEN_AGE = p.OPEN_AGE
ELDER_AGE = 60


@dataclass
class PlatformBase:
    year: int  # the base year (population at its end)
    leaves: list[str]  # 12-digit codes of the regions projected (townships, or counties)
    names: dict[str, str]  # code → name for every region in the tree (city, counties, townships)
    parents: dict[str, list[str]]  # code of an aggregate (city, county) → its leaf codes
    population: np.ndarray  # (L, 2, A)
    persons_per_household: np.ndarray  # (L,)
    figures: dict[str, dict[str, int | None]]  # code → the base year's PopulationFigure values
    registered: np.ndarray  # (2, A) the older-people registry by sex and age (all regions)


_CACHE: dict[tuple[Any, ...], Any] = {}
_LOCK = threading.Lock()


def _cached(key: tuple[Any, ...], build: Any) -> Any:
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    value = build()
    with _LOCK:
        if len(_CACHE) > 32:
            _CACHE.clear()
        _CACHE[key] = value
    return value


class Fingerprint(NamedTuple):
    """The state of the data each part depends on: a change to providers recomputes the supply
    (milliseconds), not the base population and the projection (the registry scan)."""

    people: tuple[Any, ...]  # the two registries
    assessments: tuple[Any, ...]
    figures: tuple[Any, ...]  # population figures (the base year, the leaves, the totals)
    providers: tuple[Any, ...]  # providers, childcare classes, major and residential projects


def _stamp(model: Any, **aggregates: Any) -> tuple[Any, ...]:
    return tuple(model.objects.aggregate(**aggregates).values())


def fingerprint() -> Fingerprint:
    """Changes whenever the registries, figures, providers or projects change."""

    def n_max(model: Any, stamp: str) -> tuple[Any, ...]:
        return _stamp(model, n=Count("pk"), t=Max(stamp))

    def logged(*models: Any) -> tuple[int]:
        # every change is logged by the action that makes it: edits in place that leave counts
        # and sums alone (an assessment level, a figure's age groups, a renamed region) move this
        return (latest_change(*(m._meta.label_lower for m in models)),)

    return Fingerprint(
        people=n_max(Elder, "updated_at") + n_max(Child, "updated_at") + logged(Elder, Child),
        assessments=n_max(AbilityAssessment, "pk") + logged(AbilityAssessment),
        figures=_stamp(PopulationFigure, n=Count("pk"), m=Max("pk"), s=Sum("population"))
        + logged(PopulationFigure, Region),
        providers=(
            n_max(Provider, "updated_at")
            + n_max(ResidentialProject, "updated_at")
            + _stamp(ChildcareClass, n=Count("pk"), m=Max("pk"), s=Sum("capacity"))
            + _stamp(MajorProject, n=Count("pk"), m=Max("pk"), s=Sum("beds_added"), t=Sum("slots_added"))
            + logged(Provider, ResidentialProject, ChildcareClass, MajorProject)
        ),
    )


def base_year(city_prefix: str = "") -> int | None:

    qs = PopulationFigure.objects.all()
    if city_prefix:
        qs = qs.filter(region_code__startswith=city_prefix)
    return qs.aggregate(y=Max("year"))["y"]


def age_shape() -> tuple[np.ndarray, np.ndarray]:
    """Weights and male shares by single age 0..59 (data/age_shape.csv)."""
    weights = np.zeros(ELDER_AGE)
    male = np.zeros(ELDER_AGE)
    with open(DATA / "age_shape.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            a = int(row["age"])
            weights[a] = float(row["weight"])
            male[a] = float(row["male_share"])
    return weights, male


def _birth_year(field: str) -> Any:
    """The year of a date column. SQLite keeps dates as 'YYYY-MM-DD' text: its first four
    characters, without the per-row Python function Django's ExtractYear costs there."""
    if connection.vendor == "sqlite":
        return Substr(field, 1, 4)
    return ExtractYear(field)


def _registry_counts(qs: Any) -> list[tuple[str, str, int, int]]:
    """(township prefix, sex, birth year, people) of a registry queryset: one GROUP BY on a single
    key (9 + 4 + 1 characters), about 0.25 s over the demo city's 324,394 older people where three
    keys take 0.4 s; birth-year bounds are applied by the caller to the groups, so SQLite scans the
    table once instead of walking the birth-date index row by row (0.7 s)."""
    key = Concat(Substr("region_code", 1, 9), _birth_year("birth_date"), "sex", output_field=CharField())
    rows = qs.annotate(k=key).values("k").annotate(n=Count("pk")).values_list("k", "n")
    return [(k[:9], k[13:], int(k[9:13]), n) for k, n in rows]


def _tree() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:

    names, levels, parent = {}, {}, {}
    for code, name, level, parent_id in Region.objects.filter(
        level__in=(Region.Level.CITY, Region.Level.COUNTY, Region.Level.TOWNSHIP)
    ).values_list("code", "name", "level", "parent_id"):
        names[code], levels[code], parent[code] = name, level, parent_id or ""
    return names, levels, parent


def _build_base(year: int) -> PlatformBase:

    on = dt.date(year, 12, 31)
    names, levels, parent = _tree()
    figures: dict[str, dict[str, int | None]] = {}
    for f in PopulationFigure.objects.filter(year=year, region_code__in=list(names)):
        figures[f.region_code] = {k: getattr(f, k) for k in PopulationFigure.FIGURES}
    townships = [c for c, lv in levels.items() if lv == Region.Level.TOWNSHIP and c in figures]
    counties = [c for c, lv in levels.items() if lv == Region.Level.COUNTY]
    covered = {parent[t] for t in townships}
    leaves = sorted(townships + [c for c in counties if c not in covered and c in figures])
    index = {c: i for i, c in enumerate(leaves)}
    prefix_len = {c: (9 if levels[c] == Region.Level.TOWNSHIP else 6) for c in leaves}
    by_prefix = {c[: prefix_len[c]]: c for c in leaves}

    def leaf_of(region_code: str) -> str | None:
        return by_prefix.get(region_code[:9]) or by_prefix.get(region_code[:6])

    L = len(leaves)
    pop = np.zeros((L, 2, OPEN_AGE + 1))
    present = (Q(died_on__isnull=True) | Q(died_on__gt=on)) & (
        Q(moved_out_on__isnull=True) | Q(moved_out_on__gt=on)
    )
    elders = np.zeros((L, 2, OPEN_AGE + 1))
    registered = np.zeros((2, OPEN_AGE + 1))
    for township, sex_code, birth_year, n in _registry_counts(Elder.objects.filter(present)):
        if birth_year > year - ELDER_AGE:
            continue
        age = min(year - birth_year, OPEN_AGE)
        sex = 1 if sex_code == "M" else 0
        registered[sex, age] += n
        leaf = leaf_of(township + "000")
        if leaf is not None:
            elders[index[leaf], sex, age] += n
    children = np.zeros((L, 2, 3))
    for township, sex_code, birth_year, n in _registry_counts(Child.objects.filter(present)):
        age = year - birth_year
        leaf = leaf_of(township + "000")
        if leaf is None or not 0 <= age <= 2:  # born in the last three years, by the base date
            continue
        children[index[leaf], 1 if sex_code == "M" else 0, age] += n
    weights, male_share = age_shape()
    pph = np.zeros(L)
    for code, i in index.items():
        fig = figures[code]
        total = float(fig["population"] or 0)
        old_n = float(fig["age_60_plus"]) if fig["age_60_plus"] is not None else elders[i].sum()
        young_n = float(fig["age_0_2"]) if fig["age_0_2"] is not None else children[i].sum()
        pop[i, :, ELDER_AGE:] = _scaled(elders[i, :, ELDER_AGE:], old_n, fallback=_old_shape())
        pop[i, :, :3] = _scaled(children[i], young_n, fallback=_young_shape(weights, male_share))
        middle = max(total - pop[i].sum(), 0.0)
        w = weights[3:ELDER_AGE]
        spread = middle * w / w.sum()
        pop[i, 1, 3:ELDER_AGE] = spread * male_share[3:ELDER_AGE]
        pop[i, 0, 3:ELDER_AGE] = spread * (1 - male_share[3:ELDER_AGE])
        households = fig.get("households")
        pph[i] = total / households if households else 0.0
    parents: dict[str, list[str]] = defaultdict(list)
    for leaf in leaves:
        code = parent.get(leaf, "")
        while code:
            parents[code].append(leaf)
            code = parent.get(code, "")
    return PlatformBase(year, leaves, names, dict(parents), pop, pph, figures, registered)


def _scaled(counts: np.ndarray, total: float, *, fallback: np.ndarray) -> np.ndarray:
    s = counts.sum()
    if s > 0:
        return counts * (total / s)
    return fallback * total


def _old_shape() -> np.ndarray:
    """Used only where a region has a 60+ figure but nobody in the registry: even by sex, falling
    with age."""
    ages = np.arange(ELDER_AGE, OPEN_AGE + 1)
    w = np.exp(-(ages - ELDER_AGE) / 9.0)
    w = w / w.sum() / 2
    return np.stack([w, w])


def _young_shape(weights: np.ndarray, male_share: np.ndarray) -> np.ndarray:
    w = weights[:3] / weights[:3].sum()
    return np.stack([w * (1 - male_share[:3]), w * male_share[:3]])


def _base_key(year: int, fp: Fingerprint) -> tuple[Any, ...]:
    return ("base", year, fp.people, fp.figures)


def platform_base(year: int | None = None, fp: Fingerprint | None = None) -> PlatformBase | None:
    year = year or base_year()
    if year is None:
        return None
    return _cached(_base_key(year, fp or fingerprint()), lambda: _build_base(year))


def disability_prevalence(base: PlatformBase, fp: Fingerprint | None = None) -> np.ndarray:
    """(2, A): disabled ÷ registered by sex and 5-year group from 60 (100+ open), city-wide."""
    fp = fp or fingerprint()
    key = ("prevalence", *_base_key(base.year, fp), fp.assessments)
    return _cached(key, lambda: _build_prevalence(base))


def _build_prevalence(base: PlatformBase) -> np.ndarray:

    year = base.year
    on = dt.date(year, 12, 31)
    levels = set(rule("eldercare.disabled_levels", on=on)["levels"])
    # Each present person's latest assessment by the base date (one per day and person: the
    # constraint assessment_elder_date), counted in SQL by sex and birth year.
    latest = (
        AbilityAssessment.objects.filter(elder_id=OuterRef("elder_id"), assessed_on__lte=on)
        .order_by("-assessed_on")
        .values("assessed_on")[:1]
    )
    rows = (
        AbilityAssessment.objects.filter(assessed_on__lte=on, assessed_on=Subquery(latest))
        .filter(Q(elder__died_on__isnull=True) | Q(elder__died_on__gt=on))
        .filter(Q(elder__moved_out_on__isnull=True) | Q(elder__moved_out_on__gt=on))
        .filter(level__in=sorted(levels))
        .annotate(y=_birth_year("elder__birth_date"))
        .values("elder__sex", "y")
        .annotate(n=Count("pk"))
    )
    disabled = np.zeros((2, OPEN_AGE + 1))
    for r in rows:
        age = year - int(r["y"])
        if age >= ELDER_AGE:
            disabled[1 if r["elder__sex"] == "M" else 0, min(age, OPEN_AGE)] += r["n"]
    return prevalence_by_group(disabled, base.registered)


def prevalence_by_group(disabled: np.ndarray, registered: np.ndarray, width: int = 5) -> np.ndarray:
    """Shares by sex and ``width``-year group from 60, spread back over single ages."""
    out = np.zeros((2, OPEN_AGE + 1))
    for lo in range(ELDER_AGE, OPEN_AGE + 1, width):
        hi = OPEN_AGE + 1 if lo + width > OPEN_AGE else lo + width
        for s in (0, 1):
            n = registered[s, lo:hi].sum()
            out[s, lo:hi] = disabled[s, lo:hi].sum() / n if n else 0.0
    return out


def platform_supply(base: PlatformBase, fp: Fingerprint | None = None) -> d.Supply:
    fp = fp or fingerprint()
    return _cached(("supply", base.year, fp.figures, fp.providers), lambda: _build_supply(base))


def _build_supply(base: PlatformBase) -> d.Supply:

    on = dt.date(base.year, 12, 31)
    index = {c: i for i, c in enumerate(base.leaves)}
    by_prefix = {c[: (9 if c[6:9] != "000" else 6)]: c for c in base.leaves}

    def leaf(code: str) -> int | None:
        c = by_prefix.get(code[:9]) or by_prefix.get(code[:6])
        return None if c is None else index[c]

    existing = {m: np.zeros(len(base.leaves)) for m in d.MEASURES}
    filed = Provider.objects.filter(filing_status=Provider.FilingStatus.FILED).filter(
        Q(filed_on__isnull=True) | Q(filed_on__lte=on), Q(opened_on__isnull=True) | Q(opened_on__lte=on)
    )
    for code, beds, nursing in filed.filter(kind="eldercare_home").values_list(
        "region_code", "beds", "nursing_beds"
    ):
        i = leaf(code)
        if i is not None:
            existing["beds"][i] += beds
            existing["nursing_beds"][i] += nursing
    for code, area in filed.filter(kind__in=("community_centre", "meal_point")).values_list(
        "region_code", "floor_area"
    ):
        i = leaf(code)
        if i is not None and area:
            existing["floor_area"][i] += area
    for code, capacity in ChildcareClass.objects.filter(
        provider__in=filed.filter(kind__in=CHILDCARE_KINDS).values("pk")
    ).values_list("provider__region_code", "capacity"):
        i = leaf(code)
        if i is not None:
            existing["slots"][i] += capacity
    additions: list[tuple[int, int, dict[str, float]]] = []
    for mp in MajorProject.objects.exclude(status=MajorProject.Status.SUSPENDED):
        done = mp.completes_on.year if mp.completes_on else mp.year
        if (mp.completes_on or dt.date(mp.year, 12, 31)) <= on:
            continue  # completed by the base date: its capacity is among the filed providers
        i = leaf(mp.region_code)
        if i is not None:
            additions.append(
                (
                    i,
                    done,
                    {
                        "beds": mp.beds_added,
                        "nursing_beds": mp.nursing_beds_added,
                        "slots": mp.slots_added,
                        "floor_area": float(mp.floor_area_added),
                    },
                )
            )
    for rp in ResidentialProject.objects.filter(delivery_date__gt=on):
        i = leaf(rp.region_code)
        if i is not None and rp.delivery_date is not None:
            additions.append(
                (
                    i,
                    rp.delivery_date.year,
                    {"slots": rp.childcare_slots, "floor_area": float(rp.eldercare_floor_area)},
                )
            )
    return d.Supply(existing, additions)


# --- the projection and the demand of the platform's regions ------------------------------------


SCENARIOS_DIR = DATA


def scenarios() -> list[str]:
    """The fertility scenarios of the shipped assumptions."""
    return _cached(("scenarios", (SCENARIOS_DIR / "fertility.csv").stat().st_mtime), _read_scenarios)


def _read_scenarios() -> list[str]:

    t = read_csv(SCENARIOS_DIR / "fertility.csv", required=("age", "rate"))
    return sorted({cells.get("scenario", "") or "baseline" for _row, cells in t.rows})


@dataclass
class PlatformResult:
    base: PlatformBase
    scenario: str
    years: list[int]
    projection: p.Projection  # leaves
    table: d.DemandTable  # leaves

    def aggregate_index(self, code: str) -> list[int]:
        return leaf_indices(self.base, code)


def leaf_indices(base: PlatformBase, code: str) -> list[int]:
    """Leaf indices making up ``code`` (a leaf itself or an aggregate; [] if unknown)."""
    if code in base.leaves:
        return [base.leaves.index(code)]
    index = {c: i for i, c in enumerate(base.leaves)}
    return [index[c] for c in base.parents.get(code, [])]


def platform_projection(*, scenario: str | None = None, to_year: int = 2035) -> PlatformResult | None:
    """The projection, demand, supply and gaps of every leaf region (computed once per state of
    the data, scenario and last year; shared by the server's processes through the ``planning``
    cache where settings configure one)."""
    fp = fingerprint()
    year = base_year()
    if year is None:
        return None
    key = ("result", year, scenario, to_year, fp)

    def build() -> PlatformResult | None:
        shared = _shared_cache()
        shared_key = _shared_key(key, year) if shared is not None else ""
        if shared is not None:
            hit = _shared_get(shared, shared_key)
            if hit is not None:
                return hit
        base = platform_base(year, fp)
        if base is None or not base.leaves:
            return None
        result = _build_result(base, scenario, to_year, fp)
        if shared is not None:
            _shared_set(shared, shared_key, result)
        return result

    return _cached(key, build)


# --- the cache shared by processes ----------------------------------------------------------
# A new server process (or each of several workers) would otherwise rebuild the base population
# on its first request; with a shared cache only the first process after a change of the data
# does (docs/decisions/0003-planning-shared-cache.md).

CACHE_ALIAS = "planning"
CACHE_FORMAT = 1  # bump when PlatformResult or the meaning of its figures changes
_CODE = (
    "selectors/demand.py",
    "analysis/demand.py",
    "analysis/projection.py",
    "analysis/projection_files.py",
)


def _shared_cache() -> Any:

    if CACHE_ALIAS not in getattr(settings, "CACHES", {}):
        return None
    return caches[CACHE_ALIAS]


def _shared_key(key: tuple[Any, ...], year: int) -> str:
    """The key of a result across processes: the in-process key, the database, the assumption
    files, the code that computes it and the rules it reads (a deployment that changes any of
    them misses the old entries)."""

    on = dt.date(year, 12, 31)
    files = [*sorted(SCENARIOS_DIR.glob("*.csv")), *(APP / name for name in _CODE)]
    stamps = [(f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.exists()]
    rules = [rule(k, on=on) for k in ("eldercare.disabled_levels", "planning.facility_ratios")]
    raw = repr(
        (
            CACHE_FORMAT,
            str(connection.settings_dict.get("NAME")),
            stamps,
            json.dumps(rules, sort_keys=True, default=str),
            key,
        )
    )
    return "projection:" + hashlib.sha256(raw.encode()).hexdigest()


def _shared_get(cache: Any, key: str) -> PlatformResult | None:
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001 - an unreadable entry is a miss, never a failed page
        logger.warning("planning cache: unreadable entry %s", key, exc_info=True)
        return None
    return value if isinstance(value, PlatformResult) else None


def _shared_set(cache: Any, key: str, value: PlatformResult) -> None:
    try:
        cache.set(key, value)
    except Exception:  # noqa: BLE001 - a full disk must not fail the page that computed the result
        logger.warning("planning cache: could not store %s", key, exc_info=True)


def _project(base: PlatformBase, scenario: str | None, to_year: int) -> tuple[str, p.Projection]:
    a = read_assumptions(SCENARIOS_DIR, open_age=OPEN_AGE, regions=base.leaves, scenario=scenario)
    proj = p.project(
        base.population, base_year=base.year, to_year=max(to_year, base.year), assumptions_for=a.source
    )
    return a.scenario, proj


def _build_result(base: PlatformBase, scenario: str | None, to_year: int, fp: Fingerprint) -> PlatformResult:
    key = ("projection", *_base_key(base.year, fp), scenario, to_year)
    scenario_name, proj = _cached(key, lambda: _project(base, scenario, to_year))
    on = dt.date(base.year, 12, 31)
    ratios = d.Ratios.from_rule(rule("planning.facility_ratios", on=on))
    table = d.demand(
        proj.population,
        proj.years,
        prevalence=disability_prevalence(base, fp),
        persons_per_household=base.persons_per_household,
        ratios=ratios,
        supply=platform_supply(base, fp),
    )
    return PlatformResult(base, scenario_name, proj.years, proj, table)


def region_series(result: PlatformResult, code: str) -> dict[str, Any]:
    """Everything the pages and the API show for one region: yearly rows of demand, supply and
    gap, and the pyramid (by sex and 5-year group) of the base year and the last year."""
    idx = result.aggregate_index(code)
    if not idx:
        return {}
    t = result.table
    agg = d.DemandTable(
        t.years,
        {k: v[:, idx].sum(axis=1, keepdims=True) for k, v in t.groups.items()},
        {k: v[:, idx].sum(axis=1, keepdims=True) for k, v in t.need.items()},
        {k: v[:, idx].sum(axis=1, keepdims=True) for k, v in t.supply.items()},
        {k: v[:, idx].sum(axis=1, keepdims=True) for k, v in t.gap.items()},
    )
    pop = result.projection.population[:, idx].sum(axis=1)  # (Y, 2, A)
    comps = {
        "births": result.projection.births[:, idx].sum(axis=(1, 2)).round(0).tolist(),
        "deaths": result.projection.deaths[:, idx].sum(axis=(1, 2)).round(0).tolist(),
        "migration": result.projection.migration[:, idx].sum(axis=(1, 2)).round(0).tolist(),
    }
    rows = agg.rows(0)
    for i, row in enumerate(rows):
        for k, values in comps.items():
            row[k] = int(values[i - 1]) if i > 0 else None  # type: ignore[assignment]
    return {
        "code": code,
        "name": result.base.names.get(code, code),
        "base_year": result.base.year,
        "scenario": result.scenario,
        "years": t.years,
        "rows": rows,
        "components": comps,
        "pyramids": {str(result.years[i]): pyramid(pop[i]) for i in sorted({0, len(result.years) - 1})},
    }


def pyramid(pop: np.ndarray) -> dict[str, Any]:
    """Population by 5-year group (0–4 … 95–99, 100+) and sex."""
    labels, female, male = [], [], []
    for lo in range(0, OPEN_AGE + 1, 5):
        hi = OPEN_AGE + 1 if lo + 5 > OPEN_AGE else lo + 5
        labels.append(f"{lo}+" if lo == OPEN_AGE else f"{lo}-{hi - 1}")
        female.append(int(round(float(pop[0, lo:hi].sum()))))
        male.append(int(round(float(pop[1, lo:hi].sum()))))
    return {"groups": labels, "female": female, "male": male}


def gap_by_county(result: PlatformResult, year: int, measure: str) -> list[dict[str, Any]]:
    """The need, supply and gap of ``measure`` in ``year`` for each county (for the map)."""

    if year not in result.years:
        return []
    yi = result.years.index(year)
    counties = {c for c in [*result.base.parents, *result.base.leaves] if level_of_code(c) == "county"}
    out = []
    for code in sorted(counties):
        idx = result.aggregate_index(code)
        out.append(
            {
                "code": code,
                "name": result.base.names.get(code, code),
                "need": int(round(float(result.table.need[measure][yi, idx].sum()))),
                "supply": int(round(float(result.table.supply[measure][yi, idx].sum()))),
                "gap": int(round(float(result.table.gap[measure][yi, idx].sum()))),
            }
        )
    return out


# --- the regions of the demand pages and their series ---------------------------------------------


DEMAND_LEVELS = ("city", "county", "township")


def demand_regions(*, actor: Any) -> list[tuple[str, str, str]]:
    """(code, name, level) of the city, counties and townships the actor may see."""

    return list(
        Region.objects.visible_to(actor)
        .filter(level__in=DEMAND_LEVELS)
        .order_by("code")
        .values_list("code", "name", "level")
    )


def demand_region(*, actor: Any, code: str) -> str:
    """The 12-digit code of a city, county or township the actor may see, else ``NotFound``."""

    code = (code or "").strip()
    if len(code) in (6, 9) and code.isdigit():
        code = code.ljust(12, "0")
    if not Region.objects.visible_to(actor).filter(code=code, level__in=DEMAND_LEVELS).exists():
        raise NotFound(code)
    return code


def malformed_region(code: str | None) -> bool:
    """Whether ``code`` cannot be a division code at all (the API answers 422 for it; 404 for a
    well-formed code that names no region or one outside the caller's regions)."""
    code = (code or "").strip()
    return not (code.isdigit() and 4 <= len(code) <= 12)


def region_outside_scope(*, actor: Any, code: str) -> bool:
    """Whether ``code`` (6, 9 or 12 digits) names a region that exists but lies outside the actor's
    regions: the pages answer 404 for it, and show the form's message for a code that is malformed
    or names no region."""

    code = (code or "").strip()
    if not code.isdigit() or len(code) not in (6, 9, 12):
        return False
    code = code.ljust(12, "0")
    if not Region.objects.filter(code=code).exists():
        return False
    return not code_within(code, actor.region_prefixes())


def demand_series(
    *, actor: Any, code: str, scenario: str | None = None, to_year: int = 2035
) -> dict[str, Any]:
    """Projection, demand, supply and gaps of one region the actor may see (``NotFound`` outside,
    or where no population figures exist)."""
    return demand_view(actor=actor, code=code, scenario=scenario, to_year=to_year)["series"]


def demand_view(
    *,
    actor: Any,
    code: str,
    scenario: str | None = None,
    to_year: int = 2035,
    year: int | None = None,
    measure: str | None = None,
) -> dict[str, Any]:
    """``series`` of one region (see ``demand_series``) and, with ``year`` and ``measure``, the
    ``counties`` the actor may see with their need, supply and gap (for the map)."""

    code = demand_region(actor=actor, code=code)
    result = platform_projection(scenario=scenario, to_year=to_year)
    if result is None:
        raise NotFound(code)
    series = region_series(result, code)
    if not series:
        raise NotFound(code)
    counties: list[dict[str, Any]] = []
    if year is not None and measure is not None:
        prefixes = actor.region_prefixes()
        counties = [
            r
            for r in gap_by_county(result, year, measure)
            if prefixes is None or code_within(r["code"], prefixes)
        ]
    return {"series": series, "counties": counties}
