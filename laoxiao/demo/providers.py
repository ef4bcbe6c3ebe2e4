"""Providers of the demo city, and their supervision records.

What the plan says and what is ours
-----------------------------------
The plan (淮北市"一老一小"整体解决方案, its background section; ``../shared/domain-reference.md`` §9)
counts, "at present" (we keep them as of the build's ``as_of``; 2021-12-31 for the plan): 186 elder-care service centres at
county, subdistrict and community level; 51 filed elder-care homes; 5,206 nursing-type beds, "over
52.4%" of their beds; 19 homes with a medical room or nursing station; 10 medical-and-elder-care
providers with 2,103 beds; 3,242 staff; 43 childcare providers with 1,869 slots. Table 1 gives
the 2020 baselines used here too: 7 backbone enterprises (E11), 529 professional elder-care workers
(E12), 0.3 social workers per 1,000 older people (E13: 97 for 324,394), 20 filed childcare
providers (C03), 3 demonstration ones (C04). All of them sit in ``PLAN`` below, scaled with
``--scale`` (rounded half up); at scale 1 the demo city has exactly these figures.

Our choices (``OURS``): 9,933 beds in the filed homes (5,206 / 9,933 = 52.41%); the split of the 186
centres (one per county, one per township, the rest in communities, about 72% urban); 150 meal
points (mostly in villages); 6 more homes in the filing workflow; the staff of each role; prices and
market reference prices (of the as-of year); the supervision records from 2021 to as_of (yearly
inspections of most homes, about 60 complaints and 25 incidents a year, 3 fund-raising risk signals,
grades of 20 homes); dates spread up to ``as_of`` (``kernel.until``); every name, code,
address, location and person.

Everything is written through the providers and supervision actions (bulk writers where they
exist), so the change log is as after an import. Running the same seed again changes nothing: the
bulk writers leave unchanged rows alone and one-off records (filing steps, inspections, complaints...)
are written only for providers created in this run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc

from laoxiao.demo import geo
from laoxiao.demo.kernel import (
    _SURNAMES,
    CITY_CODE,
    COUNTIES,
    PLAN_REFERENCE,
    STREAM_PROVIDERS,
    DemoContext,
    DemoRegion,
    _pick,
    apportion,
    rng_for,
    scaled,
    until,
)
from laoxiao.providers.actions import (
    agreement_add,
    classes_upsert,
    documents_upsert_many,
    filing_transition,
    prices_upsert,
    providers_upsert,
    reference_prices_upsert,
    staff_upsert_many,
)
from laoxiao.providers.models import Provider

Advance = Callable[[int], None]


# the plan's figures (background section and Table 1 baselines; domain-reference §9) at scale 1
PLAN: dict[str, int] = {
    "centres_county": 4,  # 186 elder-care service centres: one per county ...
    "centres_township": 33,  # ... one per subdistrict or town ...
    "centres_community": 149,  # ... and the rest in communities
    "homes_filed": 51,
    "nursing_beds": 5_206,  # "over 52.4%" of the filed homes' beds
    "homes_medical_room": 19,
    "integrated": 10,  # medical-and-elder-care providers
    "integrated_beds": 2_103,
    "eldercare_staff": 3_242,
    "backbone": 7,  # E11 baseline
    "certified_eldercare_workers": 529,  # E12 baseline
    "social_workers": 97,  # E13 baseline 0.3 per 1,000 older people × 324,394
    "childcare": 43,
    "childcare_slots": 1_869,
    "childcare_filed": 20,  # C03 baseline
    "childcare_demonstration": 3,  # C04 baseline
}
# our choices, scaled the same way
OURS: dict[str, int] = {
    "home_beds": 9_933,  # 5,206 / 9,933 = 0.52411: "just over 52.4%"
    "meal_points": 150,
    "meal_points_urban": 55,
    "homes_in_workflow": 6,
    "homes_without_agreement": 3,  # small homes with neither a room nor an agreement: non-compliant
    "homes_not_inspected": 4,
    "complaints": 60,
    "incidents": 25,
    "risk_signals": 3,
    "graded_homes": 20,
    "expiring_certificates": 8,  # within 60 days of the reference date
    "expired_certificates": 12,
    "price_flagged": 4,  # inclusive providers priced above 80% of the market reference
}
BED_CAP_SMALL = 149  # homes without a medical room stay under the plan's 150-bed rule
COMMUNITY_CENTRES_URBAN_SHARE = 0.72

# market reference prices of 2021 (a city setting; our figures for a city of Huaibei's size)
REFERENCE_PRICES: dict[str, int] = {
    "bed_shared_month": 900,
    "care_month_intact": 300,
    "care_month_mild": 600,
    "care_month_moderate": 1_000,
    "care_month_severe": 1_500,
    "care_month_total": 2_000,
    "daycare_day": 30,
    "meal": 12,
    "childcare_full_day_month": 2_200,
    "childcare_half_day_month": 1_300,
    "childcare_hourly": 25,
    "childcare_temporary_day": 120,
}
HOME_ITEMS = (
    "bed_shared_month",
    "care_month_intact",
    "care_month_mild",
    "care_month_moderate",
    "care_month_severe",
    "care_month_total",
)

# price as a share of the reference by supply tier (low, high)
TIER_PRICE = {"safety_net": (0.5, 0.7), "inclusive": (0.6, 0.78), "market": (0.85, 1.3)}

_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅琳建国志红文海燕萍晓婷雪"
_FIRM_A = "康颐福寿乐安和祥泰瑞嘉惠仁德善爱馨悦慈晖"
_FIRM_B = "家园苑居堂轩阁坊"
_STREETS = "人民淮海相山古城孟山南黎惠黎梅苑长山濉河龙山凤凰桂苑滨湖南湖东山"
_CHILD_A = "贝乐童心小星阳光彩虹萌芽启智爱心七彩金苹果小太阳"

CARE_CERT = "养老护理员职业技能等级证书"
NURSE_CERT = "护士执业证书"
DOCTOR_CERT = "医师执业证书"
SOCIAL_CERT = "社会工作者职业资格证书"
HOME_MANAGER_CERT = "养老院院长培训合格证书"
CHILD_CERTS = {
    "infant_carer": "育婴员职业技能等级证书",
    "nursery_nurse": "保育员职业技能等级证书",
    "teacher": "教师资格证书",
    "health_care_staff": "托育机构保健人员培训合格证书",
    "manager": "托育机构负责人培训合格证书",
}
CLASS_NAMES = {"infant": "乳儿班", "toddler": "托小班", "older_toddler": "托大班", "mixed": "混合班"}
CLASS_LIMITS = {  # the standard's class sizes and ratios (childcare.class_types, 2019)
    "infant": (10, 3),
    "toddler": (15, 5),
    "older_toddler": (20, 7),
    "mixed": (18, 6),
}
HOME_POINT_LIMIT = (5, 3)  # at most 5 children, 1 carer per 3 (childcare.home_point_limits)


# --- planned providers -------------------------------------------------------------------------


@dataclasses.dataclass
class PlannedProvider:
    record: dict[str, Any]  # what providers_upsert takes
    group: str  # county_centre, township_centre, community_centre, meal_point, welfare_home, ...
    status: str  # the filing status it ends in
    workflow: list[tuple[str, dt.date, list[str]]] = dataclasses.field(default_factory=list)
    documents: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    agreements: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    classes: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    staff: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    prices: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    county_name: str = ""

    @property
    def uscc(self) -> str:
        return str(self.record["uscc"])

    @property
    def kind(self) -> str:
        return str(self.record["kind"])

    @property
    def beds(self) -> int:
        return int(self.record.get("beds") or 0)

    @property
    def slots(self) -> int:
        return sum(int(c["capacity"]) for c in self.classes)


@dataclasses.dataclass
class ProviderPlan:
    providers: list[PlannedProvider]
    reference_prices: list[dict[str, Any]]

    def by_group(self, *groups: str) -> list[PlannedProvider]:
        return [p for p in self.providers if p.group in groups]


# --- small makers ------------------------------------------------------------------------------


def _org_check(base8: str) -> str:
    """The check character of a GB 11714 organisation code."""
    total = sum(int(c) * w for c, w in zip(base8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def make_uscc(rng: np.random.Generator, prefix2: str, county6: str, used: set[str]) -> str:
    """A unified social credit code (registration authority and kind, county, organisation code,
    check character), unique within ``used``."""
    while True:
        base = "".join(str(int(d)) for d in rng.integers(0, 10, 8))
        body = prefix2 + county6 + base + _org_check(base)
        code = body + stdnum_uscc.calc_check_digit(body)
        if code not in used:
            used.add(code)
            return code


def make_id_number(rng: np.random.Generator, born: dt.date, female: bool, used: set[str]) -> str:
    """A synthetic resident ID number of a Huaibei county with a correct check digit."""
    county = COUNTIES[int(rng.integers(len(COUNTIES)))].code6
    while True:
        seq = int(rng.integers(0, 500)) * 2 + (0 if female else 1)
        body = f"{county}{born:%Y%m%d}{seq:03d}"
        number = body + ric.calc_check_digit(body + "0")  # it reads all but the last character
        if number not in used:
            used.add(number)
            return number


def person_name(rng: np.random.Generator) -> str:
    given = _pick(rng, _GIVEN) + (_pick(rng, _GIVEN) if rng.random() < 0.7 else "")
    return _pick(rng, _SURNAMES) + given


def phone(rng: np.random.Generator) -> str:
    return "1" + _pick(rng, "3589") + "".join(str(int(d)) for d in rng.integers(0, 10, 9))


def day_between(rng: np.random.Generator, start: dt.date, end: dt.date) -> dt.date:
    """A day from ``start`` to ``end`` (``start`` when the range is empty)."""
    span = max(0, (end - start).days)
    return start + dt.timedelta(days=int(rng.integers(0, span + 1)))


def years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def choose(rng: np.random.Generator, n: int, k: int, weights: Sequence[float] | None = None) -> list[int]:
    """``k`` distinct indices of ``range(n)`` (weighted), in increasing order."""
    k = min(k, n)
    if k <= 0:
        return []
    p = None
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        if (w > 0).sum() >= k:
            p = w / w.sum()
    return sorted(int(i) for i in rng.choice(n, size=k, replace=False, p=p))


def _split_min(total: int, n: int, lo: int, hi: int, weights: np.ndarray) -> list[int]:
    """``total`` in ``n`` parts of ``lo``–``hi`` in proportion to ``weights`` (exact when feasible)."""
    if n == 0:
        return []
    total = int(np.clip(total, lo * n, hi * n))
    extra = apportion(total - lo * n, weights, caps=np.full(n, hi - lo))
    return [lo + int(x) for x in extra]


# --- the region tree as seen by the providers --------------------------------------------------


@dataclasses.dataclass
class Place:
    region: DemoRegion
    township: DemoRegion
    county: DemoRegion

    @property
    def address(self) -> str:
        return f"{self.county.name}{self.township.name}{self.region.name}"


class Tree:
    def __init__(self, regions: Sequence[DemoRegion]) -> None:
        by_code = {r.code: r for r in regions}
        self.counties = [r for r in regions if r.level == "county"]
        self.townships = [r for r in regions if r.level == "township"]
        self.communities = [r for r in regions if r.level == "community"]
        self.places = {
            c.code: Place(
                c, by_code[c.parent_code or ""], by_code[by_code[c.parent_code or ""].parent_code or ""]
            )
            for c in self.communities
        }
        self.kids: dict[str, list[DemoRegion]] = {}
        for c in self.communities:
            self.kids.setdefault(c.parent_code or "", []).append(c)
        self.shapes = geo.county_shapes(CITY_CODE)

    def nearest_urban(self, parent: DemoRegion, codes: Sequence[DemoRegion]) -> DemoRegion:
        pool = [c for c in codes if not c.is_rural] or list(codes)
        return min(
            pool,
            key=lambda c: geo.distance_km(parent.lon or 0, parent.lat or 0, c.lon or 0, c.lat or 0),
        )

    def county_seat_community(self, county: DemoRegion) -> DemoRegion:
        kids = [c for c in self.communities if c.code.startswith(county.code[:6])]
        return self.nearest_urban(county, kids)

    def township_seat_community(self, township: DemoRegion) -> DemoRegion:
        return self.nearest_urban(township, self.kids[township.code])

    def locate(self, community: DemoRegion, rng: np.random.Generator) -> tuple[float, float]:
        """A point a few hundred metres from the community's centre, inside its county."""
        shape = self.shapes[community.code[:6]]
        ((x, y),) = geo.scatter_near(
            shape, (community.lon or 0.0, community.lat or 0.0), 1, rng, min_km=0.05, max_km=0.45
        )
        return round(x, 6), round(y, 6)


