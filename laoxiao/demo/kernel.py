"""The demo's kernel: the city's specs, the random streams, the region tree and its figures, and
the context every step of the build writes through (``DemoContext``, ``Step``).

The step modules (``people``, ``providers``, ``residential``, ``plan_tracking``, ...) import this
module; the build (``laoxiao.demo.generator``) imports the steps. What is real and what is made up,
and how the figures are chosen, is told in ``laoxiao.demo.generator``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from laoxiao.demo import geo

CITY_CODE = "340600"
CITY_NAME = "淮北市"
CITY_SEAT = (116.7983, 33.9550)  # 淮北市人民政府, roughly (in 相山区)

# the plan's city totals (scale 1); 80+ is our choice: 15% of 60+
RATIO_80_OF_60 = 0.15
CITY_TOTALS: dict[str, int] = {
    "population": 1_970_265,
    "age_60_plus": 324_394,
    "age_65_plus": 264_889,
    "age_0_2": 62_902,
    "age_80_plus": round(324_394 * RATIO_80_OF_60),  # 48,659
}
BASE_YEAR = 2020  # the plan's population figures are for 2020; the demo's years run from it
PLAN_REFERENCE = dt.date(2021, 12, 31)  # the day the plan's "at present" figures are given for


def default_years(as_of: dt.date) -> tuple[int, ...]:
    """The years of population figures by default: 2020 … the as-of year."""
    return tuple(range(BASE_YEAR, max(BASE_YEAR, as_of.year) + 1))


def until(as_of: dt.date, day: dt.date) -> dt.date:
    """A window end chosen for the plan's reference day (2021-12-31), moved to ``as_of``: the same
    distance before it. Window starts stay where they are, so a window stretches up to the present."""
    return day + (as_of - PLAN_REFERENCE)


# random streams, one per step (never renumber: that would change every demo city)
STREAM_TREE = 1
STREAM_GEO = 2
STREAM_POPULATION = 3
STREAM_PROVIDERS = 11  # laoxiao/demo/providers.py
STREAM_SUPERVISION = 12  # its supervision records

URBAN_MEAN = 7_000  # people per urban community
VILLAGE_MEAN = 2_000  # people per village


@dataclasses.dataclass(frozen=True)
class TownshipSpec:
    name: str
    kind: str  # "subdistrict" (街道) or "town" (镇)
    weight: float = 1.0  # relative population within the county
    urban_share: float | None = None  # towns: share living in the town-seat communities
    seat: bool = False  # the county seat: placed near the city centre


@dataclasses.dataclass(frozen=True)
class CountySpec:
    code6: str
    name: str
    census_2020: int
    townships: tuple[TownshipSpec, ...]
    trend: float = 0.0  # yearly drift of its share after 2020


def _s(*names: str, weight: float = 1.0) -> tuple[TownshipSpec, ...]:
    return tuple(TownshipSpec(n, "subdistrict", weight) for n in names)


def _t(*names: str, weight: float = 1.0) -> tuple[TownshipSpec, ...]:
    return tuple(TownshipSpec(n, "town", weight) for n in names)


COUNTIES: tuple[CountySpec, ...] = (
    CountySpec(
        "340602",
        "杜集区",
        239_700,
        (*_s("高岳街道", "矿山集街道", "杜集街道", weight=1.2), *_t("朔里镇", "石台镇", "段园镇")),
    ),
    CountySpec(
        "340603",
        "相山区",
        548_900,
        (
            *_s(
                "相南街道",
                "东街道",
                "西街道",
                "南黎街道",
                "三堤口街道",
                "任圩街道",
                "曲阳街道",
                "东山街道",
            ),
            *_t("渠沟镇", weight=0.6),
        ),
        trend=0.004,
    ),
    CountySpec(
        "340604",
        "烈山区",
        249_200,
        (
            *_s("任楼街道", "杨庄街道", "临海童街道", "百善街道", weight=1.2),
            *_t("烈山镇", "宋疃镇", "古饶镇"),
        ),
        trend=-0.002,
    ),
    CountySpec(
        "340621",
        "濉溪县",
        932_400,
        (
            TownshipSpec("濉溪镇", "town", weight=3.0, urban_share=0.7, seat=True),
            *_t(
                "韩村镇",
                "刘桥镇",
                "五沟镇",
                "临涣镇",
                "双堆集镇",
                "铁佛镇",
                "南坪镇",
                "百善镇",
                "孙疃镇",
                "四铺镇",
            ),
        ),
        trend=-0.003,
    ),
)

# syllables for synthetic names
_URBAN_A = "锦翠金银新东西南北华和康乐安春明兴福荣泰惠清瑞祥嘉景雅博丰长文德仁育桂枫"
_URBAN_B = "苑园城湖山河桥庭岸林源阳盛泉景苑府里坊湾"
_SURNAMES = (
    "张王李刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许沈彭吕苏卢蒋蔡贾丁魏"
    "薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭邹金陆郝孔白崔康毛邱秦江史顾侯邵孟段雷钱汤尹常武乔贺"
)
_VILLAGE_SUFFIX = "庄楼集圩湖桥营寨店园洼台岗口湾塘沟窑寺场"
_DIRECTIONS = "前后东西南北大小"


@dataclasses.dataclass
class Profile:
    """A community's character, fixed for all years: what its figures are drawn around."""

    base_population: float
    share_60: float
    ratio_65: float  # of 60+
    ratio_80: float  # of 60+
    share_0_2: float
    household_size: float


