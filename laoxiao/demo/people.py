"""The demo city's people: older people (60+) and young children (under 3) with their follow-up.

Four steps of ``generator.STEPS`` (streams 21–24): ``elders`` (registry, categories,
ability assessments), ``elder-followup`` (monthly welfare visits, yearly health checks),
``children`` (registry and one guardian each) and ``child-followup`` (newborn visits, health
checks, vaccinations). ``--skip-people`` leaves them out; if the city already has older people
(children) they are left as they are and the step writes nothing, so a second run changes nothing.

Reference date
--------------
Ages and follow-up are as on the build's **as-of day** (``DemoContext.as_of``, default today).
Older people are those aged 60+ on that day, children those under 3 (born within the 3 years
before it). Assessments, welfare visits and health checks of older people cover the 24 months up to
it (``WINDOW_MONTHS``; this month's visits after as_of are not made yet, so the month's work list is
partly done); children's follow-up runs from birth to that day (doses due after it are due, not
given).

Counts
------
Per community the counts equal the entered figures of the latest year exactly: ``age_60_plus``
people aged 60+, of whom ``age_65_plus`` are 65+ and ``age_80_plus`` are 80+; ``age_0_2`` children,
of whom those born in the 12 months up to as_of are the plan's yearly 17,258 (× scale) apportioned over the
communities by their ``age_0_2``; the rest are born one year (52%) or two years (48%) earlier.
Ages within a band fall gently with age (80+: about −17% per year of age, up to 104).

Shares chosen (of all aged 60+ unless said; rural communities are villages)
-------------------------------------------------------------------------
* categories: extreme poverty 1.2% (rural ×1.5, urban ×0.5); 最低生活保障 dibao 4% (rural heavier);
  near-dibao 1.5% and low income 1.5%; family-planning special family 0.3% (mostly urban, 60–79);
  severe disability 2% (twice as common at 80+). Poverty categories exclude one another; a category
  is valid from the later of the 60th birthday and a date in 2010 … the reference year.
* extreme poverty support: institutional for about half of those with moderate or worse loss of
  ability (E03's 2020 baseline 50.83%), for 15% of the others; the rest dispersed.
* living arrangement: in an institution about 1.5% (institutional extreme poverty, 10% of the other
  disabled, 2% of 80+); of the others living alone 10% (more at 80+), empty-nest 35%, left-behind
  5% of all (rural only), with family the rest. Institutional residents are linked to an
  elder-care home of their county (else of the city) when providers exist; otherwise to none.
* loss of ability (latent): 2% at 60–64, 4% at 65–79, 14% at 80+, ×2 for extreme poverty, 70% of
  the severely disabled category. Ability assessments (GB/T 42195-2022, scored by
  ``people.assessment`` with the table in force, so levels match the items): 65% of the disabled
  (all disabled extreme poverty), and 5% / 9% / 30% of the others by age band, 40% more
  for the poverty and family-planning categories — about 15% of all, about a quarter of them
  moderate or worse. One assessment each (reason ``first``) dated in the last 24 months.
* welfare visits: everyone on the visit list (derived with the ``welfare.visit_list`` rule: living
  alone, empty-nest, left-behind, moderate or worse, severe disability, family-planning special
  family) is visited in 98.5% of the months they are on it (E08's 2020 baseline is 100%); one visit
  a month over the last 24 months, home 55% / phone 35% / video 10% (home 80% for the disabled and those living alone).
* yearly health checks (65+): per calendar year of the 24 months, 60% of those aged 65+ (E07's 2020
  baseline; in proportion for a part year), dated after the 65th birthday; 93% complete. No one has died or moved out.
* children: 52% boys; birth weight about 3.3 kg; discharge 2–5 days after birth; a birth medical
  certificate number for every child, an ID number for 96% (40% of those born in the last 45
  days); one guardian (mother 75%, father 25%) with an ID number and a phone.
* newborn visits: 94.2% within 7 days of discharge (C01's baseline), 3.3% later (8–20 days), the
  rest none.
* vaccinations: every dose of the child's schedule edition due by the reference date is given with
  probability 0.974, on time (0–6 days late, 65%), somewhat late (7–30 days, 25%) or late (31–75
  days, 10%); birth doses within a day. About 94.4% of the doses due in the reference year are given
  by its end (C02's baseline 94.41%).
* health checks at the age points (1, 3, 6, 8, 12, 18, 24, 30, 36 months): 86% of those due, within
  −14 … +28 days of the due age (inside the 30-day tolerance), about 85% counted (C10's target).

Identifiers are synthetic but valid: 18-digit ID numbers with the community's county code
(340602/340603/340604/340621), the birth date, a sequence number whose parity gives the sex, and the
GB 11643 check digit; unique. Names, phones and addresses are made up.

Writing
-------
These are the largest tables of the demo city (about 3.9 million rows at scale 1), so they are
written with plain multi-row inserts (``COPY`` on PostgreSQL), not through the people actions: the
rows are valid by construction (the tests check IDs, ages, dates and levels), personal fields are
encrypted and blind-indexed as the model fields do. The change log gets **one creation summary row
per community and table** (``changes = {"rows": [null, n]}``, note ``demo city``), as the bulk
actions do for follow-up: demo people are logged as one creation summary per community.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

import numpy as np
from django.apps import apps
from django.db import connections, models, router
from django.utils import timezone

from laoxiao.core.crypto import blind_index, encrypt
from laoxiao.core.models import ChangeLog
from laoxiao.demo.kernel import COUNTIES, Advance, CountySpec, DemoContext, Step, apportion, rng_for, scaled
from laoxiao.people.actions.elders import ScoringCache, add_months, summary_entry
from laoxiao.people.assessment import ScoringRules, score
from laoxiao.people.models import (
    AbilityAssessment,
    Child,
    ChildHealthCheck,
    Elder,
    ElderCategory,
    Guardian,
    HealthCheck,
    NewbornVisit,
    Vaccination,
    WelfareVisit,
)
from laoxiao.people.selectors.children import child_rules
from laoxiao.people.selectors.elders import visit_list_rules
from laoxiao.providers.models import Provider
from laoxiao.regions.models import PopulationFigure

CITY_CODE = "340600"

STREAM_ELDERS = 21
STREAM_ELDER_FOLLOWUP = 22
STREAM_CHILDREN = 23
STREAM_CHILD_FOLLOWUP = 24

BORN_IN_YEAR = 17_258  # children born in 2021 (the plan's figure, scale 1)
STEP_NAMES = ("elders", "elder-followup", "children", "child-followup")
LOG_NOTE = "demo city"

SHARE = {
    "extreme_poverty": 0.012,
    "dibao": 0.04,
    "near_dibao": 0.015,
    "low_income": 0.015,
    "fp_special": 0.003,
    "severe_disability": 0.02,
    "alone": 0.10,
    "empty_nest": 0.35,
    "left_behind": 0.05,
    "visit_month": 0.985,
    "health_check": 0.60,
    "health_check_complete": 0.93,
    "newborn_on_time": 0.942,
    "newborn_late": 0.033,
    "dose_given": 0.974,
    "check_done": 0.86,
    "child_id": 0.96,
}
DISABLED_LEVELS = ("moderate", "severe", "total")
LA_CODES = ("with_family", "alone", "empty_nest", "left_behind", "institution")
LA_WITH_FAMILY, LA_ALONE, LA_EMPTY, LA_LEFT, LA_INST = range(5)
CATEGORIES = ("extreme_poverty", "dibao", "near_dibao", "low_income", "fp_special", "severe_disability")
MODES = ("home", "phone", "video")

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
)
_OLD_MALE = "建国华明德志文军平福成永忠海春贵山林义友生发兴昌荣富财宝根庆光金玉振广学"
_OLD_FEMALE = "秀英兰桂芳珍凤玉梅翠华淑琴云芝荣霞丽娟英兰莲香素美巧爱菊月彩"
_YOUNG_MALE = "浩宇轩子涵睿泽俊杰博文皓然一辰奕铭梓豪逸晨嘉航宸瑞昊天佑乐"
_YOUNG_FEMALE = "欣怡梓涵诗雨若汐依琪可馨语彤梦瑶子萱思雅悦一诺佳安沐晴芷"
_MID_MALE = "伟强磊军勇涛斌超明刚鹏辉杰峰波亮健飞龙浩凯洋帅"
_MID_FEMALE = "静丽敏艳娟燕芳婷慧玲雪倩莉娜红霞颖琳洁晶丹露"
_PHONE_PREFIX: tuple[str, ...] = tuple(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 177 180 181 182 183 185 "
    "186 187 188 189 199".split()
)
_FINDINGS = ("", "", "身体状况良好", "情况稳定", "生活能自理，精神状态好", "血压偏高，已提醒按时服药")
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = "10X98765432"


# --- helpers -------------------------------------------------------------------------------------


def _counties() -> tuple[CountySpec, ...]:
    return COUNTIES


WINDOW_MONTHS = 24  # registry and follow-up records cover the last 24 months up to as_of


def reference_date(ctx: DemoContext) -> dt.date:
    """The day ages and follow-up are as of: the build's as-of day."""
    return ctx.as_of


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def window_start(ref: dt.date) -> dt.date:
    """The first day of the follow-up window: ``WINDOW_MONTHS`` months before ``ref``, plus a day."""
    return add_months(ref, -WINDOW_MONTHS) + dt.timedelta(days=1)


