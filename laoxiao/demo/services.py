"""The demo city's month of service (issue 13): what the services app holds after a month of use,
as of the demo's reference day (``ctx.as_of``).

The month is the 30 days ending on the as-of day (``month_window``). The step writes, in order:

* home-visit prices (``providers.Price`` of the ``hv_*`` items) at every community centre that has
  none, dated from 2021-01-01;
* derived entitlements (``services.Entitlement``) for everyone in a group of the rule
  ``services.entitlement_groups`` on the as-of day — the same criteria as the rule: a category
  (with its support mode) in force, the age, the latest ability assessment's level — one row per
  group, with the group's name as the reason;
* care plans (weekly, for about a third of the entitled people living at home) and orders from
  them (channel ``care_plan``) and from families (channel ``family``, for the other entitled
  people and for a few self-paying households), at the community centre of the person's township
  (else the nearest centre of the county), with a worker of that centre holding the certificate the
  item needs; a worker does at most one order per two-hour slot. Past orders are mostly confirmed
  and rated, some done and not yet confirmed, a few cancelled, one or two disputed; today's are in
  service or assigned; the next days' are requested, accepted or assigned;
* a visit (``services.ServiceVisit``) for each done, confirmed or disputed order (an open visit
  for an order in service), near the home with realistic minutes. About 3 % are made wrong on
  purpose — a check-in far from the home, a visit shorter than the item's minimum, a visit entered
  days after it happened, two visits of one worker overlapping — and every visit goes through the
  real check engine (``services.verification.check_batch``): the flags are its results, the status
  is ``verified`` or ``held`` accordingly; ``gov_fen`` is the rule ``services.purchase_prices``;
* diners at the meal points (meal points and providers that serve meals) and their meals in the
  month, lunch subsidised by the rule ``services.meal_subsidy`` (one subsidised meal a day), dinner
  not;
* family care beds for some people with a moderate or worse assessment (contract, home adaptations
  from ``services.adaptation_items``, devices of a demo device vendor), respite bookings at homes,
  a few alarms from device events in every state (one escalated), childcare slots and bookings.

Last, the claims of the months the window touches are built by ``services.actions.claims.claims_build``
(prepared, with their call-back samples, for the county offices to approve).

Everything is drawn from the stream ``STREAM_SERVICES`` (``kernel.rng_for``) and read from the
database in primary-key order, so the same seed and as-of day give the same month. The big tables
(visits, meals) are written by ``laoxiao.demo.people.insert_rows`` (COPY on PostgreSQL), the others
by ``laoxiao.core.bulk.insert_rows`` (one change-log summary per community).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import numpy as np
from django.db import connections, router
from django.db.models import Q
from django.utils import timezone

from laoxiao.core import bulk
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import rule, rule_version
from laoxiao.demo.kernel import Advance, DemoContext, rng_for
from laoxiao.demo.people import CITY_CODE, Const, insert_rows
from laoxiao.people.models import AbilityAssessment, Child, Elder, ElderCategory
from laoxiao.providers.models import Certificate, ChildcareClass, Price, Provider, ServiceItem, StaffMember
from laoxiao.services import verification as ver
from laoxiao.services.actions.claims import claims_build
from laoxiao.services.models import (
    Alarm,
    CareBedContract,
    CarePlan,
    ChildcareBooking,
    ChildcareSlot,
    Device,
    DeviceEvent,
    DeviceVendor,
    Diner,
    Entitlement,
    HomeAdaptation,
    MealRecord,
    RespiteBooking,
    ServiceOrder,
    ServiceVisit,
)

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
    return _aware(as_of, DEMO_HOUR)


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


def _age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _people(as_of: dt.date) -> list[Person]:
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
    age = _age(p.birth, day)
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


def _centres(first: dt.date, as_of: dt.date) -> list[Centre]:
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


def _aware(day: dt.date, t: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, t, tzinfo=timezone.get_current_timezone())


def _fen(price: Decimal) -> int:
    return int((price * 100).to_integral_value())


def _units(item: ServiceItem, minutes: int) -> int:
    return max(1, math.ceil(minutes / 60)) if item.unit_kind == ServiceItem.UnitKind.HOUR else 1


def _summaries(ctx: DemoContext, model: Any, regions: Sequence[str]) -> None:
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


def _insert(ctx: DemoContext, model: Any, records: list[dict[str, Any]]) -> list[Any]:
    if not records:
        return []
    return bulk.insert_rows(model, records, actor=ctx.actor, note=LOG_NOTE, batch_size=5000)


def _raw(ctx: DemoContext, model: Any, records: list[dict[str, Any]], now: dt.datetime) -> int:
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
    _summaries(ctx, model, [r["region_code"] for r in records])
    return len(records)


def services_size(ctx: DemoContext) -> int:
    return 10


def services_step(ctx: DemoContext, advance: Advance) -> None:
    if any(  # a second build of the same city leaves the month as it is
        m.objects.filter(region_code__startswith=CITY_CODE[:4]).exists()
        for m in (ServiceOrder, ChildcareSlot, Entitlement, CareBedContract)
    ):
        ctx.summary["services"] = {"services": "exist already: left as they are"}
        advance(10)
        return
    as_of = ctx.as_of
    first, last = month_window(as_of)
    rng = rng_for(ctx.seed, STREAM_SERVICES)
    summary: dict[str, Any] = {}
    ctx.summary["services"] = summary
    items = {i.code: i for i in ServiceItem.objects.filter(code__startswith="hv_")}
    centres = _centres(first, as_of)
    summary["prices"] = _prices(ctx, centres, items)
    advance(1)
    people = _people(as_of)
    summary["entitled"], entitled = _entitlements(ctx, people, as_of)
    advance(1)
    orders, plans = _orders(ctx, rng, people, entitled, centres, items, first, as_of)
    summary["care_plans"], summary["orders"] = plans, len(orders)
    advance(2)
    summary["visits"], summary["flagged"] = _visits(ctx, rng, orders, people, items, first, as_of)
    advance(3)
    summary["meals"] = _meals(ctx, rng, people, first, as_of)
    advance(1)
    summary["care_beds"], summary["respite"], summary["alarms"] = _beds_and_alarms(
        ctx, rng, people, centres, first, as_of
    )
    advance(1)
    summary["childcare_bookings"] = _childcare(ctx, rng, as_of)
    advance(1)
    # the claims of the months the window touches, prepared by the system (the command's path): the
    # county offices answer the call-backs and approve them on the claims pages
    claims = 0
    for period in sorted({first.replace(day=1), as_of.replace(day=1)}):
        claims += claims_build(actor=None, period=period).claims
    summary["claims"] = claims


# --- prices and entitlements ------------------------------------------------------------------------


def _prices(ctx: DemoContext, centres: list[Centre], items: dict[str, ServiceItem]) -> int:
    priced = set(
        Price.objects.filter(
            provider_id__in=[c.pk for c in centres], item__code__startswith="hv_"
        ).values_list("provider_id", flat=True)
    )
    records = [
        {
            "provider_id": c.pk,
            "region_code": c.region,
            "item_id": code,
            "price": Decimal(HOME_PRICES_FEN[code]) / 100,
            "effective_from": PRICE_FROM,
        }
        for c in centres
        if c.pk not in priced
        for code in sorted(items)
        if code in HOME_PRICES_FEN
    ]
    return len(_insert(ctx, Price, records))


def _entitlements(ctx: DemoContext, people: list[Person], as_of: dt.date) -> tuple[int, dict[int, int]]:
    version = rule_version("services.entitlement_groups", on=as_of)
    data = version.data
    records = []
    value: dict[int, int] = {}
    for p in people:
        if not p.at_home:
            continue
        groups = entitlement_groups(p, data, as_of)
        for g in groups:
            records.append(
                {
                    "elder_id": p.pk,
                    "region_code": p.region,
                    "source": Entitlement.Source.DERIVED,
                    "group": g["code"],
                    "monthly_fen": int(g["monthly_fen"]),
                    "valid_from": (as_of.replace(day=1) - dt.timedelta(days=80)).replace(day=1),
                    "reason": str(g["name"])[:300],
                    "rule_version": version.effective_from.isoformat(),
                }
            )
        if groups:
            value[p.pk] = max(int(g["monthly_fen"]) for g in groups)
    _raw(ctx, Entitlement, records, demo_now(as_of))
    return len(value), value


# --- orders ---------------------------------------------------------------------------------------------


def _centre_for(centres: list[Centre]) -> Any:
    by_township: dict[str, list[Centre]] = defaultdict(list)
    by_county: dict[str, list[Centre]] = defaultdict(list)
    for c in centres:
        by_township[c.region[:9]].append(c)
        by_county[c.region[:6]].append(c)

    def pick(p: Person) -> Centre | None:
        pool = by_township.get(p.region[:9]) or by_county.get(p.region[:6]) or centres
        if not pool:
            return None
        if len(pool) == 1 or p.lon is None or p.lat is None:
            return pool[0]
        return min(pool, key=lambda c: (c.lon - p.lon) ** 2 + (c.lat - p.lat) ** 2)  # type: ignore[operator]

    return pick


@dataclasses.dataclass
class Planned:
    person: Person
    centre: Centre
    item: ServiceItem
    day: dt.date
    slot: int
    minutes: int
    channel: str
    plan_key: int | None = None  # index into the plans
    worker: int | None = None


def _orders(
    ctx: DemoContext,
    rng: np.random.Generator,
    people: list[Person],
    entitled: dict[int, int],
    centres: list[Centre],
    items: dict[str, ServiceItem],
    first: dt.date,
    as_of: dt.date,
) -> tuple[list[Any], int]:
    pick = _centre_for(centres)
    days = [first + dt.timedelta(days=k) for k in range(WINDOW_DAYS + AHEAD_DAYS)]
    wanted: list[Planned] = []
    plans: list[dict[str, Any]] = []
    for p in people:
        if not p.at_home:
            continue
        u = rng.random(4)
        centre = pick(p)
        if centre is None:
            continue
        if p.pk in entitled and u[0] < SHARE["care_plan"]:
            code = PLAN_ITEMS[int(u[1] * len(PLAN_ITEMS))]
            weekdays = sorted({1 + int(u[2] * 5), 1 + int(u[3] * 5) if u[3] < 0.4 else 1 + int(u[2] * 5)})
            slot = int(rng.integers(len(SLOTS)))
            minutes = max(items[code].min_minutes or 30, 60 if code in ("hv_bath", "hv_cleaning") else 45)
            plans.append(
                {
                    "elder_id": p.pk,
                    "region_code": p.region,
                    "provider_id": centre.pk,
                    "item_id": code,
                    "weekdays": weekdays,
                    "start_time": SLOTS[slot],
                    "minutes": minutes,
                    "valid_from": first - dt.timedelta(days=int(rng.integers(10, 200))),
                }
            )
            for d in days:
                if d.isoweekday() in weekdays:
                    wanted.append(
                        Planned(p, centre, items[code], d, slot, minutes, "care_plan", len(plans) - 1)
                    )
        elif (p.pk in entitled and u[0] < SHARE["care_plan"] + SHARE["family_orders"]) or (
            u[0] > 1 - SHARE["self_paying"] and _age(p.birth, as_of) >= 70
        ):
            for _k in range(1 + int(u[1] * 3)):
                code = FAMILY_ITEMS[int(rng.integers(len(FAMILY_ITEMS)))]
                minutes = max(items[code].min_minutes or 30, 60 if items[code].unit_kind == "hour" else 30)
                d = days[int(rng.integers(len(days)))]
                wanted.append(
                    Planned(p, centre, items[code], d, int(rng.integers(len(SLOTS))), minutes, "family")
                )
    # workers: one order per worker and slot; the certificate the item needs
    busy: set[tuple[int, dt.date, int]] = set()
    kept: list[Planned] = []
    plan_worker: dict[int, int] = {}
    for o in wanted:
        cert = o.item.certificate_kind
        pool = o.centre.certified.get(cert, []) if cert else o.centre.workers
        if not pool:
            continue
        start = int(o.person.pk % len(pool))
        candidates = [*pool[start:], *pool[:start]]
        if o.plan_key is not None and o.plan_key in plan_worker:
            candidates.insert(0, plan_worker[o.plan_key])
        for w in candidates:
            if (w, o.day, o.slot) not in busy:
                busy.add((w, o.day, o.slot))
                o.worker = w
                if o.plan_key is not None:
                    plan_worker.setdefault(o.plan_key, w)
                kept.append(o)
                break
    for k, w in plan_worker.items():
        plans[k]["worker_id"] = w
    plan_rows = _insert(ctx, CarePlan, plans)
    # states, prices
    purchase = rule("services.purchase_prices", on=as_of)
    prices = {
        (pid, code): _fen(price)
        for pid, code, price in Price.objects.filter(
            provider_id__in=[c.pk for c in centres], item__code__startswith="hv_", effective_from__lte=as_of
        )
        .order_by("provider_id", "item_id", "effective_from")
        .values_list("provider_id", "item_id", "price")
    }
    remaining = dict(entitled)
    now = demo_now(as_of)
    records = []
    kept.sort(key=lambda o: (o.day, o.slot, o.person.pk, o.item.code))
    for n, o in enumerate(kept):
        at = _aware(o.day, SLOTS[o.slot])
        units = _units(o.item, o.minutes)
        price = prices.get((o.centre.pk, o.item.code), HOME_PRICES_FEN.get(o.item.code, 3000)) * units
        county = purchase.get("counties", {}).get(o.person.region[:6], {})
        gov_unit = int(county.get(o.item.code, purchase["default"].get(o.item.code, 0)))
        gov = min(price, gov_unit * units, remaining.get(o.person.pk, 0))
        if gov:
            remaining[o.person.pk] -= gov
        placed = at - dt.timedelta(days=int(rng.integers(1, 6)), hours=int(rng.integers(0, 10)))
        if o.channel == "care_plan":
            placed = min(placed, at - dt.timedelta(days=7))
        placed = min(placed, now - dt.timedelta(minutes=30))
        rec: dict[str, Any] = {
            "elder_id": o.person.pk,
            "region_code": o.person.region,
            "provider_id": o.centre.pk,
            "item_id": o.item.code,
            "channel": o.channel,
            "care_plan": plan_rows[o.plan_key] if o.plan_key is not None else None,
            "external_ref": f"demo-{n:07d}",
            "scheduled_at": at,
            "minutes": o.minutes,
            "price_fen": price,
            "gov_fen": gov,
            "self_fen": price - gov,
            "accept_by": placed + dt.timedelta(hours=24),
        }
        u = rng.random(3)
        accepted = placed + dt.timedelta(minutes=int(10 + u[1] * 600))
        if o.day > as_of or (o.day == as_of and at > now):
            if at - now < dt.timedelta(days=2) or u[0] < 0.4:
                rec.update(status="assigned", accepted_at=min(accepted, now), assigned_at=min(accepted, now))
                rec["worker_id"] = o.worker
            elif u[0] < 0.7:
                rec.update(status="accepted", accepted_at=min(accepted, now))
            else:
                rec.update(status="requested")
        elif o.day == as_of and at + dt.timedelta(minutes=o.minutes) > now:
            rec.update(status="in_service", accepted_at=accepted, assigned_at=accepted, started_at=at)
            rec["worker_id"] = o.worker
        elif u[0] < SHARE["cancelled"]:
            rec.update(
                status="cancelled",
                cancelled_at=at - dt.timedelta(hours=int(2 + u[1] * 20)),
                cancel_reason=CANCEL_REASONS[int(u[2] * len(CANCEL_REASONS))],
            )
        else:
            done = at + dt.timedelta(minutes=o.minutes)
            rec.update(
                accepted_at=accepted, assigned_at=accepted, started_at=at, done_at=done, worker_id=o.worker
            )
            if (as_of - o.day).days < 3 or u[1] < SHARE["unconfirmed"]:
                rec.update(status="done")
            else:
                rec.update(status="confirmed", confirmed_at=done + dt.timedelta(hours=int(1 + u[2] * 30)))
                if u[2] < SHARE["rated"]:
                    rec.update(
                        rating=int(rng.choice([5, 5, 5, 4, 4, 3, 2])),
                        comment=COMMENTS[int(rng.integers(len(COMMENTS)))],
                    )
        records.append(rec)
    # one or two disputed: confirmed orders whose family complained afterwards
    confirmed = [i for i, r in enumerate(records) if r["status"] == "confirmed"]
    for i in sorted(rng.choice(len(confirmed), size=min(2, len(confirmed)), replace=False).tolist()):
        r = records[confirmed[i]]
        r.update(status="disputed", disputed_at=r["confirmed_at"], confirmed_at=None, rating=None, comment="")
    for r in records:
        r.setdefault("worker_id", None)
        r.setdefault("care_plan_id", r.pop("care_plan").pk if r.get("care_plan") is not None else None)
        r.pop("care_plan", None)
    _raw(ctx, ServiceOrder, records, now)
    pks = dict(
        ServiceOrder.objects.filter(provider_id__in=[c.pk for c in centres], external_ref__startswith="demo-")
        .values_list("external_ref", "pk")
        .iterator(chunk_size=20000)
    )
    rows = [SimpleNamespace(pk=pks[r["external_ref"]], **r) for r in records]
    return rows, len(plan_rows)


# --- visits -------------------------------------------------------------------------------------------


def _visits(
    ctx: DemoContext,
    rng: np.random.Generator,
    orders: list[Any],
    people: list[Person],
    items: dict[str, ServiceItem],
    first: dt.date,
    as_of: dt.date,
) -> tuple[int, int]:
    by_pk = {p.pk: p for p in people}
    now = demo_now(as_of)
    served = [o for o in orders if o.status in ("done", "confirmed", "disputed", "in_service")]
    visits: list[ver.VisitIn] = []
    meta: list[tuple[Any, str]] = []
    methods = ("app_gps", "card", "qr", "phone_callback")
    method_p = np.array([0.8, 0.1, 0.07, 0.03])
    late_made = 0  # at least one back-filled visit in any month (a small city's share may round to none)
    for o in served:
        p = by_pk[o.elder_id]
        u = rng.random(8)
        method = str(methods[int(np.searchsorted(np.cumsum(method_p), u[0] * 0.9999))])
        check_in = o.scheduled_at + dt.timedelta(minutes=int(-8 + u[1] * 17))
        item = items[o.item_id]
        minutes = o.minutes + int(u[2] * 12)
        if u[3] < SHARE["short"] and item.min_minutes:
            minutes = max(3, item.min_minutes - int(5 + u[4] * 15))
        minutes = max(minutes, 1)
        check_out: dt.datetime | None = check_in + dt.timedelta(minutes=minutes)
        if o.status == "in_service":
            check_out = None
            check_in = min(check_in, now - dt.timedelta(minutes=5))
        lon = lat = None
        if method == "app_gps" and p.lon is not None and p.lat is not None:
            off = 25.0 * rng.standard_normal(4)
            if u[5] < SHARE["far"] / 0.8:
                off[:2] = (400 + u[6] * 2500) * np.array([math.cos(u[7] * 6.283), math.sin(u[7] * 6.283)])
            lat = p.lat + off[1] / 111_320
            lon = p.lon + off[0] / (111_320 * math.cos(math.radians(p.lat)))
            olat = p.lat + off[3] / 111_320
            olon = p.lon + off[2] / (111_320 * math.cos(math.radians(p.lat)))
        happened = check_out or check_in
        recorded = happened + dt.timedelta(seconds=int(20 + u[4] * 600))
        if (
            (u[6] < SHARE["late"] or not late_made)
            and check_out is not None
            and (as_of - check_out.date()).days > 10
        ):
            recorded = happened + dt.timedelta(days=int(4 + u[7] * 5), hours=3)
            late_made += 1
        recorded = min(recorded, max(now, happened))
        v = ver.VisitIn(
            worker_id=o.worker_id,
            elder_id=o.elder_id,
            item_code=o.item_id,
            method=method,
            # in UTC, as the database gives them back: the integrity hash of a re-read row matches
            check_in_at=check_in.astimezone(dt.UTC),
            check_out_at=check_out.astimezone(dt.UTC) if check_out else None,
            recorded_at=recorded.astimezone(dt.UTC),
            check_in_lon=None if lon is None else round(lon, 6),
            check_in_lat=None if lat is None else round(lat, 6),
            check_in_accuracy_m=int(5 + u[2] * 25) if lon is not None else None,
            check_out_lon=None if lon is None or check_out is None else round(olon, 6),
            check_out_lat=None if lat is None or check_out is None else round(olat, 6),
            check_out_accuracy_m=int(5 + u[3] * 25) if lon is not None and check_out is not None else None,
            key=("row", len(visits)),
        )
        visits.append(v)
        meta.append((o, p.region))
    # one or two overlapping: a worker's next visit that day moved onto the one before
    by_worker_day: dict[tuple[Any, dt.date], list[int]] = defaultdict(list)
    for i, v in enumerate(visits):
        if v.check_out_at is not None:
            by_worker_day[(v.worker_id, v.check_in_at.date())].append(i)
    overlaps = 0
    for key in sorted(by_worker_day, key=lambda k: (str(k[1]), str(k[0]))):
        ix = by_worker_day[key]
        if len(ix) >= 2 and overlaps < 2 and int(rng.integers(4)) == 0:
            a, b = visits[ix[0]], visits[ix[1]]
            length = (b.check_out_at or b.check_in_at) - b.check_in_at
            b.check_in_at = a.check_in_at + dt.timedelta(minutes=20)
            b.check_out_at = b.check_in_at + length
            b.recorded_at = max(b.recorded_at, b.check_out_at + dt.timedelta(minutes=2))
            overlaps += 1
    # the real checks
    facts = _facts(visits, by_pk, items)
    limits_cache: dict[dt.date, ver.Limits] = {}

    def limits_of(day: dt.date) -> ver.Limits:
        if day not in limits_cache:
            limits_cache[day] = ver.Limits.from_rule(rule("services.visit_checks", on=day))
        return limits_cache[day]

    def local_day_of(moment: dt.datetime) -> dt.date:
        return timezone.localtime(moment).date()

    closed = [i for i, v in enumerate(visits) if v.check_out_at is not None]
    results, _stored = ver.check_batch(
        [visits[i] for i in closed], facts, limits_of, local_day_of=local_day_of
    )
    result_of = dict(zip(closed, results, strict=True))
    purchase = rule("services.purchase_prices", on=as_of)
    version = rule_version("services.visit_checks", on=as_of).effective_from.isoformat()
    conn = connections[router.db_for_write(ServiceVisit)]
    adapt = conn.ops.adapt_datetimefield_value
    cols: dict[str, list[Any]] = defaultdict(list)
    flagged = 0
    for i, v in enumerate(visits):
        o, region = meta[i]
        r = result_of.get(i)
        item = items[v.item_code]
        county = purchase.get("counties", {}).get(region[:6], {})
        gov_unit = int(county.get(v.item_code, purchase["default"].get(v.item_code, 0)))
        minutes = ver.minutes_of(v)
        if r is None:
            status, flags, detail, distance = "open", [], {}, None
        else:
            status = "held" if r.flags else "verified"
            flags, detail, distance, minutes = r.flags, r.detail, r.distance_m, r.minutes
            flagged += bool(r.flags)
        cols["order"].append(o.pk)
        cols["provider"].append(o.provider_id)
        cols["region_code"].append(region)
        cols["elder"].append(v.elder_id)
        cols["worker"].append(v.worker_id)
        cols["item"].append(v.item_code)
        cols["method"].append(v.method)
        cols["check_in_at"].append(adapt(v.check_in_at))
        cols["check_in_lon"].append(v.check_in_lon)
        cols["check_in_lat"].append(v.check_in_lat)
        cols["check_in_accuracy_m"].append(v.check_in_accuracy_m)
        cols["check_out_at"].append(adapt(v.check_out_at) if v.check_out_at else None)
        cols["check_out_lon"].append(v.check_out_lon)
        cols["check_out_lat"].append(v.check_out_lat)
        cols["check_out_accuracy_m"].append(v.check_out_accuracy_m)
        cols["minutes"].append(minutes)
        cols["distance_m"].append(distance)
        cols["service_day"].append(local_day_of(v.check_in_at).isoformat())
        cols["recorded_at"].append(adapt(v.recorded_at))
        cols["status"].append(status)
        cols["flags"].append(json.dumps(flags))
        cols["flag_detail"].append(json.dumps(detail, ensure_ascii=False))
        cols["rule_versions"].append(json.dumps({"services.visit_checks": version}))
        cols["gov_fen"].append(gov_unit * _units(item, minutes))
        cols["integrity_hash"].append(ver.integrity_hash(v))
    n = len(visits)
    insert_rows(
        ServiceVisit,
        {
            **cols,
            "recorded_by": Const(None),
            "source": ["demo"] * n,
            "reviewed_by": Const(None),
            "reviewed_at": Const(None),
            "review_note": Const(""),
        },
        lambda k: None,
    )
    _summaries(ctx, ServiceVisit, cols["region_code"])
    return n, flagged


def _facts(visits: list[ver.VisitIn], by_pk: dict[int, Person], items: dict[str, ServiceItem]) -> ver.Facts:
    facts = ver.Facts()
    for v in visits:
        if v.elder_id not in facts.people:
            p = by_pk[v.elder_id]
            facts.people[v.elder_id] = ver.Person(home_lon=p.lon, home_lat=p.lat)
    for code, it in items.items():
        facts.items[code] = ver.Item(
            min_minutes=it.min_minutes, certificate_kind=it.certificate_kind, name=it.name
        )
    workers = {v.worker_id for v in visits}
    for pk, hired, left in StaffMember.objects.filter(pk__in=workers).values_list(
        "pk", "hired_on", "left_on"
    ):
        facts.workers[pk] = ver.Worker(hired_on=hired, left_on=left)
    for staff_id, kind, issued, expires in Certificate.objects.filter(staff_id__in=workers).values_list(
        "staff_id", "kind", "issued_on", "expires_on"
    ):
        facts.workers[staff_id].certificates.append((kind, issued, expires))
    return facts


# --- meals --------------------------------------------------------------------------------------------


def meal_subsidy(data: dict[str, Any], age: int, categories: dict[str, str], price: int) -> tuple[int, str]:
    """The subsidy of one meal by ``services.meal_subsidy``: the highest of the age band's and the
    categories' amounts, never more than the price; with its reason."""
    best, why = 0, ""
    for band in data.get("age_bands", []):
        hi = band.get("max_age")
        if age >= int(band["min_age"]) and (hi is None or age <= int(hi)) and int(band["fen"]) > best:
            best, why = int(band["fen"]), f"age {band['min_age']}+"
    for cat, fen in data.get("categories", {}).items():
        if cat in categories and int(fen) > best:
            best, why = int(fen), cat
    return min(best, price), why