@dataclasses.dataclass
class DemoRegion:
    code: str
    name: str
    level: str
    parent_code: str | None
    is_rural: bool
    lon: float | None = None
    lat: float | None = None
    profile: Profile | None = None  # communities only
    kind: str = ""  # townships: "subdistrict" / "town"
    near_centre: bool = False  # townships: subdistricts and the county seat sit near the city centre

    def record(self) -> dict[str, Any]:
        """The record ``regions_upsert`` takes."""
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "parent_code": self.parent_code,
            "is_rural": self.is_rural,
            "lon": None if self.lon is None else round(self.lon, 6),
            "lat": None if self.lat is None else round(self.lat, 6),
        }


def rng_for(seed: int, *stream: int) -> np.random.Generator:
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    return np.random.default_rng([seed, *stream])


def scaled(value: int, scale: float) -> int:
    """``value × scale`` rounded half up (the same rule for every total)."""
    return math.floor(value * scale + 0.5)


# --- apportionment -----------------------------------------------------------------------------


def apportion(
    total: int, weights: Sequence[float] | np.ndarray, caps: Sequence[int] | np.ndarray | None = None
) -> np.ndarray:
    """Split the integer ``total`` in proportion to ``weights`` (largest remainder), never giving an
    entry more than its cap. Deterministic: ties go to the earlier entry. Returns an int64 array
    summing exactly to ``total``.
    """
    w = np.asarray(weights, dtype=float)
    n = len(w)
    cap = np.full(n, total, dtype=np.int64) if caps is None else np.asarray(caps, dtype=np.int64)
    if total < 0 or (n == 0 and total) or int(cap.sum()) < total:
        raise ValueError(f"cannot apportion {total} within caps summing to {int(cap.sum())}")
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    w = np.where(cap > 0, np.clip(w, 0.0, None), 0.0)
    quota = np.zeros(n)
    free = cap > 0
    remaining = float(total)
    while free.any() and remaining > 0:
        ws = w[free].sum()
        share = np.where(free, w, 0.0)
        if ws <= 0:  # only zero weights left: split by room
            share = np.where(free, cap.astype(float), 0.0)
            ws = share.sum()
        q = remaining * share / ws
        over = free & (q > cap)
        if not over.any():
            quota[free] = q[free]
            break
        quota[over] = cap[over]
        remaining -= float(cap[over].sum())
        free &= ~over
    base = np.minimum(np.floor(quota + 1e-9).astype(np.int64), cap)
    frac = quota - base
    left = total - int(base.sum())
    order = np.lexsort((np.arange(n), -frac))  # largest remainder first
    while left > 0:
        moved = False
        for i in order:
            if left == 0:
                break
            if base[i] < cap[i]:
                base[i] += 1
                left -= 1
                moved = True
        if not moved:  # pragma: no cover - excluded by the caps check above
            raise ValueError("apportionment ran out of room")
    for i in order[::-1]:  # float noise may overshoot by a unit or two
        if left == 0:
            break
        if base[i] > 0:
            base[i] -= 1
            left += 1
    return base


# --- the region tree ---------------------------------------------------------------------------


def _pad(code: str) -> str:
    return code.ljust(12, "0")