def aged_on(ref: dt.date, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first possible birth day, number of possible days) of people aged exactly ``age`` on ``ref``."""
    uniq, inverse = np.unique(age, return_inverse=True)
    first = []
    length = []
    for a in uniq.tolist():
        hi = years_before(ref, int(a))
        lo = years_before(ref, int(a) + 1) + dt.timedelta(days=1)
        first.append(_d64(lo))
        length.append((hi - lo).days + 1)
    if not len(uniq):
        return np.zeros(0, dtype="datetime64[D]"), np.zeros(0, dtype=np.int64)
    return np.array(first, dtype="datetime64[D]")[inverse], np.array(length, dtype=np.int64)[inverse]


def _d64(day: dt.date) -> np.datetime64:
    return np.datetime64(day.isoformat(), "D")


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    months = days.astype("datetime64[M]")
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months).astype(np.int64) + 1
    return years, month, day


def birthdays(birth: np.ndarray, years: int) -> np.ndarray:
    """The day each person turns ``years`` (29 February → 1 March, as ``visitlist.birthday``)."""
    y, m, d = _ymd(birth)
    month = ((y + years - 1970) * 12 + (m - 1)).astype("datetime64[M]")
    return month.astype("datetime64[D]") + (d - 1)


def _weighted_p(base: float, weights: np.ndarray) -> np.ndarray:
    """Per-person probabilities averaging ``base`` in proportion to ``weights``."""
    w = np.asarray(weights, dtype=float)
    mean = float(w.mean()) if len(w) else 1.0
    return np.clip(base * w / (mean or 1.0), 0.0, 1.0)


def id_numbers(county: np.ndarray, birth: np.ndarray, male: np.ndarray) -> list[str]:
    """Valid, unique 18-digit ID numbers: county code, birth date, sequence (odd = male), check digit."""
    n = len(county)
    if n == 0:
        return []
    bint = birth.astype(np.int64)
    order = np.lexsort((np.arange(n), male, bint, county))
    key = np.stack([county[order], bint[order], male[order].astype(np.int64)], axis=1)
    start = np.ones(n, dtype=bool)
    start[1:] = np.any(key[1:] != key[:-1], axis=1)
    first = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - first
    offset = (bint * 7 + county) % 40
    seq = 2 * (rank + offset) + np.where(male, 1, 2)
    if int(seq.max()) > 999:
        raise ValueError("too many people born on one day in one county for unique ID numbers")
    y, m, d = _ymd(birth)
    body = county * 10**11 + (y * 10000 + m * 100 + d) * 1000 + seq  # 17 digits
    digits = (body[:, None] // (10 ** np.arange(16, -1, -1, dtype=np.int64))) % 10
    check = (digits * _ID_WEIGHTS).sum(axis=1) % 11
    return [f"{b:017d}{_ID_CHECK[c]}" for b, c in zip(body.tolist(), check.tolist(), strict=True)]


def _names(rng: np.random.Generator, male: np.ndarray, male_chars: str, female_chars: str) -> list[str]:
    n = len(male)
    w = 1.0 / np.arange(1, len(_SURNAMES) + 1) ** 0.6
    sur = rng.choice(len(_SURNAMES), n, p=w / w.sum())
    two = rng.random(n) < 0.7
    a = rng.integers(0, 10**6, n)
    b = rng.integers(0, 10**6, n)
    out = []
    for s, is_male, is_two, x, y in zip(
        sur.tolist(), male.tolist(), two.tolist(), a.tolist(), b.tolist(), strict=True
    ):
        chars = male_chars if is_male else female_chars
        given = chars[x % len(chars)] + (chars[y % len(chars)] if is_two else "")
        out.append(_SURNAMES[s] + given)
    return out


def _phones(rng: np.random.Generator, n: int, share: float = 1.0) -> list[str]:
    pre = rng.integers(0, len(_PHONE_PREFIX), n).tolist()
    num = rng.integers(0, 10**8, n).tolist()
    has = (rng.random(n) < share).tolist()
    return [f"{_PHONE_PREFIX[p]}{x:08d}" if h else "" for p, x, h in zip(pre, num, has, strict=True)]


def _encrypt_all(values: Sequence[str]) -> list[str]:
    return [encrypt(v) if v else "" for v in values]


def _index_all(values: Sequence[str], purpose: str = "id") -> list[str]:
    return [blind_index(v, purpose=purpose) if v else "" for v in values]


def _dates(days: np.ndarray) -> list[str | None]:
    text = np.datetime_as_string(days, unit="D").tolist()
    return [None if t == "NaT" else t for t in text]


# --- writing -------------------------------------------------------------------------------------


@contextlib.contextmanager
def bulk_cache(model: type[models.Model]) -> Iterator[None]:
    """SQLite: a 400 MB page cache while the big tables are written (the default 64 MB spills
    pages of the indexes to the WAL again and again in one long transaction); restored after."""
    conn = connections[router.db_for_write(model)]
    if conn.vendor != "sqlite":
        yield
        return
    with conn.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA cache_size = -400000")
    try:
        yield
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {before}")


@dataclasses.dataclass(frozen=True)
class Const:
    """The same value in every row (``None``, ``""``, a bool or an int)."""

    value: None | str | bool | int


Column = Sequence[Any] | np.ndarray | Const


def _literal(value: None | str | bool | int) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(int(value))
    if value == "":
        return "''"
    raise ValueError("only NULL, '', booleans and integers are written as literals")


DEFER_INDEXES_ROWS = 200_000  # SQLite: from this many rows an insert builds the indexes after it


def insert_rows(
    model: type[models.Model], columns: dict[str, Column], advance: Callable[[int], None], batch: int = 20_000
) -> int:
    """Insert rows given column-wise (field names → values; dates as ISO text or datetime64; a
    ``Const`` is the same value in every row).

    SQLite: ``executemany`` (constants written into the statement: binding is most of the cost);
    PostgreSQL: ``COPY``; others: multi-row INSERTs. No model instances, no signals: the caller has
    prepared every value (encrypted fields encrypted)."""
    conn = connections[router.db_for_write(model)]
    lengths = {len(c) for c in columns.values() if not isinstance(c, Const)}
    if len(lengths) > 1:
        raise ValueError("columns of different lengths")
    n = lengths.pop() if lengths else 0
    if n == 0:
        return 0
    consts = {f: c.value for f, c in columns.items() if isinstance(c, Const)}
    varying: dict[str, Sequence[Any] | np.ndarray] = {}
    for f, c in columns.items():
        if not isinstance(c, Const):
            varying[f] = c
        elif conn.vendor != "sqlite":
            varying[f] = [c.value] * n
    if conn.vendor != "sqlite":
        consts = {}
    names = list(varying)
    opts = model._meta
    qn = conn.ops.quote_name
    cols = [qn(cast(models.Field, opts.get_field(f)).column) for f in names]
    const_cols = [qn(cast(models.Field, opts.get_field(f)).column) for f in consts]
    const_sql = [_literal(v) for v in consts.values()]
    table = qn(opts.db_table)

    def rows(lo: int, hi: int) -> list[tuple[Any, ...]]:
        parts: list[list[Any]] = []
        for f in names:
            col = varying[f]
            if isinstance(col, np.ndarray):
                if np.issubdtype(col.dtype, np.datetime64):
                    parts.append(_dates(col[lo:hi]))
                else:
                    parts.append(col[lo:hi].tolist())
            else:
                parts.append(list(col[lo:hi]))
        return list(zip(*parts, strict=True))

    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:  # noqa: S608
                for lo in range(0, n, batch):
                    chunk = rows(lo, min(n, lo + batch))
                    for row in chunk:
                        copy.write_row(row)
                    advance(len(chunk))
            return n
        one = "(" + ", ".join(["%s"] * len(cols) + const_sql) + ")"
        head = f"INSERT INTO {table} ({', '.join(cols + const_cols)}) VALUES "  # noqa: S608 - names from the model
        if conn.vendor == "sqlite":
            # a large insert: the table's secondary indexes are dropped and built again after it
            # (one sort instead of millions of B-tree updates; inside the build's transaction)
            indexes: list[tuple[str, str]] = []
            if n >= DEFER_INDEXES_ROWS:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                    "AND sql IS NOT NULL",
                    [opts.db_table],
                )
                indexes = list(cursor.fetchall())
                for name, _sql in indexes:
                    cursor.execute(f"DROP INDEX {qn(name)}")
            for lo in range(0, n, batch):
                chunk = rows(lo, min(n, lo + batch))
                cursor.executemany(head + one, chunk)
                advance(len(chunk))
            for _name, sql in indexes:
                cursor.execute(sql)
            return n
        per = max(1, 500 // len(cols))
        for lo in range(0, n, batch):
            chunk = rows(lo, min(n, lo + batch))
            for i in range(0, len(chunk), per):
                part = chunk[i : i + per]
                cursor.execute(head + ", ".join([one] * len(part)), [v for r in part for v in r])
            advance(len(chunk))
    return n


def _pk_map(model: type[models.Model], hash_field: str, prefix: str) -> dict[str, int]:
    return dict(model._default_manager.filter(region_code__startswith=prefix).values_list(hash_field, "pk"))


def log_summaries(
    ctx: DemoContext, model: type[models.Model], codes: np.ndarray, community_codes: Sequence[str]
) -> int:
    """One change-log creation summary per community for ``model`` (``codes``: community index per row)."""
    counts = np.bincount(codes, minlength=len(community_codes)) if len(codes) else np.zeros(0, dtype=int)
    entries = [
        summary_entry(
            actor=ctx.actor, model=model, region_code=community_codes[i], count=int(c), note=LOG_NOTE
        )
        for i, c in enumerate(counts.tolist())
        if c
    ]
    ChangeLog.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


# --- the plan ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Community:
    code: str
    county: str
    rural: bool
    address: str  # 淮北市 + county + township + community
    health_centre: str
    age_60_plus: int
    age_65_plus: int
    age_80_plus: int
    age_0_2: int


def communities(ctx: DemoContext) -> list[Community]:
    """The planned communities with their entered figures of the latest year (ordered by code)."""
    year = max(ctx.years)
    names = {r.code: r for r in ctx.regions}
    county_names = {c.code6: c.name for c in _counties()}
    figs = {
        f.region_id: f
        for f in PopulationFigure.objects.filter(
            year=year, region_id__in=[r.code for r in ctx.regions if r.profile]
        )
    }
    out = []
    for r in sorted((r for r in ctx.regions if r.profile is not None), key=lambda r: r.code):
        f = figs.get(r.code)
        if f is None:
            continue
        township = names[r.parent_code] if r.parent_code else None
        tname = township.name if township else ""
        centre = (
            f"{tname}卫生院"
            if township is not None and township.kind == "town"
            else f"{tname}社区卫生服务中心"
        )
        out.append(
            Community(
                code=r.code,
                county=r.code[:6],
                rural=r.is_rural,
                address=f"淮北市{county_names.get(r.code[:6], '')}{tname}{r.name}",
                health_centre=centre,
                age_60_plus=f.age_60_plus or 0,
                age_65_plus=f.age_65_plus or 0,
                age_80_plus=f.age_80_plus or 0,
                age_0_2=f.age_0_2 or 0,
            )
        )
    return out


def _state(ctx: DemoContext) -> dict[str, Any]:
    state: dict[str, Any] = ctx.summary.setdefault("_people", {})
    return state


def _count(ctx: DemoContext, field: str) -> int:
    state = _state(ctx)
    if "communities" not in state:
        state["communities"] = communities(ctx)
    return sum(getattr(c, field) for c in state["communities"])


# --- older people --------------------------------------------------------------------------------


def _age_years(rng: np.random.Generator, n: int, lo: int, hi: int, decline: float) -> np.ndarray:
    ages = np.arange(lo, hi + 1)
    w = np.exp(-decline * (ages - lo))
    return ages[rng.choice(len(ages), n, p=w / w.sum())]


@dataclasses.dataclass
class ElderPlan:
    comm: np.ndarray  # community index
    birth: np.ndarray  # datetime64[D]
    male: np.ndarray
    age: np.ndarray
    rural: np.ndarray
    arrangement: np.ndarray  # index into LA_CODES
    categories: dict[str, np.ndarray]  # category → bool mask
    institutional: np.ndarray  # extreme poverty in institutional support
    disabled: np.ndarray  # latent moderate-or-worse
    assessed: np.ndarray
    id_number: list[str]
    name: list[str]
    phone: list[str]
    address: list[str]
    category_from: np.ndarray  # datetime64[D], one date per person for their categories


def plan_elders(ctx: DemoContext, comms: Sequence[Community]) -> ElderPlan:
    rng = rng_for(ctx.seed, STREAM_ELDERS)
    ref = reference_date(ctx)
    n60 = np.array([c.age_60_plus - c.age_65_plus for c in comms], dtype=np.int64)
    n65 = np.array([c.age_65_plus - c.age_80_plus for c in comms], dtype=np.int64)
    n80 = np.array([c.age_80_plus for c in comms], dtype=np.int64)
    idx = np.arange(len(comms))
    comm = np.concatenate([np.repeat(idx, n60), np.repeat(idx, n65), np.repeat(idx, n80)])
    age = np.concatenate(
        [
            _age_years(rng, int(n60.sum()), 60, 64, 0.02),
            _age_years(rng, int(n65.sum()), 65, 79, 0.035),
            _age_years(rng, int(n80.sum()), 80, 104, 0.19),
        ]
    )
    order = np.argsort(comm, kind="stable")  # community by community
    comm, age = comm[order], age[order]
    n = len(comm)
    # birth: any day that makes them aged exactly ``age`` on the as-of day
    start, length = aged_on(ref, age)
    birth = start + (rng.random(n) * length).astype(np.int64)
    p_female = np.where(age >= 80, 0.60, np.where(age >= 65, 0.53, 0.50))
    male = rng.random(n) >= p_female
    rural = np.array([c.rural for c in comms], dtype=bool)[comm]
    old = age >= 80
    # categories
    u = rng.random((6, n))
    cats: dict[str, np.ndarray] = {}
    cats["extreme_poverty"] = u[0] < _weighted_p(SHARE["extreme_poverty"], np.where(rural, 1.5, 0.5))
    poor = cats["extreme_poverty"].copy()
    cats["dibao"] = ~poor & (
        u[1] < _weighted_p(SHARE["dibao"], np.where(rural, 1.4, 0.7) * np.where(old, 1.3, 1.0))
    )
    poor |= cats["dibao"]
    low = u[2] < _weighted_p(SHARE["near_dibao"] + SHARE["low_income"], np.where(rural, 1.2, 0.9))
    cats["near_dibao"] = ~poor & low & (u[3] < 0.5)
    cats["low_income"] = ~poor & low & (u[3] >= 0.5)
    cats["fp_special"] = u[4] < _weighted_p(
        SHARE["fp_special"], np.where(rural, 0.6, 1.5) * np.where(old, 0.3, 1.0)
    )
    cats["severe_disability"] = u[5] < _weighted_p(SHARE["severe_disability"], np.where(old, 2.0, 1.0))
    # latent loss of ability, assessments
    p_dis = np.where(old, 0.14, np.where(age >= 65, 0.04, 0.02)) * np.where(cats["extreme_poverty"], 2.0, 1.0)
    p_dis = np.where(cats["severe_disability"], 0.7, p_dis)
    disabled = rng.random(n) < p_dis
    p_assess = np.where(old, 0.30, np.where(age >= 65, 0.09, 0.05))
    special = cats["extreme_poverty"] | cats["dibao"] | cats["fp_special"]
    p_assess = np.clip(p_assess + np.where(special, 0.40, 0.0), 0, 1)
    p_assess = np.where(disabled, np.where(cats["extreme_poverty"], 1.0, 0.65), p_assess)
    assessed = rng.random(n) < p_assess
    # support mode and living arrangement
    institutional = cats["extreme_poverty"] & (rng.random(n) < np.where(disabled & assessed, 0.51, 0.15))
    arrangement = np.full(n, LA_WITH_FAMILY, dtype=np.int64)
    in_inst = institutional | (rng.random(n) < np.where(disabled, 0.10, np.where(old, 0.02, 0.0)))
    arrangement[in_inst] = LA_INST
    home = ~in_inst
    p_alone = _weighted_p(SHARE["alone"], np.where(old, 1.6, 1.0) * np.where(male, 0.85, 1.15))[home]
    p_empty = _weighted_p(SHARE["empty_nest"], np.where(old, 0.8, 1.05))[home]
    rural_home = rural[home]
    p_left = np.where(rural_home, SHARE["left_behind"] * n / max(1, int(rural.sum())), 0.0)
    r = rng.random(int(home.sum()))
    la = np.full(len(r), LA_WITH_FAMILY, dtype=np.int64)
    la[r < p_alone + p_empty + p_left] = LA_LEFT
    la[r < p_alone + p_empty] = LA_EMPTY
    la[r < p_alone] = LA_ALONE
    arrangement[home] = la
    # identity
    county = np.array([int(c.county) for c in comms], dtype=np.int64)[comm]
    ids = id_numbers(county, birth, male)
    old_names = _names(rng, male, _OLD_MALE, _OLD_FEMALE)
    phones = _phones(rng, n, 0.9)
    building = rng.integers(1, 40, n).tolist()
    unit = rng.integers(1, 5, n).tolist()
    room = (rng.integers(1, 8, n) * 100 + rng.integers(1, 5, n)).tolist()
    group = rng.integers(1, 13, n).tolist()
    house = rng.integers(1, 90, n).tolist()
    addresses = [
        f"{comms[c].address}{g}组{h}号" if comms[c].rural else f"{comms[c].address}{b}栋{un}单元{rm}室"
        for c, b, un, rm, g, h in zip(comm.tolist(), building, unit, room, group, house, strict=True)
    ]
    lo = np.datetime64("2010-01-01")
    span = (_d64(ref) - lo).astype(np.int64) - 30
    cat_from = np.maximum(birthdays(birth, 60), lo + (rng.random(n) * span).astype(np.int64))
    return ElderPlan(
        comm=comm,
        birth=birth,
        male=male,
        age=age,
        rural=rural,
        arrangement=arrangement,
        categories=cats,
        institutional=institutional,
        disabled=disabled,
        assessed=assessed,
        id_number=ids,
        name=old_names,
        phone=phones,
        address=addresses,
        category_from=cat_from,
    )


def _fast_rules(rules: ScoringRules) -> ScoringRules:
    """The same table with ``item_keys`` computed once (``score`` reads it once per item)."""
    keys = rules.item_keys

    class Cached(ScoringRules):
        @property
        def item_keys(self) -> tuple[str, ...]:
            return keys

    return Cached(**{f.name: getattr(rules, f.name) for f in dataclasses.fields(rules)})


def _assessment_rows(
    ctx: DemoContext, plan: ElderPlan, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """(person index, assessed_on, values) of every assessment, scored with the rule in force."""
    ref = reference_date(ctx)
    who = np.flatnonzero(plan.assessed)
    m = len(who)
    lo = np.maximum(birthdays(plan.birth[who], 60), _d64(window_start(ref)))
    days = (_d64(ref) - lo).astype(np.int64) + 1
    on = lo + (rng.random(m) * days).astype(np.int64)
    disabled = plan.disabled[who]
    band = rng.random(m)
    # disabled: moderate 50%, severe 30%, total 20%; others: intact 45%, mild 55%
    total = np.where(
        disabled,
        np.where(
            band < 0.5,
            rng.integers(46, 66, m),
            np.where(band < 0.8, rng.integers(30, 46, m), rng.integers(5, 30, m)),
        ),
        np.where(band < 0.45, 90, rng.integers(66, 90, m)),
    )
    dementia = disabled & (rng.random(m) < 0.15)
    risk = np.where(disabled & (rng.random(m) < 0.05), 2, 0)
    cache = ScoringCache()
    fast: dict[int, ScoringRules] = {}
    noise = rng.random((m, 26))
    out: list[dict[str, Any]] = []
    days_on = on.tolist()
    for k in range(m):
        day = days_on[k]
        table = cache.rules(day)
        rules = fast.get(id(table)) or fast.setdefault(id(table), _fast_rules(table))
        f = total[k] / rules.max_total
        items = {
            it.key: min(it.max, max(it.min, int(it.max * f + noise[k, j]) if f < 1 else it.max))
            for j, it in enumerate(rules.items)
        }
        result = score(items, rules=rules, dementia=bool(dementia[k]), risk_events_30d=int(risk[k]))
        months = cache.interval_months(day)
        out.append(
            {
                "items": json.dumps(result.items),
                "self_care": result.domains["self_care"],
                "mobility": result.domains["mobility"],
                "mental": result.domains["mental"],
                "perception": result.domains["perception"],
                "total": result.total,
                "preliminary_level": result.preliminary_level,
                "coma": False,
                "dementia": bool(dementia[k]),
                "psychiatric": False,
                "risk_events_30d": int(risk[k]),
                "level": result.level,
                "next_due_on": add_months(day, months).isoformat() if months else None,
                "rule_version": rules.version[:40],
            }
        )
    return who, on, out


def _existing(model_label: str) -> bool:
    model = apps.get_model(model_label)
    return bool(model._default_manager.filter(region_code__startswith=CITY_CODE[:4]).exists())


def _elders_step(ctx: DemoContext, advance: Advance) -> None:
    with bulk_cache(Elder):
        __elders_step_body(ctx, advance)


def __elders_step_body(ctx: DemoContext, advance: Advance) -> None:
    state = _state(ctx)
    if _existing("people.Elder"):
        state["elders_skipped"] = True
        ctx.summary["people"] = {"elders": "exist already: left as they are"}
        return
    comms = state.get("communities") or communities(ctx)
    state["communities"] = comms
    codes = [c.code for c in comms]
    plan = plan_elders(ctx, comms)
    state["elders"] = plan
    n = len(plan.comm)
    conn = connections[router.db_for_write(Elder)]
    now = conn.ops.adapt_datetimefield_value(timezone.now())
    region = np.array(codes, dtype=object)[plan.comm] if n else np.zeros(0, dtype=object)
    # providers for institutional residents (none when no providers exist yet)
    inst_id: list[int | None] = [None] * n
    homes = _eldercare_homes()
    if homes:
        pick = rng_for(ctx.seed, STREAM_ELDERS, 1)
        for i in np.flatnonzero(plan.arrangement == LA_INST).tolist():
            options = homes.get(comms[plan.comm[i]].county) or homes["*"]
            inst_id[i] = options[int(pick.integers(len(options)))]
    hashes = _index_all(plan.id_number)
    home_lon, home_lat = home_positions(ctx, comms, plan.comm)
    insert_rows(
        Elder,
        {
            "id_number": _encrypt_all(plan.id_number),
            "id_number_hash": hashes,
            "name": plan.name,
            "sex": np.where(plan.male, "M", "F"),
            "birth_date": plan.birth,
            "phone": _encrypt_all(plan.phone),
            "address": plan.address,
            "region": region,
            "region_code": region,
            "living_arrangement": np.array(LA_CODES, dtype=object)[plan.arrangement],
            "provider": inst_id,
            "consent_data_sharing": Const(False),
            "consent_on": Const(None),
            "died_on": Const(None),
            "moved_out_on": Const(None),
            "home_lon": home_lon,
            "home_lat": home_lat,
            "created_at": [now] * n,
            "updated_at": [now] * n,
        },
        advance,
    )
    pks_by_hash = _pk_map(Elder, "id_number_hash", CITY_CODE[:4])
    pk = np.array([pks_by_hash[h] for h in hashes], dtype=np.int64)
    state["elder_pk"] = pk
    log_summaries(ctx, Elder, plan.comm, codes)
    # categories
    cat_who: list[np.ndarray] = []
    cat_code: list[np.ndarray] = []
    for cat in CATEGORIES:
        w = np.flatnonzero(plan.categories[cat])
        cat_who.append(w)
        cat_code.append(np.full(len(w), CATEGORIES.index(cat)))
    cw = np.concatenate(cat_who)
    cc = np.concatenate(cat_code)
    ep = cc == CATEGORIES.index("extreme_poverty")
    mode = np.where(ep, np.where(plan.institutional[cw], "institutional", "dispersed"), "")
    insert_rows(
        ElderCategory,
        {
            "elder": pk[cw],
            "region_code": region[cw],
            "category": np.array(CATEGORIES, dtype=object)[cc],
            "support_mode": mode,
            "valid_from": plan.category_from[cw],
            "valid_to": Const(None),
        },
        lambda k: None,
    )
    log_summaries(ctx, ElderCategory, plan.comm[cw], codes)
    # assessments
    rng = rng_for(ctx.seed, STREAM_ELDERS, 2)
    who, on, values = _assessment_rows(ctx, plan, rng)
    state["assessed_who"], state["assessed_on"] = who, on
    state["assessed_level"] = np.array([v["level"] for v in values], dtype=object)
    columns: dict[str, Column] = {
        "elder": pk[who],
        "region_code": region[who],
        "assessed_on": on,
        "reason": ["first"] * len(who),
    }
    for key in values[0] if values else ():
        columns[key] = [v[key] for v in values]
    assessors = _names(
        rng_for(ctx.seed, STREAM_ELDERS, 3), np.ones(len(comms), dtype=bool), _MID_MALE, _MID_FEMALE
    )
    columns["assessor"] = [assessors[c] for c in plan.comm[who].tolist()]
    insert_rows(AbilityAssessment, columns, lambda k: None)
    log_summaries(ctx, AbilityAssessment, plan.comm[who], codes)


HOME_SPREAD_KM = {False: 0.45, True: 0.7}  # urban communities are compact, villages spread wider


def home_positions(
    ctx: DemoContext, comms: Sequence[Community], comm: np.ndarray
) -> tuple[list[float | None], list[float | None]]:
    """Each person's home (lon, lat): scattered around their community's centre point (a normal
    spread of ``HOME_SPREAD_KM``, cut at 2.5 spreads), rounded to 6 decimals (about 0.1 m). Drawn
    from its own stream (``STREAM_ELDERS, 4``): the people themselves stay as they were."""
    n = len(comm)
    if n == 0:
        return [], []
    centres = {r.code: (r.lon, r.lat) for r in ctx.regions if r.profile is not None}
    lon0 = np.array([centres.get(c.code, (None, None))[0] or np.nan for c in comms], dtype=float)
    lat0 = np.array([centres.get(c.code, (None, None))[1] or np.nan for c in comms], dtype=float)
    spread = np.array([HOME_SPREAD_KM[c.rural] for c in comms], dtype=float)[comm]
    rng = rng_for(ctx.seed, STREAM_ELDERS, 4)
    dx = np.clip(rng.standard_normal(n), -2.5, 2.5) * spread
    dy = np.clip(rng.standard_normal(n), -2.5, 2.5) * spread
    lat = lat0[comm] + dy / 111.32
    lon = lon0[comm] + dx / (111.32 * np.cos(np.radians(np.nan_to_num(lat0[comm], nan=34.0))))
    lons = [None if math.isnan(x) else x for x in np.round(lon, 6).tolist()]
    lats = [None if math.isnan(y) else y for y in np.round(lat, 6).tolist()]
    return lons, lats


def _eldercare_homes() -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for pk, code in (
        Provider.objects.filter(kind="eldercare_home", region_code__startswith=CITY_CODE[:4])
        .order_by("pk")
        .values_list("pk", "region_code")
    ):
        out.setdefault(code[:6], []).append(pk)
        out.setdefault("*", []).append(pk)
    return out


@dataclasses.dataclass
class ElderFollowUp:
    visit_who: np.ndarray
    visit_on: np.ndarray
    visit_mode: np.ndarray
    visit_due: int  # person-months on the list
    check_who: np.ndarray
    check_on: np.ndarray
    check_complete: np.ndarray
    eligible_65: int


def plan_elder_followup(
    ctx: DemoContext,
    plan: ElderPlan,
    assessed_who: np.ndarray,
    assessed_on: np.ndarray,
    assessed_level: np.ndarray,
) -> ElderFollowUp:
    rng = rng_for(ctx.seed, STREAM_ELDER_FOLLOWUP)
    ref = reference_date(ctx)
    n = len(plan.comm)
    rules = visit_list_rules(ref)
    far = np.datetime64("9999-12-31")
    # the day each person enters the list (the earliest criterion start), or never
    entry = np.full(n, far, dtype="datetime64[D]")
    bday60 = birthdays(plan.birth, 60)
    la_codes = np.array(LA_CODES, dtype=object)[plan.arrangement]
    la_hit = np.isin(la_codes, sorted(rules.values_of("living_arrangement")))
    entry = np.where(la_hit, bday60, entry)
    for cat in rules.values_of("category"):
        if cat in plan.categories:
            entry = np.where(plan.categories[cat], np.minimum(entry, plan.category_from), entry)
    level_hit = (
        np.isin(assessed_level, sorted(rules.values_of("level")))
        if len(assessed_level)
        else np.zeros(0, bool)
    )
    hit_who = assessed_who[level_hit]
    entry[hit_who] = np.minimum(entry[hit_who], assessed_on[level_hit])
    entry = np.maximum(entry, bday60)
    # the last 24 months up to as_of, this month included (its visits after as_of not made yet)
    this_month = _d64(ref).astype("datetime64[M]")
    months = np.arange(this_month - (WINDOW_MONTHS - 1), this_month + 1)
    starts = months.astype("datetime64[D]")
    ends = (months + 1).astype("datetime64[D]") - 1
    listed = np.flatnonzero(entry <= ends[-1])
    on_list = entry[listed][:, None] <= ends[None, :]  # person × month
    visited = on_list & (rng.random(on_list.shape) < SHARE["visit_month"])
    pi, mi = np.nonzero(visited)
    who = listed[pi]
    lo = np.maximum(starts[mi], entry[who])
    span = (ends[mi] - lo).astype(np.int64) + 1
    on = lo + (rng.random(len(who)) * span).astype(np.int64)
    made = on <= _d64(ref)
    who, on = who[made], on[made]
    home_heavy = (plan.arrangement[who] == LA_ALONE) | plan.disabled[who]
    r = rng.random(len(who))
    p_home = np.where(home_heavy, 0.8, 0.55)
    mode = np.where(r < p_home, 0, np.where(r < p_home + (1 - p_home) * 0.78, 1, 2))
    # yearly health checks, 65+: per calendar year of the window, 60% of a whole year's 65+
    bday65 = birthdays(plan.birth, 65)
    eligible = np.flatnonzero(bday65 <= _d64(ref))
    first = window_start(ref)
    cw, cd = [], []
    for year in range(first.year, ref.year + 1):
        pstart, pend = max(first, dt.date(year, 1, 1)), min(ref, dt.date(year, 12, 31))
        share = ((pend - pstart).days + 1) / ((dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1)
        able = eligible[bday65[eligible] <= _d64(pend)]
        picked = able[rng.random(len(able)) < SHARE["health_check"] * share]
        clo = np.maximum(bday65[picked], _d64(pstart))
        cspan = (_d64(pend) - clo).astype(np.int64) + 1
        cw.append(picked)
        cd.append(clo + (rng.random(len(picked)) * cspan).astype(np.int64))
    chosen = np.concatenate(cw)
    con = np.concatenate(cd)
    complete = rng.random(len(chosen)) < SHARE["health_check_complete"]
    return ElderFollowUp(
        visit_who=who,
        visit_on=on,
        visit_mode=mode,
        visit_due=int(on_list.sum()),
        check_who=chosen,
        check_on=con,
        check_complete=complete,
        eligible_65=len(eligible),
    )


def _elder_followup_size(ctx: DemoContext) -> int | None:
    state = _state(ctx)
    plan = state.get("elders")
    if plan is None:
        return 0
    fu = plan_elder_followup(ctx, plan, state["assessed_who"], state["assessed_on"], state["assessed_level"])
    state["elder_followup"] = fu
    return len(fu.visit_who) + len(fu.check_who)


def _elder_followup_step(ctx: DemoContext, advance: Advance) -> None:
    with bulk_cache(Elder):
        __elder_followup_step_body(ctx, advance)


def __elder_followup_step_body(ctx: DemoContext, advance: Advance) -> None:
    state = _state(ctx)
    plan: ElderPlan | None = state.get("elders")
    fu: ElderFollowUp | None = state.get("elder_followup")
    if plan is None or fu is None:
        return
    comms = state["communities"]
    codes = np.array([c.code for c in comms], dtype=object)
    pk = state["elder_pk"]
    workers = _names(
        rng_for(ctx.seed, STREAM_ELDER_FOLLOWUP, 1),
        np.zeros(len(comms) * 3, dtype=bool),
        _MID_MALE,
        _MID_FEMALE,
    )
    vcomm = plan.comm[fu.visit_who]
    pick = fu.visit_who % 3
    visitor = np.array(workers, dtype=object)[vcomm * 3 + pick]
    findings = np.array(_FINDINGS, dtype=object)[fu.visit_who % len(_FINDINGS)]
    insert_rows(
        WelfareVisit,
        {
            "elder": pk[fu.visit_who],
            "region_code": codes[vcomm],
            "visited_on": fu.visit_on,
            "mode": np.array(MODES, dtype=object)[fu.visit_mode],
            "visitor": visitor,
            "findings": findings,
            "needs": Const(""),
            "follow_up": Const(""),
            "routed_to_provider": Const(None),
            "routed_to_region": Const(""),
        },
        advance,
    )
    log_summaries(ctx, WelfareVisit, vcomm, list(codes))
    ccomm = plan.comm[fu.check_who]
    insert_rows(
        HealthCheck,
        {
            "elder": pk[fu.check_who],
            "region_code": codes[ccomm],
            "checked_on": fu.check_on,
            "provider": np.array([c.health_centre for c in comms], dtype=object)[ccomm],
            "complete": fu.check_complete,
        },
        advance,
    )
    log_summaries(ctx, HealthCheck, ccomm, list(codes))
    ctx.summary["people"] = {**ctx.summary.get("people", {}), **elder_figures(ctx, plan, fu, state)}


def elder_figures(
    ctx: DemoContext, plan: ElderPlan, fu: ElderFollowUp, state: dict[str, Any]
) -> dict[str, Any]:
    ref = reference_date(ctx)
    levels = state["assessed_level"]
    n = len(plan.comm)
    return {
        "elders": n,
        "elders_65_plus": int((plan.age >= 65).sum()),
        "elders_80_plus": int((plan.age >= 80).sum()),
        "categories": {c: int(m.sum()) for c, m in plan.categories.items()},
        "living_arrangement": {LA_CODES[i]: int((plan.arrangement == i).sum()) for i in range(len(LA_CODES))},
        "assessed": len(levels),
        "assessed_moderate_or_worse": int(np.isin(levels, DISABLED_LEVELS).sum()),
        "visit_person_months": fu.visit_due,
        "visits": len(fu.visit_who),
        "visit_rate": len(fu.visit_who) / fu.visit_due if fu.visit_due else None,
        "health_checks": len(fu.check_who),
        # of the last whole calendar year (the window holds two years of checks)
        "health_check_rate": (
            int((fu.check_on.astype("datetime64[Y]").astype(np.int64) + 1970 == ref.year - 1).sum())
            / fu.eligible_65
            if fu.eligible_65
            else None
        ),
        "reference_date": ref.isoformat(),
    }


# --- children ------------------------------------------------------------------------------------


@dataclasses.dataclass
class ChildPlan:
    comm: np.ndarray
    birth: np.ndarray
    male: np.ndarray
    discharge: np.ndarray
    weight: np.ndarray
    id_number: list[str]
    cert: list[str]
    name: list[str]
    g_name: list[str]
    g_relation: np.ndarray
    g_id: list[str]
    g_phone: list[str]


def plan_children(ctx: DemoContext, comms: Sequence[Community]) -> ChildPlan:
    rng = rng_for(ctx.seed, STREAM_CHILDREN)
    ref = reference_date(ctx)
    a02 = np.array([c.age_0_2 for c in comms], dtype=np.int64)
    total = int(a02.sum())
    born_now = min(scaled(BORN_IN_YEAR, ctx.scale), total)
    this_year = apportion(born_now, a02, caps=a02) if len(a02) else a02
    idx = np.arange(len(comms))
    comm = np.concatenate([np.repeat(idx, this_year), np.repeat(idx, a02 - this_year)])
    n = len(comm)
    n_now = int(this_year.sum())
    # age in whole years on as_of: 0 (born in the 12 months up to as_of), 1 or 2
    band = np.concatenate([np.zeros(n_now, dtype=np.int64), np.where(rng.random(n - n_now) < 0.52, 1, 2)])
    order = np.argsort(comm, kind="stable")
    comm, band = comm[order], band[order]
    start, length = aged_on(ref, band)
    birth = start + (rng.random(n) * length).astype(np.int64)
    by = _ymd(birth)[0] if n else np.zeros(0, dtype=np.int64)
    male = rng.random(n) < 0.52
    discharge = birth + rng.integers(2, 6, n)
    weight = np.clip(rng.normal(3300, 450, n), 1500, 4800).round().astype(np.int64)
    county = np.array([int(c.county) for c in comms], dtype=np.int64)[comm]
    recent = birth > _d64(ref) - 45
    has_id = rng.random(n) < np.where(recent, 0.40, SHARE["child_id"] + 0.004)
    all_ids = id_numbers(county, birth, male)
    ids = [x if h else "" for x, h in zip(all_ids, has_id.tolist(), strict=True)]
    # certificate: a year letter, 34, the county's last two digits, a running number
    letters = np.array(list("PQRSTUVWXYZ"))[(by - 2015) % 11]
    key = county * 10000 + by
    korder = np.lexsort((np.arange(n), key))
    ks = key[korder]
    first = np.maximum.accumulate(np.where(np.r_[True, ks[1:] != ks[:-1]], np.arange(n), 0))
    serial = np.empty(n, dtype=np.int64)
    serial[korder] = np.arange(n) - first + 1 + (key[korder] % 997)
    certs = [
        f"{ltr}34{c % 100:02d}{s:06d}"
        for ltr, c, s in zip(letters.tolist(), county.tolist(), serial.tolist(), strict=True)
    ]
    names = _names(rng, male, _YOUNG_MALE, _YOUNG_FEMALE)
    mother = rng.random(n) < 0.75
    g_age = np.where(
        mother, np.clip(rng.normal(28, 4, n), 20, 42), np.clip(rng.normal(30, 4, n), 22, 45)
    ).astype(np.int64)
    g_birth = birthdays(birth, 0) - (g_age * 365.25).astype(np.int64) - rng.integers(0, 300, n)
    same = rng.random(n) < 0.88
    other = np.array([int(c.code6) for c in _counties()], dtype=np.int64)[
        rng.integers(0, len(_counties()), n)
    ]
    g_county = np.where(same, county, other)
    g_ids = id_numbers(g_county, g_birth, ~mother)
    g_names = _names(rng, ~mother, _MID_MALE, _MID_FEMALE)
    return ChildPlan(
        comm=comm,
        birth=birth,
        male=male,
        discharge=discharge,
        weight=weight,
        id_number=ids,
        cert=certs,
        name=names,
        g_name=g_names,
        g_relation=np.where(mother, "母亲", "父亲"),
        g_id=g_ids,
        g_phone=_phones(rng, n),
    )


def _children_step(ctx: DemoContext, advance: Advance) -> None:
    with bulk_cache(Elder):
        __children_step_body(ctx, advance)


def __children_step_body(ctx: DemoContext, advance: Advance) -> None:
    state = _state(ctx)
    if _existing("people.Child"):
        state["children_skipped"] = True
        ctx.summary["people"] = {
            **ctx.summary.get("people", {}),
            "children": "exist already: left as they are",
        }
        return
    comms = state.get("communities") or communities(ctx)
    state["communities"] = comms
    codes = np.array([c.code for c in comms], dtype=object)
    plan = plan_children(ctx, comms)
    state["children"] = plan
    n = len(plan.comm)
    now = connections[router.db_for_write(Child)].ops.adapt_datetimefield_value(timezone.now())
    region = codes[plan.comm] if n else np.zeros(0, dtype=object)
    cert_hash = _index_all(plan.cert, purpose="birthcert")
    insert_rows(
        Child,
        {
            "id_number": _encrypt_all(plan.id_number),
            "id_number_hash": _index_all(plan.id_number),
            "birth_certificate_number": _encrypt_all(plan.cert),
            "birth_certificate_hash": cert_hash,
            "name": plan.name,
            "sex": np.where(plan.male, "M", "F"),
            "birth_date": plan.birth,
            "birth_weight_g": plan.weight,
            "discharge_date": plan.discharge,
            "region": region,
            "region_code": region,
            "provider": Const(None),
            "childcare_class": Const(None),
            "died_on": Const(None),
            "moved_out_on": Const(None),
            "created_at": [now] * n,
            "updated_at": [now] * n,
        },
        advance,
    )
    by_hash = _pk_map(Child, "birth_certificate_hash", CITY_CODE[:4])
    pk = np.array([by_hash[h] for h in cert_hash], dtype=np.int64)
    state["child_pk"] = pk
    log_summaries(ctx, Child, plan.comm, list(codes))
    insert_rows(
        Guardian,
        {
            "child": pk,
            "region_code": region,
            "id_number": _encrypt_all(plan.g_id),
            "id_number_hash": _index_all(plan.g_id),
            "name": plan.g_name,
            "relation": plan.g_relation,
            "phone": _encrypt_all(plan.g_phone),
        },
        lambda k: None,
    )
    log_summaries(ctx, Guardian, plan.comm, list(codes))


@dataclasses.dataclass
class ChildFollowUp:
    visit_who: np.ndarray
    visit_on: np.ndarray
    check_who: np.ndarray
    check_point: np.ndarray  # index into points
    check_on: np.ndarray
    points: tuple[str, ...]
    dose_who: np.ndarray
    dose_index: np.ndarray  # index into doses
    dose_on: np.ndarray
    doses: tuple[tuple[str, int], ...]
    dose_due_in_year: int
    dose_given_in_year: int
    checks_due_in_year: int
    checks_done_in_year: int
    newborn_due: int
    newborn_on_time: int


def _due_table(births: np.ndarray, due: Callable[[dt.date], dt.date]) -> np.ndarray:
    """``due(birth)`` for each distinct birth date, as datetime64 per child."""
    uniq, inverse = np.unique(births, return_inverse=True)
    table = np.array([_d64(due(b)) for b in uniq.astype(dt.date).tolist()], dtype="datetime64[D]")
    return table[inverse]


def plan_child_followup(ctx: DemoContext, plan: ChildPlan) -> ChildFollowUp:
    rng = rng_for(ctx.seed, STREAM_CHILD_FOLLOWUP)
    ref = _d64(reference_date(ctx))
    jan1 = _d64(dt.date(reference_date(ctx).year, 1, 1))
    rules = child_rules()
    n = len(plan.comm)
    # newborn visits
    r = rng.random(n)
    offset = np.where(
        r < SHARE["newborn_on_time"],
        rng.integers(1, 8, n),
        np.where(r < SHARE["newborn_on_time"] + SHARE["newborn_late"], rng.integers(8, 21, n), -1),
    )
    vdate = plan.discharge + offset
    has_visit = (offset > 0) & (vdate <= ref)
    days = int(rules.newborn(reference_date(ctx))["days"]) if n else 7
    deadline = plan.discharge + days
    due_nb = deadline <= ref
    in_year = due_nb & (plan.birth >= jan1)
    newborn_on_time = int((in_year & has_visit & (vdate <= deadline)).sum())
    # health checks at the age points (one schedule: the rule is looked up per birth date)
    sched = rules.check_schedule(reference_date(ctx))
    points = tuple(p.age_point for p in sched.points)
    cw, cp, con = [], [], []
    due_year = done_year = 0
    for k, point in enumerate(sched.points):
        due = _due_table(plan.birth, point.due_on) if n else np.zeros(0, dtype="datetime64[D]")
        sel = due <= ref
        off = np.clip(np.rint(rng.normal(4, 7, n)), -14, 28).astype(np.int64)
        on = np.maximum(due + off, plan.birth + 1)
        done = sel & (rng.random(n) < SHARE["check_done"]) & (on <= ref)
        due_in = sel & (due >= jan1)
        due_year += int(due_in.sum())
        done_year += int((due_in & done).sum())
        w = np.flatnonzero(done)
        cw.append(w)
        cp.append(np.full(len(w), k))
        con.append(on[w])
    # vaccinations: every dose of the child's edition (chosen by birth date) due by the reference date
    ref_day = reference_date(ctx)
    uniq, inverse = np.unique(plan.birth, return_inverse=True)
    edition_names = [rules.edition(b, ref_day).name for b in uniq.astype(dt.date).tolist()]
    child_edition = np.array(edition_names, dtype=object)[inverse] if n else np.zeros(0, dtype=object)
    doses: list[tuple[str, int]] = []
    dw, di, don = [], [], []
    given_year = due_in_year = 0
    child_late = rng.random(n)
    for name in sorted(set(edition_names)):
        group = np.flatnonzero(child_edition == name)
        m = len(group)
        births = plan.birth[group]
        schedule = rules.vaccine_schedule(births[0].astype(dt.date), ref_day)
        last_given: dict[str, np.ndarray] = {}
        for dose in schedule:
            if dose.key not in doses:
                doses.append(dose.key)
            k = doses.index(dose.key)
            due = _due_table(births, dose.due_on)
            sel = due <= ref
            r = rng.random(m)
            if dose.age_months is None and (dose.age_days or 0) <= 1:
                late = rng.integers(0, 2, m)  # birth doses: within a day
            else:
                late = np.where(
                    r < 0.65,
                    rng.integers(0, 7, m),
                    np.where(r < 0.90, rng.integers(7, 31, m), rng.integers(31, 76, m)),
                )
                late = np.where(child_late[group] < 0.1, late + rng.integers(0, 15, m), late)
            on = due + late
            prev = last_given.get(dose.vaccine)
            if prev is not None:  # at least four weeks after the previous dose of the vaccine
                on = np.where(np.isnat(prev), on, np.maximum(on, prev + 28))
            given = sel & (rng.random(m) < SHARE["dose_given"]) & (on <= ref)
            last_given[dose.vaccine] = np.where(given, on, np.datetime64("NaT"))
            due_in = sel & (due >= jan1)
            due_in_year += int(due_in.sum())
            given_year += int((due_in & given).sum())
            w = np.flatnonzero(given)
            dw.append(group[w])
            di.append(np.full(len(w), k))
            don.append(on[w])
    empty = np.zeros(0, dtype=np.int64)
    return ChildFollowUp(
        visit_who=np.flatnonzero(has_visit),
        visit_on=vdate[has_visit],
        check_who=np.concatenate(cw) if cw else empty,
        check_point=np.concatenate(cp) if cp else empty,
        check_on=np.concatenate(con) if con else np.zeros(0, dtype="datetime64[D]"),
        points=points,
        dose_who=np.concatenate(dw) if dw else empty,
        dose_index=np.concatenate(di) if di else empty,
        dose_on=np.concatenate(don) if don else np.zeros(0, dtype="datetime64[D]"),
        doses=tuple(doses),
        dose_due_in_year=due_in_year,
        dose_given_in_year=given_year,
        checks_due_in_year=due_year,
        checks_done_in_year=done_year,
        newborn_due=int(in_year.sum()),
        newborn_on_time=newborn_on_time,
    )


def _child_followup_size(ctx: DemoContext) -> int | None:
    state = _state(ctx)
    plan = state.get("children")
    if plan is None:
        return 0
    fu = plan_child_followup(ctx, plan)
    state["child_followup"] = fu
    return len(fu.visit_who) + len(fu.check_who) + len(fu.dose_who)


def _child_followup_step(ctx: DemoContext, advance: Advance) -> None:
    with bulk_cache(Elder):
        __child_followup_step_body(ctx, advance)


def __child_followup_step_body(ctx: DemoContext, advance: Advance) -> None:
    state = _state(ctx)
    plan: ChildPlan | None = state.get("children")
    fu: ChildFollowUp | None = state.get("child_followup")
    if plan is None or fu is None:
        return
    comms = state["communities"]
    codes = np.array([c.code for c in comms], dtype=object)
    pk = state["child_pk"]
    doctors = np.array(
        _names(
            rng_for(ctx.seed, STREAM_CHILD_FOLLOWUP, 1),
            np.zeros(len(comms), dtype=bool),
            _MID_MALE,
            _MID_FEMALE,
        ),
        dtype=object,
    )
    vcomm = plan.comm[fu.visit_who]
    insert_rows(
        NewbornVisit,
        {
            "child": pk[fu.visit_who],
            "region_code": codes[vcomm],
            "visited_on": fu.visit_on,
            "visitor": doctors[vcomm],
        },
        advance,
    )
    log_summaries(ctx, NewbornVisit, vcomm, list(codes))
    ccomm = plan.comm[fu.check_who]
    insert_rows(
        ChildHealthCheck,
        {
            "child": pk[fu.check_who],
            "region_code": codes[ccomm],
            "checked_on": fu.check_on,
            "age_point": np.array(fu.points, dtype=object)[fu.check_point],
        },
        advance,
    )
    log_summaries(ctx, ChildHealthCheck, ccomm, list(codes))
    dcomm = plan.comm[fu.dose_who]
    vaccine = np.array([d[0] for d in fu.doses], dtype=object)
    number = np.array([d[1] for d in fu.doses], dtype=np.int64)
    insert_rows(
        Vaccination,
        {
            "child": pk[fu.dose_who],
            "region_code": codes[dcomm],
            "vaccine": vaccine[fu.dose_index],
            "dose": number[fu.dose_index],
            "given_on": fu.dose_on,
        },
        advance,
    )
    log_summaries(ctx, Vaccination, dcomm, list(codes))
    ref = reference_date(ctx)
    ctx.summary["people"] = {
        **ctx.summary.get("people", {}),
        "children": len(plan.comm),
        "children_born_in_year": int((plan.birth >= _d64(dt.date(ref.year, 1, 1))).sum()),
        "children_with_id": sum(1 for x in plan.id_number if x),
        "newborn_visits": len(fu.visit_who),
        "newborn_rate": fu.newborn_on_time / fu.newborn_due if fu.newborn_due else None,
        "child_checks": len(fu.check_who),
        "child_check_rate": fu.checks_done_in_year / fu.checks_due_in_year if fu.checks_due_in_year else None,
        "vaccinations": len(fu.dose_who),
        "vaccination_rate": fu.dose_given_in_year / fu.dose_due_in_year if fu.dose_due_in_year else None,
    }


def _finish(ctx: DemoContext) -> None:
    ctx.summary.pop("_people", None)


def people_steps() -> list[Step]:
    """The people steps of ``generator.STEPS``."""

    def last(ctx: DemoContext, advance: Advance) -> None:
        _child_followup_step(ctx, advance)
        _finish(ctx)

    return [
        Step(
            "elders", "写入老年人 writing older people", lambda ctx: _count(ctx, "age_60_plus"), _elders_step
        ),
        Step(
            "elder-followup",
            "写入探访和体检 writing welfare visits and health checks",
            _elder_followup_size,
            _elder_followup_step,
        ),
        Step(
            "children",
            "写入婴幼儿 writing young children",
            lambda ctx: _count(ctx, "age_0_2"),
            _children_step,
        ),
        Step("child-followup", "写入儿童随访 writing child follow-up", _child_followup_size, last),
    ]