def _meals(
    ctx: DemoContext, rng: np.random.Generator, people: list[Person], first: dt.date, as_of: dt.date
) -> int:
    points = list(
        Provider.objects.filter(region_code__startswith=CITY_CODE[:4])
        .filter(Q(kind=Provider.Kind.MEAL_POINT) | Q(serves_meals=True))
        .order_by("pk")
        .values_list("pk", "region_code")
    )
    if not points:
        return 0
    meal_price = {
        pid: _fen(price)
        for pid, price in Price.objects.filter(item_id="meal", effective_from__lte=as_of)
        .order_by("provider_id", "effective_from")
        .values_list("provider_id", "price")
    }
    by_comm: dict[str, list[Person]] = defaultdict(list)
    for p in people:
        if p.at_home:
            by_comm[p.region].append(p)
    seen: set[int] = set()
    diners: list[dict[str, Any]] = []
    for pid, region in points:
        pool = [p for p in by_comm.get(region, []) if p.pk not in seen]
        if not pool:
            continue
        u = rng.random((len(pool), 3))
        # at least a few diners at every point (a small demo city still has meals)
        cut = max(SHARE["diner"], float(np.sort(u[:, 0])[min(len(pool), MIN_DINERS) - 1]) + 1e-12)
        for p, (draw, registered, delivered) in zip(pool, u.tolist(), strict=True):
            if draw < cut:
                seen.add(p.pk)
                diners.append(
                    {
                        "elder_id": p.pk,
                        "provider_id": pid,
                        "region_code": p.region,
                        "registered_on": first - dt.timedelta(days=int(registered * 400)),
                        "delivery": delivered < 0.15,
                    }
                )
    now = demo_now(as_of)
    _raw(ctx, Diner, diners, now)
    by_pk = {p.pk: p for p in people}
    conn = connections[router.db_for_write(MealRecord)]
    adapt = conn.ops.adapt_datetimefield_value
    subsidy_data = rule("services.meal_subsidy", on=as_of)
    cols: dict[str, list[Any]] = defaultdict(list)
    tz = timezone.get_current_timezone()
    # every moment a meal can be served at (a day, a slot, a minute): adapted once
    moments: dict[tuple[int, int, int], tuple[Any, Any, bool]] = {}
    slots = (("lunch", dt.time(11, 30), 1.0, True), ("dinner", dt.time(17, 30), 0.3, False))
    for k in range(WINDOW_DAYS):
        day = first + dt.timedelta(days=k)
        for j, (_slot, t, _share, _sub) in enumerate(slots):
            base = dt.datetime.combine(day, t, tzinfo=tz)
            for minute in range(50):
                served = base + dt.timedelta(minutes=minute)
                moments[(k, j, minute)] = (
                    adapt(served),
                    adapt(min(now, served + dt.timedelta(minutes=1))),
                    served <= now,
                )
    days = [(first + dt.timedelta(days=k)).isoformat() for k in range(WINDOW_DAYS)]
    ways = ("face", "ss_card", "id_card")
    for d in diners:
        p = by_pk[d["elder_id"]]
        price = meal_price.get(d["provider_id"], MEAL_PRICE_FEN)
        sub, why = meal_subsidy(subsidy_data, _age(p.birth, as_of), p.categories, price)
        often = float(rng.uniform(0.3, 0.9))
        draws = rng.random((WINDOW_DAYS, len(slots))).tolist()
        minutes = rng.integers(0, 50, (WINDOW_DAYS, len(slots))).tolist()
        way = ways[int(rng.integers(len(ways)))]
        mode = "delivered" if d["delivery"] else "dine_in"
        for k in range(WINDOW_DAYS):
            for j, (slot, _t, share, subsidised) in enumerate(slots):
                if draws[k][j] >= often * share:
                    continue
                served_at, recorded_at, past = moments[(k, j, minutes[k][j])]
                if not past:
                    continue
                sv = sub if subsidised else 0
                cols["elder"].append(d["elder_id"])
                cols["provider"].append(d["provider_id"])
                cols["region_code"].append(d["region_code"])
                cols["served_on"].append(days[k])
                cols["slot"].append(slot)
                cols["mode"].append(mode)
                cols["verified_by"].append(way)
                cols["served_at"].append(served_at)
                cols["price_fen"].append(price)
                cols["subsidy_fen"].append(sv)
                cols["paid_fen"].append(price - sv)
                cols["subsidy_reason"].append(why if sv else "")
                cols["recorded_at"].append(recorded_at)
    n = len(cols["elder"])
    if n:
        insert_rows(
            MealRecord,
            {**cols, "external_ref": [""] * n, "settlement": Const(None)},
            lambda k: None,
        )
        _summaries(ctx, MealRecord, cols["region_code"])
    return n