def _unique_name(make: Callable[[], str], used: set[str], suffix: str, rng: np.random.Generator) -> str:
    for _ in range(200):
        name = make() + suffix
        if name not in used:
            used.add(name)
            return name
    while True:  # a direction prefix frees up more names
        name = _DIRECTIONS[int(rng.integers(len(_DIRECTIONS)))] + make() + suffix
        if name not in used:
            used.add(name)
            return name


def _pick(rng: np.random.Generator, chars: str) -> str:
    return chars[int(rng.integers(len(chars)))]


def _urban_profile(rng: np.random.Generator, pop: float) -> Profile:
    return Profile(
        base_population=pop,
        share_60=float(np.clip(rng.normal(0.147, 0.012), 0.11, 0.19)),
        ratio_65=float(rng.uniform(0.79, 0.84)),
        ratio_80=float(rng.uniform(0.13, 0.17)),
        share_0_2=float(np.clip(rng.normal(0.034, 0.003), 0.024, 0.044)),
        household_size=float(rng.uniform(2.55, 2.8)),
    )


def _village_profile(rng: np.random.Generator, pop: float) -> Profile:
    return Profile(
        base_population=pop,
        share_60=float(np.clip(rng.normal(0.19, 0.015), 0.15, 0.24)),
        ratio_65=float(rng.uniform(0.80, 0.85)),
        ratio_80=float(rng.uniform(0.14, 0.18)),
        share_0_2=float(np.clip(rng.normal(0.029, 0.003), 0.02, 0.038)),
        household_size=float(rng.uniform(2.75, 2.95)),
    )


def _sizes(rng: np.random.Generator, total: float, n: int, lo: float, hi: float) -> list[float]:
    u = rng.uniform(lo, hi, n)
    return [float(x) for x in total * u / u.sum()]


def plan_tree(seed: int) -> list[DemoRegion]:
    """The city, counties, townships and communities with their profiles; no coordinates yet."""
    rng = rng_for(seed, STREAM_TREE)
    out = [DemoRegion(_pad(CITY_CODE), CITY_NAME, "city", None, False)]
    county_pops = apportion(CITY_TOTALS["population"], [c.census_2020 for c in COUNTIES])
    for spec, county_pop in zip(COUNTIES, county_pops, strict=True):
        county_code = _pad(spec.code6)
        out.append(DemoRegion(county_code, spec.name, "county", out[0].code, False))
        weights = np.array([t.weight for t in spec.townships]) * rng.lognormal(0.0, 0.2, len(spec.townships))
        town_pops = float(county_pop) * weights / weights.sum()
        used: set[str] = set()
        n_sub = n_town = 0
        for tspec, tpop in zip(spec.townships, town_pops, strict=True):
            if tspec.kind == "subdistrict":
                n_sub += 1
                tcode = spec.code6 + f"{n_sub:03d}"
                urban_pop, rural_pop = float(tpop), 0.0
            else:
                tcode = spec.code6 + f"{100 + n_town:03d}"
                n_town += 1
                share = tspec.urban_share if tspec.urban_share is not None else float(rng.uniform(0.1, 0.2))
                urban_pop, rural_pop = float(tpop) * share, float(tpop) * (1 - share)
            township = DemoRegion(
                _pad(tcode),
                tspec.name,
                "township",
                county_code,
                tspec.kind == "town",
                kind=tspec.kind,
                near_centre=tspec.seat or tspec.kind == "subdistrict",
            )
            out.append(township)
            n_urban = max(1 if tspec.kind == "town" else 3, round(urban_pop / URBAN_MEAN))
            for i, pop in enumerate(_sizes(rng, urban_pop, n_urban, 0.45, 1.6), start=1):
                name = _unique_name(lambda: _pick(rng, _URBAN_A) + _pick(rng, _URBAN_B), used, "社区", rng)
                out.append(
                    DemoRegion(
                        tcode + f"{i:03d}",
                        name,
                        "community",
                        township.code,
                        False,
                        profile=_urban_profile(rng, pop),
                    )
                )
            if rural_pop:
                n_villages = max(3, round(rural_pop / VILLAGE_MEAN))
                for i, pop in enumerate(_sizes(rng, rural_pop, n_villages, 0.5, 1.4), start=200):
                    name = _unique_name(
                        lambda: _pick(rng, _SURNAMES) + _pick(rng, _VILLAGE_SUFFIX), used, "村", rng
                    )
                    out.append(
                        DemoRegion(
                            tcode + f"{i:03d}",
                            name,
                            "community",
                            township.code,
                            True,
                            profile=_village_profile(rng, pop),
                        )
                    )
    return out