# --- planning ----------------------------------------------------------------------------------


class _Planner:
    def __init__(self, regions: Sequence[DemoRegion], seed: int, scale: float, as_of: dt.date) -> None:
        self.tree = Tree(regions)
        self.seed = seed
        self.scale = scale
        self.as_of = as_of
        self.used_uscc: set[str] = set()
        self.used_ids: set[str] = set()
        self.providers: list[PlannedProvider] = []

    def n(self, key: str) -> int:
        return scaled(PLAN[key] if key in PLAN else OURS[key], self.scale)

    def rng(self, part: int) -> np.random.Generator:
        return rng_for(self.seed, STREAM_PROVIDERS, part)

    # a provider at a community
    def base_record(
        self,
        rng: np.random.Generator,
        community: DemoRegion,
        *,
        name: str,
        kind: str,
        ownership: str,
        tier: str,
        opened: dt.date,
        filed: dt.date | None,
        prefix2: str,
        operator: str = "",
    ) -> dict[str, Any]:
        place = self.tree.places[community.code]
        lon, lat = self.tree.locate(community, rng)
        street = _pick(rng, _STREETS) + _pick(rng, _STREETS)
        record: dict[str, Any] = {
            "uscc": make_uscc(rng, prefix2, community.code[:6], self.used_uscc),
            "name": name,
            "kind": kind,
            "ownership": ownership,
            "supply_tier": tier,
            "region_code": community.code,
            "address": f"{place.address}{street}路{int(rng.integers(1, 300))}号",
            "lon": lon,
            "lat": lat,
            "operator_name": operator or name,
            "contact_name": person_name(rng),
            "contact_phone": phone(rng),
            "opened_on": opened,
        }
        if filed is not None:
            record["filing_status"] = "filed"
            record["filed_on"] = filed
        return record

    def add(self, record: dict[str, Any], group: str, status: str) -> PlannedProvider:
        county = next(c for c in COUNTIES if c.code6 == record["region_code"][:6])
        p = PlannedProvider(record=record, group=group, status=status, county_name=county.name)
        self.providers.append(p)
        return p

    def firm(self, rng: np.random.Generator) -> str:
        return _pick(rng, _FIRM_A) + _pick(rng, _FIRM_A) + _pick(rng, _FIRM_B)

    # --- elder-care service centres and meal points ---
    def centres(self) -> None:
        rng = self.rng(1)
        t = self.tree
        county_ix = choose(rng, len(t.counties), self.n("centres_county"))
        for i in county_ix:
            county = t.counties[i]
            self._centre(rng, t.county_seat_community(county), "county", f"{county.name}居家养老服务指导中心")
        for i in choose(rng, len(t.townships), self.n("centres_township")):
            township = t.townships[i]
            label = "综合养老服务中心" if township.kind == "subdistrict" else "养老服务中心"
            self._centre(rng, t.township_seat_community(township), "township", f"{township.name}{label}")
        total = self.n("centres_community")
        urban = [c for c in t.communities if not c.is_rural]
        rural = [c for c in t.communities if c.is_rural]
        n_urban = min(len(urban), round(total * COMMUNITY_CENTRES_URBAN_SHARE))
        n_rural = min(len(rural), total - n_urban)
        for pool, k in ((urban, n_urban), (rural, n_rural)):
            weights = [c.profile.base_population if c.profile else 1.0 for c in pool]
            for i in choose(rng, len(pool), k, weights):
                c = pool[i]
                label = "社区居家养老服务站" if not c.is_rural else "农村养老服务站"
                self._centre(rng, c, "community", f"{c.name.removesuffix('社区').removesuffix('村')}{label}")

    def _centre(self, rng: np.random.Generator, community: DemoRegion, level: str, name: str) -> None:
        public = rng.random() < 0.5
        opened = day_between(rng, dt.date(2015, 3, 1), until(self.as_of, dt.date(2021, 6, 30)))
        filed = day_between(
            rng, opened + dt.timedelta(days=20), min(self.as_of, opened + dt.timedelta(days=200))
        )
        meals = level == "county" or rng.random() < {"township": 0.7, "community": 0.35}[level]
        operator = "" if public else f"淮北市{self.firm(rng)}养老服务有限公司"
        record = self.base_record(
            rng,
            community,
            name=name,
            kind="community_centre",
            ownership="public" if public else "public_built_private_run",
            tier="inclusive",
            opened=opened,
            filed=filed,
            prefix2="12" if public else "52",
            operator=operator,
        )
        record.update(
            centre_level=level,
            serves_meals=meals,
            floor_area=int(
                {"county": 1500, "township": 800, "community": 350}[level] * rng.uniform(0.8, 1.6)
            ),
        )
        self.add(record, f"{level}_centre", "filed")

    def meal_points(self) -> None:
        rng = self.rng(2)
        t = self.tree
        total = self.n("meal_points")
        n_urban = min(self.n("meal_points_urban"), total)
        urban = [c for c in t.communities if not c.is_rural]
        rural = [c for c in t.communities if c.is_rural]
        for pool, k in ((urban, n_urban), (rural, total - n_urban)):
            for i in choose(rng, len(pool), k):
                c = pool[i]
                short = c.name.removesuffix("社区").removesuffix("村")
                name = f"{short}老年食堂" if not c.is_rural else f"{short}村老年助餐点"
                ownership = (
                    "public"
                    if c.is_rural and rng.random() < 0.6
                    else ("public_built_private_run" if rng.random() < 0.6 else "private")
                )
                opened = day_between(rng, dt.date(2017, 1, 1), until(self.as_of, dt.date(2021, 9, 30)))
                filed = day_between(
                    rng, opened + dt.timedelta(days=10), min(self.as_of, opened + dt.timedelta(days=120))
                )
                record = self.base_record(
                    rng,
                    c,
                    name=name,
                    kind="meal_point",
                    ownership=ownership,
                    tier="inclusive",
                    opened=opened,
                    filed=filed,
                    prefix2={"public": "12", "public_built_private_run": "52", "private": "92"}[ownership],
                )
                record.update(serves_meals=True, floor_area=int(rng.uniform(80, 300)))
                self.add(record, "meal_point", "filed")

    # --- elder-care homes ---
    def homes(self) -> None:
        rng = self.rng(3)
        t = self.tree
        n_filed = self.n("homes_filed")
        n_med = min(self.n("homes_medical_room"), n_filed)
        n_integ = min(self.n("integrated"), n_med)
        n_big = n_med - n_integ
        n_small = n_filed - n_med
        total_beds = self.n("home_beds")
        integ_beds = self.n("integrated_beds") if n_integ else 0
        rest = total_beds - integ_beds
        if n_integ:
            lo = min(150, integ_beds // n_integ)
            integ = _split_min(integ_beds, n_integ, lo, 330, rng.lognormal(0, 0.4, n_integ))
        else:
            integ = []
        if n_big:
            small_total = int(
                np.clip(105 * n_small, 40 * n_small, min(BED_CAP_SMALL * n_small, rest - 150 * n_big))
            )
        else:
            small_total = rest
        n_county_homes = min(n_big, len(t.counties))
        big_w = np.array([2.5] * n_county_homes + [1.0] * (n_big - n_county_homes)) * rng.lognormal(
            0, 0.2, n_big
        )
        big = _split_min(rest - small_total, n_big, 150, 1200, big_w) if n_big else []
        small = _split_min(small_total, n_small, 40, BED_CAP_SMALL, rng.lognormal(0, 0.3, n_small))

        specs: list[dict[str, Any]] = []
        counties = choose(rng, len(t.counties), n_county_homes)
        for k, beds in enumerate(big):
            if k < n_county_homes:
                county = t.counties[counties[k]]
                specs.append(
                    {
                        "group": "welfare_home",
                        "beds": beds,
                        "place": t.county_seat_community(county),
                        "name": f"{county.name}社会福利中心",
                        "ownership": "public",
                        "tier": "safety_net",
                        "share": 0.6,
                        "medical": True,
                        "integrated": False,
                    }
                )
            else:
                specs.append(
                    {
                        "group": "private_home",
                        "beds": beds,
                        "medical": True,
                        "integrated": False,
                        "share": 0.65,
                    }
                )
        for beds in integ:
            specs.append(
                {"group": "integrated_home", "beds": beds, "medical": True, "integrated": True, "share": 0.8}
            )
        towns = [tw for tw in t.townships if tw.kind == "town"]
        n_rural = min(n_small, len(towns), scaled(len(towns), self.scale) if self.scale < 1 else len(towns))
        rural_towns = choose(rng, len(towns), n_rural)
        for k, beds in enumerate(sorted(small, reverse=True)):
            if k < n_rural:
                town = towns[rural_towns[k]]
                kids = t.kids[town.code]
                community = (
                    t.township_seat_community(town)
                    if rng.random() < 0.6
                    else kids[int(rng.integers(len(kids)))]
                )
                pbpr = rng.random() < 0.35
                specs.append(
                    {
                        "group": "rural_home",
                        "beds": beds,
                        "place": community,
                        "name": f"{town.name}中心敬老院",
                        "ownership": "public_built_private_run" if pbpr else "public",
                        "tier": "safety_net",
                        "share": 0.3,
                        "medical": False,
                        "integrated": False,
                    }
                )
            else:
                specs.append(
                    {
                        "group": "private_home",
                        "beds": beds,
                        "medical": False,
                        "integrated": False,
                        "share": 0.45,
                    }
                )
        urban = [c for c in t.communities if not c.is_rural]
        urban_w = [c.profile.base_population if c.profile else 1.0 for c in urban]
        for spec in specs:
            if "place" not in spec:
                spec["place"] = urban[choose(rng, len(urban), 1, urban_w)[0]]
                pbpr = rng.random() < 0.35
                spec["ownership"] = "public_built_private_run" if pbpr else "private"
                spec["tier"] = "inclusive" if pbpr or rng.random() < 0.4 else "market"
                firm = self.firm(rng)
                if spec["integrated"]:
                    spec["name"] = f"淮北{firm}医养结合中心" if rng.random() < 0.6 else f"淮北{firm}护理院"
                else:
                    spec["name"] = f"淮北{firm}" + ("颐养院" if rng.random() < 0.5 else "老年公寓")
        # nursing-type beds: exactly the plan's figure, more in integrated and large homes
        beds_arr = np.array([s["beds"] for s in specs], dtype=np.int64)
        share = np.array([s["share"] for s in specs]) * rng.uniform(0.85, 1.15, len(specs))
        nursing: Sequence[int] | np.ndarray = (
            apportion(min(self.n("nursing_beds"), int(beds_arr.sum())), beds_arr * share, caps=beds_arr)
            if specs
            else []
        )
        # backbone enterprises among the larger private and publicly-built homes
        candidates = [i for i, s in enumerate(specs) if s["ownership"] != "public" and s["medical"]]
        backbone = set(choose(rng, len(candidates), self.n("backbone")))
        backbone_ix = {candidates[i] for i in backbone}
        for i, spec in enumerate(specs):
            opened = day_between(rng, dt.date(2008, 1, 1), until(self.as_of, dt.date(2020, 12, 31)))
            filed = day_between(
                rng, max(opened, dt.date(2019, 3, 1)), until(self.as_of, dt.date(2021, 11, 30))
            )
            public = spec["ownership"] == "public"
            record = self.base_record(
                rng,
                spec["place"],
                name=spec["name"],
                kind="eldercare_home",
                ownership=spec["ownership"],
                tier=spec["tier"],
                opened=opened,
                filed=filed,
                prefix2="12" if public else "52",
                operator="" if public else f"淮北市{self.firm(rng)}养老服务有限公司",
            )
            beds = int(spec["beds"])
            record.update(
                beds=beds,
                nursing_beds=int(nursing[i]),
                occupied_beds=round(beds * rng.uniform(0.55, 0.85)),
                has_medical_room=bool(spec["medical"]),
                is_medical_integrated=bool(spec["integrated"]),
                is_backbone=i in backbone_ix,
                serves_meals=True,
                floor_area=int(beds * rng.uniform(28, 45)),
            )
            self.add(record, spec["group"], "filed")
        self._workflow_homes(rng, urban, urban_w)

    def _workflow_homes(
        self, rng: np.random.Generator, urban: list[DemoRegion], urban_w: list[float]
    ) -> None:
        statuses = ("submitted", "accepted", "returned", "draft", "submitted", "accepted", "returned")
        for k in range(self.n("homes_in_workflow")):
            status = statuses[k % len(statuses)]
            community = urban[choose(rng, len(urban), 1, urban_w)[0]]
            beds = int(rng.integers(30, 121))
            record = self.base_record(
                rng,
                community,
                name=f"淮北{self.firm(rng)}" + ("养老院" if rng.random() < 0.5 else "康养中心"),
                kind="eldercare_home",
                ownership="private",
                tier="market" if rng.random() < 0.6 else "inclusive",
                opened=day_between(
                    rng, until(self.as_of, dt.date(2021, 3, 1)), until(self.as_of, dt.date(2021, 10, 31))
                ),
                filed=None,
                prefix2="52",
                operator=f"淮北市{self.firm(rng)}养老服务有限公司",
            )
            record.update(
                beds=beds,
                nursing_beds=int(beds * rng.uniform(0.3, 0.6)),
                occupied_beds=int(beds * rng.uniform(0.1, 0.4)),
                serves_meals=True,
                floor_area=int(beds * rng.uniform(28, 40)),
            )
            self.add(record, "workflow_home", status)

    # --- childcare ---
    def childcare(self) -> None:
        rng = self.rng(4)
        t = self.tree
        n = self.n("childcare")
        if n == 0:
            return
        kinds_n = apportion(n, [26, 9, 5, 3])
        kinds = (
            ["childcare_centre"] * int(kinds_n[0])
            + ["kindergarten_class"] * int(kinds_n[1])
            + ["home_childcare"] * int(kinds_n[2])
            + ["workplace_childcare"] * int(kinds_n[3])
        )
        slots: list[int] = []
        for kind in kinds:
            slots.append(
                {
                    "home_childcare": int(rng.integers(3, 6)),
                    "kindergarten_class": int(rng.integers(2, 5)) * 10,
                    "workplace_childcare": int(rng.integers(15, 41)),
                    "childcare_centre": 0,
                }[kind]
            )
        centres = [i for i, k in enumerate(kinds) if k == "childcare_centre"]
        rest = self.n("childcare_slots") - sum(slots)
        for i, s in zip(
            centres,
            _split_min(rest, len(centres), 20, 150, rng.lognormal(0, 0.45, len(centres))),
            strict=True,
        ):
            slots[i] = s
        # filed: about 20 (C03), the rest in the workflow
        filed_w = [
            {
                "childcare_centre": 1.0,
                "kindergarten_class": 1.3,
                "workplace_childcare": 0.8,
                "home_childcare": 0.3,
            }[k]
            for k in kinds
        ]
        filed = set(choose(rng, n, self.n("childcare_filed"), filed_w))
        demo_pool = [i for i in sorted(filed) if kinds[i] == "childcare_centre"]
        demo_pool.sort(key=lambda i: -slots[i])
        demonstration = set(demo_pool[: self.n("childcare_demonstration")])
        wf = [i for i in range(n) if i not in filed]
        wf_status = ["draft"] * 5 + ["submitted"] * 6 + ["accepted"] * 5 + ["returned"] * 7
        urban = [c for c in t.communities if not c.is_rural]
        urban_w = [c.profile.base_population if c.profile else 1.0 for c in urban]
        everywhere = t.communities
        for i, kind in enumerate(kinds):
            community = (
                urban[choose(rng, len(urban), 1, urban_w)[0]]
                if kind != "kindergarten_class" or rng.random() < 0.7
                else everywhere[int(rng.integers(len(everywhere)))]
            )
            stem = _pick(rng, _CHILD_A) + _pick(rng, _CHILD_A)
            if kind == "childcare_centre":
                name, ownership = (
                    f"淮北{stem}托育中心",
                    ("public_built_private_run" if rng.random() < 0.2 else "private"),
                )
                tier = "inclusive" if ownership != "private" or rng.random() < 0.4 else "market"
            elif kind == "kindergarten_class":
                short = community.name.removesuffix("社区").removesuffix("村")
                public = rng.random() < 0.67
                name = f"{short}{'中心' if public else stem}幼儿园托班"
                ownership, tier = (
                    ("public", "inclusive")
                    if public
                    else ("private", "inclusive" if rng.random() < 0.5 else "market")
                )
            elif kind == "home_childcare":
                name, ownership, tier = f"{person_name(rng)[0]}阿姨家庭托育点", "private", "market"
            else:
                name = f"淮北{'市第' + '一二三四五'[int(rng.integers(5))] + '人民医院' if rng.random() < 0.5 else self.firm(rng) + '公司'}职工托育室"
                ownership, tier = ("public" if "医院" in name else "private"), "inclusive"
            status = "filed" if i in filed else wf_status[wf.index(i) % len(wf_status)]
            opened = day_between(rng, dt.date(2018, 9, 1), until(self.as_of, dt.date(2021, 8, 31)))
            filed_on = (
                day_between(
                    rng,
                    max(opened, dt.date(2019, 12, 1)) + dt.timedelta(days=30),
                    until(self.as_of, dt.date(2021, 11, 30)),
                )
                if status == "filed"
                else None
            )
            if filed_on is not None and filed_on < opened:
                filed_on = opened + dt.timedelta(days=30)
            prefix = {
                "public": "12",
                "public_built_private_run": "52",
                "private": "91" if kind != "home_childcare" else "92",
            }[ownership]
            record = self.base_record(
                rng,
                community,
                name=name,
                kind=kind,
                ownership=ownership,
                tier=tier,
                opened=opened,
                filed=filed_on,
                prefix2=prefix,
            )
            classes = class_plan(kind, slots[i], rng)
            total = sum(c["capacity"] for c in classes)
            record.update(
                serves_meals=kind != "home_childcare",
                inclusive_slots=int(total * rng.uniform(0.6, 1.0)) if tier == "inclusive" else 0,
                floor_area=int(total * rng.uniform(6, 9)),
            )
            p = self.add(record, "childcare", status)
            p.classes = [{"provider_uscc": p.uscc, **c} for c in classes]
            if i in demonstration:
                p.group = "childcare_demonstration"


def class_plan(kind: str, slots: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Classes holding ``slots`` children within the class-type rules (and the home point limits)."""
    if slots <= 0:
        return []
    if kind == "home_childcare":
        cap = min(slots, HOME_POINT_LIMIT[0])
        return [
            {
                "name": "家庭托育班",
                "class_type": "mixed",
                "capacity": cap,
                "carers": max(
                    math.ceil(cap / HOME_POINT_LIMIT[1]), math.ceil(cap / CLASS_LIMITS["mixed"][1])
                ),
            }
        ]
    if kind == "kindergarten_class":
        types = ["older_toddler"] * math.ceil(slots / 20)
    else:
        pattern = ["older_toddler", "toddler", "older_toddler", "infant", "toddler", "mixed"]
        k = max(1, math.ceil(slots / 16))
        types = [pattern[j % len(pattern)] for j in range(k)]
        while sum(CLASS_LIMITS[t][0] for t in types) < slots:
            types.append("older_toddler")
    caps = np.array([CLASS_LIMITS[t][0] for t in types])
    sizes = apportion(slots, caps * rng.uniform(0.75, 1.0, len(types)), caps=caps)
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for t, size in zip(types, sizes, strict=True):
        if size <= 0:
            continue
        seen[t] = seen.get(t, 0) + 1
        carers = math.ceil(int(size) / CLASS_LIMITS[t][1]) + (1 if rng.random() < 0.25 else 0)
        out.append(
            {"name": f"{CLASS_NAMES[t]}{seen[t]}", "class_type": t, "capacity": int(size), "carers": carers}
        )
    return out


# --- documents, agreements, workflow, staff, prices ---------------------------------------------

ELDER_KINDS = ("eldercare_home", "community_centre", "meal_point")


def _serial(rng: np.random.Generator, digits: int) -> str:
    return "".join(str(int(d)) for d in rng.integers(0, 10, digits))


def _documents(
    p: PlannedProvider,
    rng: np.random.Generator,
    *,
    as_of: dt.date,
    expired: str = "",
    omit: tuple[str, ...] = (),
    short_lease: bool = False,
) -> list[dict[str, Any]]:
    """The filing documents of a provider: valid on ``as_of`` unless ``expired`` names
    one that lapsed, ``omit`` leaves some out, or the lease is ``short_lease``."""
    r = p.record
    opened: dt.date = r["opened_on"]
    county6 = r["region_code"][:6]
    childcare = p.kind not in ELDER_KINDS
    last = r.get("filed_on") or as_of
    docs: list[dict[str, Any]] = []
    licence_on = opened - dt.timedelta(days=int(rng.integers(30, 200)))
    docs.append(
        {
            "kind": "business_licence",
            "number": p.uscc,
            "issued_on": licence_on,
            "expires_on": None if rng.random() < 0.8 else years_later(licence_on, 20),
        }
    )
    owned = r["ownership"] == "public" and not childcare
    prem_on = opened - dt.timedelta(days=int(rng.integers(40, 400)))
    if owned:
        docs.append(
            {
                "kind": "premises",
                "number": f"皖({prem_on.year})淮北市不动产权第{_serial(rng, 7)}号",
                "issued_on": prem_on,
                "expires_on": None,
            }
        )
    else:
        years = 2 if short_lease else int(rng.integers(5, 16))
        end = years_later(prem_on, years)
        if end <= as_of:  # a lease renewed on expiry
            prem_on = (
                years_later(prem_on, years - 1 if years > 1 else 1)
                if short_lease
                else as_of - dt.timedelta(days=int(rng.integers(60, 700)))
            )
            end = years_later(prem_on, years)
        docs.append(
            {
                "kind": "premises",
                "number": f"租赁合同{prem_on.year}-{_serial(rng, 4)}",
                "issued_on": prem_on,
                "expires_on": end,
            }
        )
    fire_on = opened - dt.timedelta(days=int(rng.integers(10, 60)))
    docs.append(
        {
            "kind": "fire_safety",
            "number": f"淮消安检字〔{fire_on.year}〕第{int(rng.integers(1, 999)):03d}号",
            "issued_on": fire_on,
            "expires_on": None,
        }
    )
    if r.get("serves_meals") or p.kind == "meal_point":
        if expired == "food_licence":
            end = day_between(
                rng,
                min(last + dt.timedelta(days=1), as_of - dt.timedelta(days=2)),
                as_of - dt.timedelta(days=1),
            )
            start = years_later(end, -5)
        else:
            start = day_between(
                rng,
                max(opened - dt.timedelta(days=30), as_of - dt.timedelta(days=4 * 365)),
                min(as_of, max(opened, as_of - dt.timedelta(days=4 * 365))),
            )
            end = years_later(start, 5)
        docs.append(
            {
                "kind": "food_licence",
                "number": f"JY{'2' if childcare else '3'}{county6}{_serial(rng, 7)}",
                "issued_on": start,
                "expires_on": end,
            }
        )
    if p.kind == "eldercare_home":
        docs.append(
            {
                "kind": "filing_commitment",
                "number": f"{county6}民养备{last.year}{int(rng.integers(1, 999)):03d}号",
                "issued_on": last,
                "expires_on": None,
            }
        )
    if childcare:
        docs.append(
            {
                "kind": "staff_qualifications",
                "number": f"人员资格汇总{opened.year}-{_serial(rng, 3)}",
                "issued_on": opened,
                "expires_on": None,
            }
        )
        if expired == "staff_health_certificates":
            hc_end = as_of - dt.timedelta(days=int(rng.integers(5, 60)))
            hc_on = years_later(hc_end, -1)
        else:
            hc_on = as_of - dt.timedelta(days=int(rng.integers(20, 300)))
            hc_end = years_later(hc_on, 1)
        docs.append(
            {
                "kind": "staff_health_certificates",
                "number": f"健康证汇总{hc_on.year}-{_serial(rng, 3)}",
                "issued_on": hc_on,
                "expires_on": hc_end,
            }
        )
        ev_on = max(opened - dt.timedelta(days=30), until(as_of, dt.date(2019, 1, 1)))
        docs.append(
            {
                "kind": "health_evaluation",
                "number": f"淮卫评〔{ev_on.year}〕{int(rng.integers(1, 300))}号",
                "issued_on": ev_on,
                "expires_on": years_later(ev_on, 4),
            }
        )
    return [d for d in docs if d["kind"] not in omit]


def weekday_after(day: dt.date, days: int) -> dt.date:
    day = day + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


RETURN_REASONS = {
    "fire_safety": "缺少消防安全检查合格证明",
    "food_licence": "食品经营许可证已过期",
    "staff_health_certificates": "从业人员健康合格证明已过期",
    "short_lease": "场地租赁期限不足3年",
    "health_evaluation": "缺少卫生评价报告",
}


def _workflow(p: PlannedProvider, rng: np.random.Generator, as_of: dt.date) -> None:
    """Filing steps and documents of a provider still in the workflow."""
    status = p.status
    opened: dt.date = p.record["opened_on"]
    childcare = p.kind not in ELDER_KINDS
    if status == "draft":
        p.documents = _documents(
            p,
            rng,
            as_of=as_of,
            omit=(
                "fire_safety",
                "food_licence",
                "filing_commitment",
                "health_evaluation",
                "staff_health_certificates",
            ),
        )
        return
    late = rng.random() < 0.4  # some reviews run past their time limits (5 / 15 working days)
    if late or status == "returned":
        window = (as_of - dt.timedelta(days=90), as_of - dt.timedelta(days=30))
    elif status == "submitted":  # within the 5 working days for receipt
        window = (as_of - dt.timedelta(days=5), as_of - dt.timedelta(days=1))
    else:  # accepted, within the 15 working days for notification
        window = (as_of - dt.timedelta(days=18), as_of - dt.timedelta(days=8))
    submitted = weekday_after(day_between(rng, max(window[0], opened + dt.timedelta(days=15)), window[1]), 0)
    submitted = min(submitted, as_of)
    steps: list[tuple[str, dt.date, list[str]]] = [("submitted", submitted, [])]
    if status == "submitted":
        p.documents = _documents(p, rng, as_of=as_of)
    elif status == "accepted":
        accepted = min(weekday_after(submitted, int(rng.integers(1, 5))), as_of)
        steps.append(("accepted", accepted, []))
        expired = ("staff_health_certificates" if childcare else "food_licence") if rng.random() < 0.4 else ""
        p.documents = _documents(p, rng, as_of=as_of, expired=expired)
    else:  # returned
        if rng.random() < 0.5:
            accepted = min(weekday_after(submitted, int(rng.integers(1, 5))), as_of)
            steps.append(("accepted", accepted, []))
        else:
            accepted = submitted
        returned = min(weekday_after(accepted, int(rng.integers(2, 9))), as_of)
        problem = [
            "fire_safety",
            "food_licence",
            *(["short_lease", "staff_health_certificates"] if childcare else []),
        ][int(rng.integers(2 + 2 * childcare))]
        if problem == "fire_safety":
            p.documents = _documents(p, rng, as_of=as_of, omit=("fire_safety",))
        elif problem == "short_lease":
            p.documents = _documents(p, rng, as_of=as_of, short_lease=True)
        else:
            p.documents = _documents(p, rng, as_of=as_of, expired=problem)
        steps.append(("returned", returned, [RETURN_REASONS[problem]]))
    p.workflow = steps


def _plan_documents(planner: _Planner) -> None:
    rng = planner.rng(5)
    filed_docs = [
        p for p in planner.providers if p.status == "filed" and p.kind in ("eldercare_home", *CHILDCARE)
    ]
    lapsed = set(choose(rng, len(filed_docs), scaled(5, planner.scale)))
    lapsed_usccs = {filed_docs[i].uscc for i in lapsed}
    for p in planner.providers:
        if p.status != "filed":
            _workflow(p, rng, planner.as_of)
            continue
        expired = ""
        if p.uscc in lapsed_usccs:
            expired = (
                "food_licence"
                if p.kind == "eldercare_home" or rng.random() < 0.5
                else "staff_health_certificates"
            )
        p.documents = _documents(p, rng, as_of=planner.as_of, expired=expired)
    # medical cooperation agreements of homes without their own medical room
    small = [
        p for p in planner.providers if p.kind == "eldercare_home" and not p.record.get("has_medical_room")
    ]
    filed_small = [p for p in small if p.status == "filed"]
    weights = [3.0 if p.group == "private_home" else 1.0 for p in filed_small]
    without = {
        filed_small[i].uscc
        for i in choose(rng, len(filed_small), planner.n("homes_without_agreement"), weights)
    }
    lapsed_one = min(without) if without else ""
    for p in small:
        place = planner.tree.places[p.record["region_code"]]
        partner = f"{place.township.name}{'卫生院' if place.township.kind == 'town' else '社区卫生服务中心'}"
        if p.uscc == lapsed_one:  # an agreement that ran out a few months ago: not compliant any more
            signed = day_between(
                rng, until(planner.as_of, dt.date(2018, 1, 1)), until(planner.as_of, dt.date(2018, 9, 30))
            )
            p.agreements = [{"partner": partner, "signed_on": signed, "expires_on": years_later(signed, 3)}]
            continue
        if p.uscc in without or (p.status != "filed" and rng.random() < 0.5):
            continue
        # three-year agreements: signed within the last 2½ years, so all still run on as_of
        signed = day_between(
            rng,
            max(p.record["opened_on"], planner.as_of - dt.timedelta(days=900)),
            until(planner.as_of, dt.date(2021, 10, 31)),
        )
        p.agreements = [{"partner": partner, "signed_on": signed, "expires_on": years_later(signed, 3)}]


CHILDCARE = ("childcare_centre", "home_childcare", "kindergarten_class", "workplace_childcare")

# role → (birth years, share of women)
ROLE_PEOPLE = {
    "eldercare_worker": ((1962, 1995), 0.85),
    "nurse": ((1975, 1998), 0.95),
    "doctor": ((1960, 1992), 0.45),
    "social_worker": ((1985, 1998), 0.7),
    "manager": ((1965, 1990), 0.5),
    "other": ((1962, 1998), 0.6),
    "infant_carer": ((1975, 2000), 0.97),
    "nursery_nurse": ((1975, 2000), 0.97),
    "teacher": ((1985, 2000), 0.95),
    "health_care_staff": ((1975, 1998), 0.9),
}


def _role_draw(p: PlannedProvider, rng: np.random.Generator) -> str:
    table: tuple[tuple[str, float], ...]
    if p.kind == "meal_point":
        table = (("other", 0.45), ("eldercare_worker", 0.55))
    elif p.kind == "community_centre":
        table = (("eldercare_worker", 0.72), ("nurse", 0.05), ("other", 0.23))
    elif p.record.get("has_medical_room"):
        table = (("eldercare_worker", 0.7), ("nurse", 0.13), ("doctor", 0.05), ("other", 0.12))
    else:
        table = (("eldercare_worker", 0.8), ("nurse", 0.05), ("other", 0.15))
    probs = np.array([q for _role, q in table])
    return table[int(rng.choice(len(table), p=probs / probs.sum()))][0]


def _plan_staff(planner: _Planner) -> None:
    rng = planner.rng(6)
    elder = [p for p in planner.providers if p.kind in ELDER_KINDS]
    weights = []
    for p in elder:
        if p.kind == "eldercare_home":
            weights.append((3 + 0.17 * p.beds) * (1.3 if p.record.get("is_medical_integrated") else 1.0))
        else:
            weights.append(
                {"county_centre": 18.0, "township_centre": 8.0, "community_centre": 4.0}.get(p.group, 1.5)
            )
    total = planner.n("eldercare_staff")
    if total >= len(elder):
        counts = [1 + int(x) for x in apportion(total - len(elder), weights)]
    else:
        counts = [int(x) for x in apportion(total, weights, caps=np.ones(len(elder), dtype=np.int64))]
    slots: list[tuple[PlannedProvider, str]] = []
    for p, k in zip(elder, counts, strict=True):
        for j in range(k):
            slots.append((p, "manager" if j == 0 else _role_draw(p, rng)))
    # social workers: exactly the E13 baseline, in homes and county / township centres
    pool = [
        i
        for i, (p, role) in enumerate(slots)
        if role in ("eldercare_worker", "other")
        and (p.kind == "eldercare_home" or p.group in ("county_centre", "township_centre"))
    ]
    for i in choose(rng, len(pool), planner.n("social_workers")):
        slots[pool[i]] = (slots[pool[i]][0], "social_worker")
    # certified elder-care workers: exactly the E12 baseline
    workers = [i for i, (_p, role) in enumerate(slots) if role == "eldercare_worker"]
    w = [3.0 if slots[i][0].kind == "eldercare_home" else 1.0 for i in workers]
    certified = {workers[i] for i in choose(rng, len(workers), planner.n("certified_eldercare_workers"), w)}
    uncertified = [i for i in workers if i not in certified]
    lapsed = {uncertified[i] for i in choose(rng, len(uncertified), planner.n("expired_certificates"))}
    records: list[tuple[PlannedProvider, dict[str, Any]]] = []
    for i, (p, role) in enumerate(slots):
        rec = _person(p, role, rng, planner.used_ids, planner.as_of)
        cert: tuple[str, str] | None = None
        if role == "eldercare_worker" and i in certified:
            cert = (CARE_CERT, "none")
        elif role == "eldercare_worker" and i in lapsed:
            cert = (CARE_CERT, "lapsed")
        elif role == "nurse":
            cert = (NURSE_CERT, "five_years")
        elif role == "doctor":
            cert = (DOCTOR_CERT, "none")
        elif role == "social_worker" and rng.random() < 0.9:
            cert = (SOCIAL_CERT, "none")
        elif role == "manager" and p.kind == "eldercare_home" and rng.random() < 0.7:
            cert = (HOME_MANAGER_CERT, "none")
        if cert:
            rec.update(_certificate(rec, *cert, rng, planner.as_of))
        records.append((p, rec))
    # childcare staff: carers for the classes (about 1 per 5 slots), health-care staff, a manager
    for p in planner.providers:
        if p.kind not in CHILDCARE:
            continue
        carers = max(sum(int(c["carers"]) for c in p.classes), round(p.slots / 5))
        roles = ["manager"] + (["health_care_staff"] if p.kind != "home_childcare" else [])
        for _ in range(carers):
            if p.kind == "kindergarten_class":
                roles.append("teacher" if rng.random() < 0.4 else "nursery_nurse")
            else:
                roles.append("infant_carer" if rng.random() < 0.55 else "nursery_nurse")
        for role in roles:
            rec = _person(p, role, rng, planner.used_ids, planner.as_of)
            if rng.random() < 0.95:
                rec.update(_certificate(rec, CHILD_CERTS[role], "none", rng, planner.as_of))
            records.append((p, rec))
    # a few certificates run out within 60 days of as_of (still valid on it)
    open_ended = [
        k
        for k, (_p, rec) in enumerate(records)
        if rec.get("certificate_kind") in (CARE_CERT, *CHILD_CERTS.values())
        and rec.get("certificate_expires_on") is None
    ]
    for k in choose(rng, len(open_ended), planner.n("expiring_certificates")):
        rec = records[open_ended[k]][1]
        rec["certificate_expires_on"] = planner.as_of + dt.timedelta(days=int(rng.integers(5, 59)))
        rec["certificate_issued_on"] = max(
            rec["certificate_issued_on"], years_later(rec["certificate_expires_on"], -5)
        )
    for p, rec in records:
        p.staff.append({"provider_uscc": p.uscc, **rec})


def _person(
    p: PlannedProvider, role: str, rng: np.random.Generator, used: set[str], as_of: dt.date
) -> dict[str, Any]:
    (y0, y1), women = ROLE_PEOPLE[role]
    born = dt.date(int(rng.integers(y0, y1 + 1)), 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
    female = bool(rng.random() < women)
    opened: dt.date = p.record["opened_on"]
    start = max(opened - dt.timedelta(days=30), years_later(born, 20))
    hired = day_between(rng, start, max(start, as_of - dt.timedelta(days=10)))
    return {
        "id_number": make_id_number(rng, born, female, used),
        "name": person_name(rng),
        "role": role,
        "hired_on": hired,
        "left_on": None,
    }


def _certificate(
    rec: dict[str, Any], kind: str, validity: str, rng: np.random.Generator, as_of: dt.date
) -> dict[str, Any]:
    hired: dt.date = rec["hired_on"]
    if validity == "lapsed":
        expires = as_of - dt.timedelta(days=int(rng.integers(10, 300)))
        issued = years_later(expires, -3)
    elif validity == "five_years":
        issued = day_between(
            rng,
            max(as_of - dt.timedelta(days=4 * 365 + 300), hired - dt.timedelta(days=365)),
            as_of - dt.timedelta(days=20),
        )
        expires = years_later(issued, 5)
    else:
        issued = day_between(
            rng,
            max(dt.date(2012, 1, 1), hired - dt.timedelta(days=3 * 365)),
            as_of - dt.timedelta(days=20),
        )
        expires = None
    return {
        "certificate_kind": kind,
        "certificate_number": f"{issued.year}{_serial(rng, 10)}",
        "certificate_issued_on": issued,
        "certificate_expires_on": expires,
    }


def _plan_prices(planner: _Planner) -> list[dict[str, Any]]:
    rng = planner.rng(7)
    filed = [p for p in planner.providers if p.status == "filed"]
    flag_pool = [
        i
        for i, p in enumerate(filed)
        if p.record["supply_tier"] == "inclusive" and p.kind in ("eldercare_home", *CHILDCARE)
    ]
    flagged = {filed[flag_pool[i]].uscc for i in choose(rng, len(flag_pool), planner.n("price_flagged"))}
    for p in filed:
        if p.kind == "eldercare_home":
            items = list(HOME_ITEMS)
        elif p.kind in CHILDCARE:
            items = ["childcare_full_day_month"] + [
                it
                for it, q in (
                    ("childcare_half_day_month", 0.7),
                    ("childcare_hourly", 0.4),
                    ("childcare_temporary_day", 0.4),
                )
                if rng.random() < q
            ]
        elif p.kind == "meal_point":
            items = ["meal"]
        else:
            items = (["daycare_day"] if p.group != "community_centre" or rng.random() < 0.5 else []) + (
                ["meal"] if p.record.get("serves_meals") else []
            )
        tier = p.record["supply_tier"]
        lo, hi = (0.84, 0.95) if p.uscc in flagged else TIER_PRICE[tier]
        level = rng.uniform(lo, hi)
        start = max(dt.date(planner.as_of.year, 1, 1), p.record["opened_on"])
        for item in items:
            ref = REFERENCE_PRICES[item]
            price = ref * level * rng.uniform(0.96, 1.04)
            if tier == "inclusive" and p.uscc not in flagged:
                price = min(price, 0.8 * ref)
            step = 0.5 if ref < 50 else 1 if ref < 200 else 10
            amount = (
                math.floor(price / step) * step
                if tier == "inclusive" and p.uscc not in flagged
                else round(price / step) * step
            )
            p.prices.append(
                {"provider_uscc": p.uscc, "item": item, "price": f"{amount:.2f}", "effective_from": start}
            )
    return [
        {
            "item": item,
            "year": planner.as_of.year,
            "price": f"{price:.2f}",
            "source": "演示数据：淮北市同等服务市场价格调查 (synthetic)",
        }
        for item, price in REFERENCE_PRICES.items()
    ]


def plan_providers(
    regions: Sequence[DemoRegion], *, seed: int, scale: float, as_of: dt.date = PLAN_REFERENCE
) -> ProviderPlan:
    """Every provider of the demo city as of ``as_of`` with its documents, classes, staff and prices:
    pure and deterministic in ``seed`` and ``as_of`` (the regions must carry their centres:
    ``plan_regions``)."""
    planner = _Planner(regions, seed, scale, as_of)
    planner.centres()
    planner.meal_points()
    planner.homes()
    planner.childcare()
    _plan_documents(planner)
    _plan_staff(planner)
    reference = _plan_prices(planner)
    return ProviderPlan(planner.providers, reference)


# --- writing the providers ---------------------------------------------------------------------


def providers_step(ctx: DemoContext, advance: Advance) -> None:
    """Plan the providers and write them through the providers actions (6 progress units)."""

    actor = ctx.actor
    plan = plan_providers(ctx.regions, seed=ctx.seed, scale=ctx.scale, as_of=ctx.as_of)
    usccs = [p.uscc for p in plan.providers]
    existing = set(Provider.objects.filter(uscc__in=usccs).values_list("uscc", flat=True))
    result = providers_upsert(actor=actor, records=[p.record for p in plan.providers])
    advance(1)
    insts = {i.uscc: i for i in Provider.objects.filter(uscc__in=usccs)}
    classes = [c for p in plan.providers for c in p.classes]
    if classes:
        classes_upsert(actor=actor, records=classes)
    advance(1)
    _documents_upsert(actor, [(insts[p.uscc], doc) for p in plan.providers for doc in p.documents])
    for p in plan.providers:
        for agreement in p.agreements:
            agreement_add(actor=actor, provider=insts[p.uscc], **agreement)
    advance(1)
    new = [p for p in plan.providers if p.uscc not in existing]
    for p in new:
        for to_status, on, reasons in p.workflow:
            filing_transition(
                actor=actor, provider=insts[p.uscc], to_status=to_status, reasons=reasons, on=on
            )
    advance(1)
    staff = [s for p in plan.providers for s in p.staff]
    if staff:
        staff_upsert_many(actor=actor, records=staff)
    advance(1)
    reference_prices_upsert(actor=actor, records=plan.reference_prices)
    prices = [line for p in plan.providers for line in p.prices]
    if prices:
        prices_upsert(actor=actor, records=prices)
    advance(1)
    ctx.summary["providers"] = result
    ctx.summary["_providers_plan"] = plan
    ctx.summary["_providers_new"] = {p.uscc for p in new}


def _documents_upsert(actor: Any, items: Sequence[tuple[Any, dict[str, Any]]]) -> None:
    """Filing documents by (provider, kind) through the providers' bulk writer (one change-log
    row per created or changed document; unchanged ones untouched)."""
    if items:
        documents_upsert_many(actor=actor, items=items)