# --- care beds, respite, alarms, childcare ------------------------------------------------------------


def _beds_and_alarms(
    ctx: DemoContext,
    rng: np.random.Generator,
    people: list[Person],
    centres: list[Centre],
    first: dt.date,
    as_of: dt.date,
) -> tuple[int, int, int]:
    pick = _centre_for(centres)
    levels = set(rule("services.care_bed_eligibility", on=as_of)["ability_levels"])
    adaptation = [i for i in rule("services.adaptation_items", on=as_of)["items"]]
    basic = [i["code"] for i in adaptation if i.get("class") == "basic"] or [i["code"] for i in adaptation]
    eligible = [p for p in people if p.at_home and p.level in levels and p.assessment_id]
    beds: list[dict[str, Any]] = []
    respite: list[dict[str, Any]] = []
    homes: dict[str, list[int]] = defaultdict(list)
    for pk, region in (
        Provider.objects.filter(
            kind=Provider.Kind.ELDERCARE_HOME, region_code__startswith=CITY_CODE[:4], beds__gt=0
        )
        .order_by("pk")
        .values_list("pk", "region_code")
    ):
        homes[region[:6]].append(pk)
    floor = (
        set(rng.choice(len(eligible), size=min(6, len(eligible)), replace=False).tolist())
        if eligible
        else set()
    )
    all_homes = sorted(pk for pks in homes.values() for pk in pks)
    for k, p in enumerate(eligible):
        u = rng.random(3)
        centre = pick(p)
        if centre is not None and (u[0] < SHARE["care_bed"] or k in floor and k % 2 == 0):
            beds.append(
                {
                    "elder_id": p.pk,
                    "region_code": p.region,
                    "provider_id": centre.pk,
                    "county_code": p.region[:6],
                    "assessment_id": p.assessment_id,
                    "number": f"JTCW-{p.region[:6]}-{len(beds) + 1:05d}",
                    "signed_on": first - dt.timedelta(days=int(20 + u[1] * 300)),
                }
            )
        elif (u[0] > 1 - SHARE["respite"] or k in floor) and all_homes:
            pool = homes.get(p.region[:6]) or all_homes
            start = first + dt.timedelta(days=int(u[1] * (WINDOW_DAYS + AHEAD_DAYS - 7)))
            days = 2 + int(u[2] * 5)
            respite.append(
                {
                    "elder_id": p.pk,
                    "region_code": p.region,
                    "provider_id": pool[int(u[2] * len(pool))],
                    "start_on": start,
                    "end_on": start + dt.timedelta(days=days - 1),
                    "days": days,
                    "status": "used" if start + dt.timedelta(days=days - 1) < as_of else "booked",
                }
            )
    bed_rows = _insert(ctx, CareBedContract, beds)
    _insert(ctx, RespiteBooking, respite)
    adaptations = []
    for b in bed_rows:
        for code in sorted(
            rng.choice(basic, size=min(len(basic), int(rng.integers(2, 5))), replace=False).tolist()
        ):
            adaptations.append(
                {
                    "contract_id": b.pk,
                    "region_code": b.region_code,
                    "item": code,
                    "done_on": b.signed_on + dt.timedelta(days=int(rng.integers(3, 20))),
                    "cost_fen": int(rng.integers(2, 30)) * 10000,
                }
            )
    _insert(ctx, HomeAdaptation, adaptations)
    vendor = DeviceVendor.objects.filter(code=DEMO_VENDOR).first()
    if vendor is None:
        vendor = DeviceVendor.objects.create(
            code=DEMO_VENDOR,
            name="演示智能设备公司",
            key_hash=hashlib.sha256(DEMO_VENDOR_KEY.encode()).hexdigest(),
            key_prefix=DEMO_VENDOR_KEY[:8],
        )
    devices: list[dict[str, Any]] = []
    for b in bed_rows:
        for kind in ("sos", "fall") if rng.random() < 0.6 else ("sos",):
            devices.append(
                {
                    "vendor": vendor,
                    "serial": f"D{len(devices) + 1:08d}",
                    "kind": kind,
                    "elder_id": b.elder_id,
                    "region_code": b.region_code,
                    "contract_id": b.pk,
                    "installed_on": b.signed_on + dt.timedelta(days=int(rng.integers(5, 25))),
                }
            )
    device_rows = _insert(ctx, Device, devices)
    bed_provider = {b.pk: b.provider_id for b in bed_rows}
    provider_names = dict(
        Provider.objects.filter(pk__in=set(bed_provider.values())).values_list("pk", "name")
    )
    n_alarms = min(len(device_rows), max(6, len(device_rows) // 40))
    chosen = sorted(rng.choice(len(device_rows), size=n_alarms, replace=False).tolist()) if n_alarms else []
    now = demo_now(as_of)
    events, alarms = [], []
    for k, i in enumerate(chosen):
        dev = device_rows[i]
        opened = now - dt.timedelta(minutes=int(rng.integers(30, WINDOW_DAYS * 24 * 60)))
        state = ("open", "escalated", "acknowledged", "on_site")[k] if k < 4 else "closed"
        if state in ("open", "escalated", "acknowledged", "on_site"):
            opened = now - dt.timedelta(
                minutes={"open": 2, "escalated": 14, "acknowledged": 9, "on_site": 25}[state]
            )
        events.append(
            {
                "vendor": vendor,
                "event_id": f"EV{k + 1:08d}",
                "device_id": dev.pk,
                "serial": dev.serial,
                "kind": "sos" if dev.kind == "sos" else "fall",
                "occurred_at": opened - dt.timedelta(seconds=5),
                "received_at": opened,
                "payload": {"battery": int(rng.integers(20, 100))},
            }
        )
        ack = opened + dt.timedelta(minutes=int(rng.integers(1, 5)))
        site = ack + dt.timedelta(minutes=int(rng.integers(8, 25)))
        rec: dict[str, Any] = {
            "elder_id": dev.elder_id,
            "region_code": dev.region_code,
            "kind": events[-1]["kind"],
            "provider_id": bed_provider.get(dev.contract_id),
            "opened_at": opened,
            # the shape services.actions.alarms writes: who was told, by which rule, when
            "notified": [
                {
                    "to": "provider",
                    "name": provider_names.get(bed_provider.get(dev.contract_id), ""),
                    "rule": "care_bed",
                    "at": opened.isoformat(),
                },
                {"to": "community", "region_code": dev.region_code, "at": opened.isoformat()},
            ],
            "status": {"escalated": "open"}.get(state, state),
        }
        if state == "escalated":
            rec.update(
                escalation_level=1,
                escalated_at=opened + dt.timedelta(minutes=5),
                notified=[
                    *rec["notified"],
                    {"to": "family", "escalation": 1, "at": (opened + dt.timedelta(minutes=5)).isoformat()},
                ],
            )
        if state in ("acknowledged", "on_site", "closed"):
            rec["acknowledged_at"] = ack
        if state in ("on_site", "closed"):
            rec["on_site_at"] = site
        if state == "closed":
            rec.update(
                closed_at=site + dt.timedelta(minutes=int(rng.integers(10, 60))), outcome="误触，老人安好"
            )
        alarms.append(rec)
    event_rows = _insert(ctx, DeviceEvent, events) if events else []
    for rec, ev in zip(alarms, event_rows, strict=True):
        rec["event_id"] = ev.pk
    _insert(ctx, Alarm, alarms)
    return len(bed_rows), len(respite), len(alarms)


def _childcare(ctx: DemoContext, rng: np.random.Generator, as_of: dt.date) -> int:
    classes = list(
        ChildcareClass.objects.filter(region_code__startswith=CITY_CODE[:4])
        .order_by("provider_id", "pk")
        .values_list("pk", "provider_id", "region_code", "capacity")
    )
    seen: set[int] = set()
    slots = []
    for pk, provider_id, region, capacity in classes:
        if provider_id in seen:
            continue  # one class per provider offers the slots
        seen.add(provider_id)
        places = max(1, capacity // 8)
        for k in range(-3, 4):
            day = as_of + dt.timedelta(days=k)
            if day.isoweekday() > 5:
                continue
            for kind, start, end, fen in (
                ("hourly", dt.time(9, 0), dt.time(11, 0), 3000),
                ("half_day", dt.time(13, 30), dt.time(17, 30), 6000),
            ):
                slots.append(
                    {
                        "provider_id": provider_id,
                        "childcare_class_id": pk,
                        "region_code": region,
                        "day": day,
                        "kind": kind,
                        "start_time": start,
                        "end_time": end,
                        "places": places,
                        "price_fen": fen,
                    }
                )
    if not slots:
        return 0
    children: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pk, region in (
        Child.objects.filter(region_code__startswith=CITY_CODE[:4])
        .order_by("pk")
        .values_list("pk", "region_code")
    ):
        if len(children[region[:9]]) < 60:
            children[region[:9]].append((pk, region))
    wanted: list[list[tuple[int, str]]] = []
    for s in slots:
        pool = children.get(s["region_code"][:9], [])
        k = min(len(pool), int(rng.integers(0, s["places"] + 1)))
        picked = [pool[i] for i in sorted(rng.choice(len(pool), size=k, replace=False).tolist())] if k else []
        s["booked"] = len(picked)
        wanted.append(picked)
    slot_rows = _insert(ctx, ChildcareSlot, slots)
    bookings = [
        {
            "slot_id": s.pk,
            "child_id": child,
            "region_code": region,
            "status": "attended" if s.day < as_of else "booked",
        }
        for s, picked in zip(slot_rows, wanted, strict=True)
        for child, region in picked
    ]
    _insert(ctx, ChildcareBooking, bookings)
    return len(bookings)