# --- geography ---------------------------------------------------------------------------------


def place_regions(regions: list[DemoRegion], seed: int) -> None:
    """Give every region a centre inside its real county boundary (in place).

    Townships are spread over the county by best-candidate sampling; subdistricts and the county
    seat take the part of the county nearest the city centre. Urban communities lie within 1.5 km of
    their township's centre; villages 0.8–5 km away, in the township's own Voronoi cell.
    """
    rng = rng_for(seed, STREAM_GEO)
    shapes = geo.county_shapes(CITY_CODE)
    by_parent: dict[str, list[DemoRegion]] = {}
    for r in regions:
        if r.parent_code:
            by_parent.setdefault(r.parent_code, []).append(r)
    city = regions[0]
    city.lon, city.lat = CITY_SEAT
    for county in by_parent[city.code]:
        shape = shapes[county.code[:6]]
        county.lon, county.lat = CITY_SEAT if geo.contains(shape, *CITY_SEAT) else geo.interior_point(shape)
        townships = by_parent.get(county.code, [])
        centres = _township_centres(shape, townships, rng)
        for township, (x, y) in zip(townships, centres, strict=True):
            township.lon, township.lat = x, y
        cx = np.array([c[0] for c in centres])
        cy = np.array([c[1] for c in centres])
        coslat = math.cos(math.radians(float(cy.mean())))
        for k, township in enumerate(townships):
            kids = by_parent.get(township.code, [])
            urban = [c for c in kids if not c.is_rural]
            rural = [c for c in kids if c.is_rural]
            centre = (centres[k][0], centres[k][1])
            for c, (x, y) in zip(
                urban, geo.scatter_near(shape, centre, len(urban), rng, min_km=0.1, max_km=1.5), strict=True
            ):
                c.lon, c.lat = x, y
            if not rural:
                continue
            others = np.delete(np.arange(len(townships)), k)
            if len(others):
                gap = min(geo.distance_km(*centre, float(cx[j]), float(cy[j])) for j in others)
            else:
                gap = 10.0
            reach = float(np.clip(0.75 * gap, 2.0, 5.0))

            own_cell = _voronoi_cell(cx, cy, coslat, k)
            points = geo.scatter_near(
                shape, centre, len(rural), rng, min_km=min(0.8, reach / 3), max_km=reach, accept=own_cell
            )
            for c, (x, y) in zip(rural, points, strict=True):
                c.lon, c.lat = x, y


