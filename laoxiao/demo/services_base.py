"""The shared pieces of the demo's month of service (``laoxiao.demo.services``): the constants, the
month's window and moment, the people and community centres read from the registry, and the writers
(``insert_logged`` through ``core.bulk``, ``insert_raw`` column-wise with COPY on PostgreSQL)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connections, router
from django.utils import timezone

from laoxiao.core import bulk
from laoxiao.core.models import ChangeLog
from laoxiao.demo.kernel import DemoContext
from laoxiao.demo.people import CITY_CODE, insert_rows
from laoxiao.people.models import AbilityAssessment, Elder, ElderCategory
from laoxiao.providers.models import Certificate, Provider, ServiceItem, StaffMember

STREAM_SERVICES = 41
LOG_NOTE = "demo city: a month of service"
WINDOW_DAYS = 30
AHEAD_DAYS = 7  # orders already placed for the coming days
SLOTS = (dt.time(8, 0), dt.time(10, 0), dt.time(14, 0), dt.time(16, 0))  # a worker's two-hour slots
PRICE_FROM = dt.date(2021, 1, 1)
MIN_DINERS = 5  # at every meal point
MEAL_PRICE_FEN = 1200  # a meal point without a price list charges this (the demo's choice)
DEMO_VENDOR = "demo-devices"
DEMO_VENDOR_KEY = "demo-device-vendor-key"  # noqa: S105 - the demo vendor's published key

# the demo's choices (shares of the eligible people)
SHARE = {
    "care_plan": 0.35,  # of the entitled people at home: a weekly care plan
    "family_orders": 0.45,  # of the others: one to three orders from the family this month
    "self_paying": 0.004,  # of everyone else at home, 70+: a family orders and pays itself
    "cancelled": 0.03,
    "unconfirmed": 0.06,  # done, not yet confirmed (more in the last days)
    "rated": 0.92,  # of the confirmed: with a rating
    "far": 0.012,  # visits checked in far from the home
    "short": 0.010,  # visits shorter than the item's minimum
    "late": 0.006,  # visits entered days after they happened
    "care_bed": 0.08,  # of the moderate-or-worse people at home
    "respite": 0.02,  # of the moderate-or-worse people at home
    "diner": 0.04,  # of the older people in a meal point's community
}
PLAN_ITEMS = ("hv_personal_care", "hv_cleaning", "hv_health_check", "hv_caring_visit", "hv_bath", "hv_rehab")
FAMILY_ITEMS = (
    "hv_cleaning",
    "hv_doctor",
    "hv_errands",
    "hv_bath",
    "hv_company",
    "hv_walk",
    "hv_meal_delivery",
)
HOME_PRICES_FEN = {  # the demo centres' own prices (the government price is a rule)
    "hv_meal_delivery": 800,
    "hv_bath": 8000,
    "hv_cleaning": 4000,
    "hv_walk": 3500,
    "hv_doctor": 6000,
    "hv_personal_care": 5000,
    "hv_continence": 4000,
    "hv_turning": 3500,
    "hv_medication": 2500,
    "hv_rehab": 6000,
    "hv_health_check": 2500,
    "hv_caring_visit": 3000,
    "hv_company": 3500,
    "hv_errands": 2500,
    "hv_home_assessment": 6000,
}
COMMENTS = ("", "", "服务很好", "准时，认真", "师傅很耐心", "满意", "下次还找她")
CANCEL_REASONS = ("家属临时有事", "老人住院", "时间冲突，改期")


DEMO_HOUR = dt.time(15, 0)  # the month is written as seen at 15:00 on the as-of day (deterministic)


def demo_now(as_of: dt.date) -> dt.datetime:
    """The moment the demo month is seen at: 15:00 on the as-of day (not the present time of day,
    so that two builds are the same)."""
    return aware_at(as_of, DEMO_HOUR)


def month_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The demo month: the 30 days ending on ``as_of``."""
    return as_of - dt.timedelta(days=WINDOW_DAYS - 1), as_of


@dataclasses.dataclass
class Person:
    pk: int
    region: str
    birth: dt.date
    lon: float | None
    lat: float | None
    at_home: bool
    categories: dict[str, str]  # category → support mode
    level: str  # latest assessment level ("" when never assessed)
    assessment_id: int | None


