"""The demo's month of service, part one: home-visit prices, derived entitlements, care plans and
orders, and the visits checked by the real verification engine (``laoxiao.demo.services``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import numpy as np
from django.db import connections, router
from django.utils import timezone

from laoxiao.core.rules import rule, rule_version
from laoxiao.demo.kernel import DemoContext
from laoxiao.demo.people import Const, insert_rows
from laoxiao.demo.services_base import (
    AHEAD_DAYS,
    CANCEL_REASONS,
    COMMENTS,
    FAMILY_ITEMS,
    HOME_PRICES_FEN,
    PLAN_ITEMS,
    PRICE_FROM,
    SHARE,
    SLOTS,
    WINDOW_DAYS,
    Centre,
    Person,
    age_years,
    aware_at,
    demo_now,
    entitlement_groups,
    insert_logged,
    insert_raw,
    log_summaries,
    price_fen,
    units_of,
)
from laoxiao.providers.models import Certificate, Price, ServiceItem, StaffMember
from laoxiao.services import verification as ver
from laoxiao.services.models import (
    CarePlan,
    Entitlement,
    ServiceOrder,
    ServiceVisit,
)

# --- prices and entitlements ------------------------------------------------------------------------


def write_prices(ctx: DemoContext, centres: list[Centre], items: dict[str, ServiceItem]) -> int:
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
    return len(insert_logged(ctx, Price, records))


def write_entitlements(ctx: DemoContext, people: list[Person], as_of: dt.date) -> tuple[int, dict[int, int]]:
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
    insert_raw(ctx, Entitlement, records, demo_now(as_of))
    return len(value), value


# --- orders ---------------------------------------------------------------------------------------------


def centre_for(centres: list[Centre]) -> Any:
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


def write_orders(
    ctx: DemoContext,
    rng: np.random.Generator,
    people: list[Person],
    entitled: dict[int, int],
    centres: list[Centre],
    items: dict[str, ServiceItem],
    first: dt.date,
    as_of: dt.date,
) -> tuple[list[Any], int]:
    pick = centre_for(centres)
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
            u[0] > 1 - SHARE["self_paying"] and age_years(p.birth, as_of) >= 70
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
    plan_rows = insert_logged(ctx, CarePlan, plans)
    # states, prices
    purchase = rule("services.purchase_prices", on=as_of)
    prices = {
        (pid, code): price_fen(price)
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
        at = aware_at(o.day, SLOTS[o.slot])
        units = units_of(o.item, o.minutes)
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
    insert_raw(ctx, ServiceOrder, records, now)
    pks = dict(
        ServiceOrder.objects.filter(provider_id__in=[c.pk for c in centres], external_ref__startswith="demo-")
        .values_list("external_ref", "pk")
        .iterator(chunk_size=20000)
    )
    rows = [SimpleNamespace(pk=pks[r["external_ref"]], **r) for r in records]
    return rows, len(plan_rows)


# --- visits -------------------------------------------------------------------------------------------


def write_visits(
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
        cols["gov_fen"].append(gov_unit * units_of(item, minutes))
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
    log_summaries(ctx, ServiceVisit, cols["region_code"])
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