def _voronoi_cell(
    cx: np.ndarray, cy: np.ndarray, coslat: float, k: int
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A mask function: which points lie nearer centre ``k`` than any other centre."""

    def own(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        d = ((xs[:, None] - cx[None, :]) * coslat) ** 2 + (ys[:, None] - cy[None, :]) ** 2
        return np.asarray(np.argmin(d, axis=1) == k)

    return own


def _township_centres(
    shape: Any, townships: list[DemoRegion], rng: np.random.Generator
) -> list[tuple[float, float]]:
    pool = geo.sample_in(geo.shrink(shape, 1.0), 4000, rng)
    coslat = math.cos(math.radians(float(pool[:, 1].mean())))
    d_seat = np.hypot((pool[:, 0] - CITY_SEAT[0]) * coslat, pool[:, 1] - CITY_SEAT[1])
    near = pool[np.argsort(d_seat, kind="stable")]
    n_core = sum(1 for t in townships if t.near_centre)
    core_pool = near[: max(60, int(len(near) * min(0.9, 0.1 + 0.8 * n_core / max(1, len(townships)))))]
    order = sorted(range(len(townships)), key=lambda i: not townships[i].near_centre)  # core first
    placed: list[tuple[float, float]] = []
    result: dict[int, tuple[float, float]] = {}
    for i in order:
        pts = core_pool if townships[i].near_centre else pool
        point = geo.best_candidate(pts, placed, rng, coslat=coslat)
        placed.append(point)
        result[i] = point
    return [result[i] for i in range(len(townships))]


def plan_regions(seed: int) -> list[DemoRegion]:
    """The whole region tree with centres and profiles: pure, deterministic in ``seed``."""
    regions = plan_tree(seed)
    place_regions(regions, seed)
    return regions


# --- population --------------------------------------------------------------------------------


def city_totals(scale: float) -> dict[str, int]:
    return {k: scaled(v, scale) for k, v in CITY_TOTALS.items()}


def population_records(
    regions: Sequence[DemoRegion], *, seed: int, scale: float, years: Iterable[int]
) -> list[dict[str, Any]]:
    """Entered figures for every community and year (the records ``population_upsert`` takes)."""
    communities = [r for r in regions if r.profile is not None]
    county_order = [c.code6 for c in COUNTIES]
    county_of = np.array([county_order.index(r.code[:6]) for r in communities])
    rural = np.array([r.is_rural for r in communities])
    profiles = [r.profile for r in communities if r.profile is not None]
    base = np.array([p.base_population for p in profiles])
    share_60 = np.array([p.share_60 for p in profiles])
    ratio_65 = np.array([p.ratio_65 for p in profiles])
    ratio_80 = np.array([p.ratio_80 for p in profiles])
    share_0_2 = np.array([p.share_0_2 for p in profiles])
    hh_size = np.array([p.household_size for p in profiles])
    totals = city_totals(scale)
    out: list[dict[str, Any]] = []
    for year in sorted(set(years)):
        rng = rng_for(seed, STREAM_POPULATION, year)
        dy = year - BASE_YEAR
        n = len(communities)
        if dy:
            jitter = np.sqrt(abs(dy))
            pop_w = base * (1 + np.where(rural, -0.012, 0.004) * dy + rng.normal(0, 0.008, n) * jitter)
            s60 = share_60 * (1 + 0.02 * dy) * (1 + rng.normal(0, 0.01, n) * jitter)
            r65 = ratio_65 * (1 + rng.normal(0, 0.005, n) * jitter)
            r80 = ratio_80 * (1 + rng.normal(0, 0.02, n) * jitter)
            s02 = share_0_2 * (1 + rng.normal(0, 0.03, n) * jitter)
        else:
            pop_w, s60, r65, r80, s02 = base, share_60, ratio_65, ratio_80, share_0_2
        # population: county totals from the census shares, then communities within each county
        county_w = [c.census_2020 * (1 + c.trend * dy) for c in COUNTIES]
        pop = np.zeros(n, dtype=np.int64)
        for k, county_total in enumerate(apportion(totals["population"], county_w)):
            idx = np.flatnonzero(county_of == k)
            pop[idx] = apportion(int(county_total), pop_w[idx])
        a60 = apportion(totals["age_60_plus"], pop * s60, caps=pop)
        a65 = apportion(totals["age_65_plus"], a60 * r65, caps=a60)
        a80 = apportion(totals["age_80_plus"], a60 * r80, caps=a65)
        a02 = apportion(totals["age_0_2"], pop * s02, caps=pop - a60)
        households = np.minimum(pop, np.maximum(np.where(pop > 0, 1, 0), np.rint(pop / hh_size))).astype(
            np.int64
        )
        for i, region in enumerate(communities):
            out.append(
                {
                    "region_code": region.code,
                    "year": year,
                    "population": int(pop[i]),
                    "households": int(households[i]),
                    "age_0_2": int(a02[i]),
                    "age_60_plus": int(a60[i]),
                    "age_65_plus": int(a65[i]),
                    "age_80_plus": int(a80[i]),
                }
            )
    return out


# --- writing -----------------------------------------------------------------------------------

Advance = Callable[[int], None]
ProgressFactory = Callable[[str, "int | None"], Advance]
"""``progress(description, total)`` starts a step and returns its ``advance(n)``."""


def no_progress(description: str, total: int | None) -> Advance:
    return lambda n: None


@dataclasses.dataclass
class DemoContext:
    seed: int
    scale: float
    years: tuple[int, ...]
    actor: Any
    as_of: dt.date = PLAN_REFERENCE  # the day the demo city is built as of (``build_demo_city``)
    regions: list[DemoRegion] = dataclasses.field(default_factory=list)
    summary: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Step:
    """One step of the build: ``run(ctx, advance)``; ``size(ctx)`` is the progress total."""

    name: str
    description: str
    size: Callable[[DemoContext], int | None]
    run: Callable[[DemoContext, Advance], None]