def age_years(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def people_of(as_of: dt.date) -> list[Person]:
    prefix = CITY_CODE[:4]
    cats: dict[int, dict[str, str]] = defaultdict(dict)
    for elder_id, cat, mode in (
        ElderCategory.objects.filter(region_code__startswith=prefix, valid_from__lte=as_of)
        .exclude(valid_to__lt=as_of)
        .values_list("elder_id", "category", "support_mode")
        .iterator(chunk_size=20000)
    ):
        cats[elder_id][cat] = mode
    latest: dict[int, tuple[dt.date, int, str]] = {}
    for elder_id, on, pk, level in (
        AbilityAssessment.objects.filter(region_code__startswith=prefix, assessed_on__lte=as_of)
        .values_list("elder_id", "assessed_on", "pk", "level")
        .iterator(chunk_size=20000)
    ):
        if elder_id not in latest or (on, pk) > latest[elder_id][:2]:
            latest[elder_id] = (on, pk, level)
    out = []
    for pk, region, birth, lon, lat, died, moved, provider_id, arrangement in (
        Elder.objects.filter(region_code__startswith=prefix)
        .order_by("pk")
        .values_list(
            "pk",
            "region_code",
            "birth_date",
            "home_lon",
            "home_lat",
            "died_on",
            "moved_out_on",
            "provider_id",
            "living_arrangement",
        )
        .iterator(chunk_size=20000)
    ):
        if died is not None or moved is not None:
            continue
        a = latest.get(pk)
        out.append(
            Person(
                pk=pk,
                region=region,
                birth=birth,
                lon=lon,
                lat=lat,
                at_home=provider_id is None and arrangement != "institution",
                categories=cats.get(pk, {}),
                level=a[2] if a else "",
                assessment_id=a[1] if a else None,
            )
        )
    return out


def entitlement_groups(p: Person, data: dict[str, Any], day: dt.date) -> list[dict[str, Any]]:
    """The groups of ``services.entitlement_groups`` ``p`` belongs to on ``day``."""
    age = age_years(p.birth, day)
    out = []
    for g in data["groups"]:
        if age < int(g.get("min_age") or 0):
            continue
        if g.get("categories"):
            modes = [p.categories[c] for c in g["categories"] if c in p.categories]
            if not modes:
                continue
            if g.get("support_mode") and g["support_mode"] not in modes:
                continue
        if g.get("ability_levels") and p.level not in g["ability_levels"]:
            continue
        out.append(g)
    return out


@dataclasses.dataclass
class Centre:
    pk: int
    region: str
    lon: float
    lat: float
    workers: list[int]  # employed through the month
    certified: dict[str, list[int]]  # certificate kind → workers holding it valid through the month


def centres_of(first: dt.date, as_of: dt.date) -> list[Centre]:
    qs = Provider.objects.filter(kind=Provider.Kind.COMMUNITY_CENTRE, region_code__startswith=CITY_CODE[:4])
    centres = {
        pk: Centre(pk, region, lon or 0.0, lat or 0.0, [], defaultdict(list))
        for pk, region, lon, lat in qs.order_by("pk").values_list("pk", "region_code", "lon", "lat")
    }
    staff = (
        StaffMember.objects.filter(
            provider_id__in=list(centres), role__in=["eldercare_worker", "nurse", "social_worker"]
        )
        .filter(hired_on__lte=first)
        .exclude(left_on__lte=as_of)
        .order_by("pk")
        .values_list("pk", "provider_id")
    )
    for pk, provider_id in staff:
        centres[provider_id].workers.append(pk)
    worker_of = {w: c for c in centres.values() for w in c.workers}
    for staff_id, kind in (
        Certificate.objects.filter(staff_id__in=list(worker_of))
        .exclude(issued_on__gt=first)
        .exclude(expires_on__lt=as_of)
        .order_by("staff_id", "pk")
        .values_list("staff_id", "kind")
    ):
        lst = worker_of[staff_id].certified[kind]
        if staff_id not in lst:
            lst.append(staff_id)
    return [c for c in centres.values() if c.workers]


def aware_at(day: dt.date, t: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, t, tzinfo=timezone.get_current_timezone())


def price_fen(price: Decimal) -> int:
    return int((price * 100).to_integral_value())


def units_of(item: ServiceItem, minutes: int) -> int:
    return max(1, math.ceil(minutes / 60)) if item.unit_kind == ServiceItem.UnitKind.HOUR else 1


def log_summaries(ctx: DemoContext, model: Any, regions: Sequence[str]) -> None:
    counts: dict[str, int] = defaultdict(int)
    for r in regions:
        counts[r] += 1
    ChangeLog.objects.bulk_create(
        [
            bulk.summary_entry(actor=ctx.actor, model=model, region_code=r, count=c, note=LOG_NOTE)
            for r, c in sorted(counts.items())
        ],
        batch_size=2000,
    )


def insert_logged(ctx: DemoContext, model: Any, records: list[dict[str, Any]]) -> list[Any]:
    if not records:
        return []
    return bulk.insert_rows(model, records, actor=ctx.actor, note=LOG_NOTE, batch_size=5000)


def insert_raw(ctx: DemoContext, model: Any, records: list[dict[str, Any]], now: dt.datetime) -> int:
    """Write ``records`` (field name or attname → value) through the demo's column-wise insert
    (COPY on PostgreSQL): every concrete field filled (defaults, ``auto_now`` fields at ``now``),
    datetimes adapted once per distinct value; one change-log summary per community."""
    if not records:
        return 0
    conn = connections[router.db_for_write(model)]
    adapt = conn.ops.adapt_datetimefield_value
    cache: dict[dt.datetime, Any] = {}

    def value(v: Any) -> Any:
        if isinstance(v, dt.datetime):
            if v not in cache:
                cache[v] = adapt(v)
            return cache[v]
        if isinstance(v, dt.date | dt.time):
            return v.isoformat()
        if isinstance(v, dict | list):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, Decimal | str):
            return str(v)  # choices are str subclasses: plain text for COPY
        return v

    columns: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        names = (f.name, f.attname)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            columns[f.name] = [value(now)] * len(records)
            continue
        if not any(n in records[0] for n in names):
            columns[f.name] = [value(f.get_default())] * len(records)
            continue
        default = f.get_default()
        columns[f.name] = [value(r[f.name] if f.name in r else r.get(f.attname, default)) for r in records]
    insert_rows(model, columns, lambda k: None)
    log_summaries(ctx, model, [r["region_code"] for r in records])
    return len(records)
