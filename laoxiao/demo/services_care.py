"""The demo's month of service, part two: meals, family care beds with their adaptations and devices,
respite, alarms and childcare bookings (``laoxiao.demo.services``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from typing import Any

import numpy as np
from django.db import connections, router
from django.db.models import Q
from django.utils import timezone

from laoxiao.core.rules import rule
from laoxiao.demo.kernel import DemoContext
from laoxiao.demo.people import CITY_CODE, Const, insert_rows
from laoxiao.demo.services_base import (
    AHEAD_DAYS,
    DEMO_VENDOR,
    DEMO_VENDOR_KEY,
    MEAL_PRICE_FEN,
    MIN_DINERS,
    SHARE,
    WINDOW_DAYS,
    Centre,
    Person,
    age_years,
    demo_now,
    insert_logged,
    insert_raw,
    log_summaries,
    price_fen,
)
from laoxiao.demo.services_orders import (
    centre_for,
)
from laoxiao.people.models import Child
from laoxiao.providers.models import ChildcareClass, Price, Provider
from laoxiao.services.models import (
    Alarm,
    CareBedContract,
    ChildcareBooking,
    ChildcareSlot,
    Device,
    DeviceEvent,
    DeviceVendor,
    Diner,
    HomeAdaptation,
    MealRecord,
    RespiteBooking,
)

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


def write_meals(
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
        pid: price_fen(price)
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
    insert_raw(ctx, Diner, diners, now)
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
        sub, why = meal_subsidy(subsidy_data, age_years(p.birth, as_of), p.categories, price)
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
        log_summaries(ctx, MealRecord, cols["region_code"])
    return n


# --- care beds, respite, alarms, childcare ------------------------------------------------------------


def write_beds_and_alarms(
    ctx: DemoContext,
    rng: np.random.Generator,
    people: list[Person],
    centres: list[Centre],
    first: dt.date,
    as_of: dt.date,
) -> tuple[int, int, int]:
    pick = centre_for(centres)
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
    bed_rows = insert_logged(ctx, CareBedContract, beds)
    insert_logged(ctx, RespiteBooking, respite)
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
    insert_logged(ctx, HomeAdaptation, adaptations)
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
    device_rows = insert_logged(ctx, Device, devices)
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
    event_rows = insert_logged(ctx, DeviceEvent, events) if events else []
    for rec, ev in zip(alarms, event_rows, strict=True):
        rec["event_id"] = ev.pk
    insert_logged(ctx, Alarm, alarms)
    return len(bed_rows), len(respite), len(alarms)


def write_childcare(ctx: DemoContext, rng: np.random.Generator, as_of: dt.date) -> int:
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
    slot_rows = insert_logged(ctx, ChildcareSlot, slots)
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
    insert_logged(ctx, ChildcareBooking, bookings)
    return len(bookings)
