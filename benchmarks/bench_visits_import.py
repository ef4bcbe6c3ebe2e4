"""Recording 100,000 home visits with every check against a raw bulk insert of the same rows.

Builds a throw-away database (SQLite in a temporary file by default; BENCH_DATABASE_URL for
another), migrates it, creates one provider with 200 workers and 2,000 older people at home, and
makes ``--rows`` finished visits over a month (each worker's visits one after another; 1 in 30
late, too short or too far, so that flags are raised). Then times, on the same rows:

- **floor**: one ``executemany`` of the stored columns into ``services_servicevisit`` (no check,
  no facts, no change log), in transactions of ``--chunk`` rows; the rows are then deleted;
- **checked**: ``services.actions.visits.visits_record`` in chunks of ``--chunk`` rows (what the
  ``service-visits`` import does per chunk, after parsing): the facts of each chunk read in a few
  queries, every check, the government price, the integrity hash, ``insert_rows`` with summary
  change-log rows;
- with ``--csv``, also the whole import (``run_import`` of the CSV file: parsing, blind-index
  look-ups, checks and writing).

Prints both times and the ratio (aim ≤ 3×).
Run: `python benchmarks/bench_visits_import.py --rows 100000`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup(url: str | None) -> None:
    if url is None:
        path = Path(tempfile.mkdtemp()) / "bench_visits.sqlite3"
        url = f"sqlite:///{path}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("LAOXIAO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laoxiao.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(rows: int, seed: int = 13) -> tuple[Any, list[dict[str, Any]]]:
    from django.utils import timezone

    from laoxiao.accounts.models import User
    from laoxiao.people.models import Elder
    from laoxiao.people.tests.factories import make_elder_id
    from laoxiao.providers.models import Certificate, Provider, ServiceItem, StaffMember
    from laoxiao.providers.tests.factories import make_id_number
    from laoxiao.regions.models import Region
    from laoxiao.regions.tests.factories import make_city
    from laoxiao.services.tests.factories_visits import CERT, HOME_LAT, HOME_LON, M_LAT

    if not Region.objects.exists():
        make_city()
    region = "340603001001"
    provider = Provider.objects.create(
        uscc="52340603MA0BENCH1X",
        name="基准服务中心",
        kind="community_centre",
        ownership="private",
        supply_tier="market",
        region_id=region,
        region_code=region,
        filing_status="filed",
    )
    workers = StaffMember.objects.bulk_create(
        [
            StaffMember(
                provider=provider,
                region_code=region,
                id_number=make_id_number(seq=i + 1),
                name=f"护理员{i}",
                role="eldercare_worker",
                hired_on=dt.date(2023, 1, 1),
            )
            for i in range(200)
        ]
    )
    if workers[0].pk is None:
        workers = list(StaffMember.objects.filter(provider=provider).order_by("pk"))
    Certificate.objects.bulk_create(
        [Certificate(staff=w, region_code=region, kind=CERT, number=f"C{w.pk}") for w in workers]
    )
    Elder.objects.bulk_create(
        [
            Elder(
                id_number=make_elder_id(dt.date(1940 + i % 20, 1 + i % 12, 1 + i % 28), i, county="340603"),
                name=f"老人{i}",
                sex="M",
                birth_date=dt.date(1940 + i % 20, 1 + i % 12, 1 + i % 28),
                region_id=region,
                region_code=region,
                home_lon=HOME_LON + (i % 50) * 0.001,
                home_lat=HOME_LAT + (i // 50) * 0.001,
            )
            for i in range(2000)
        ]
    )
    elders = list(Elder.objects.order_by("pk").values_list("pk", "home_lon", "home_lat"))
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=["hv_bath", "hv_cleaning", "hv_walk"])}
    codes = list(items)
    rnd = random.Random(seed)
    start = timezone.make_aware(dt.datetime(2026, 11, 1, 7, 0))
    per_worker = -(-rows // len(workers))
    out: list[dict[str, Any]] = []
    for w in workers:
        t = start
        for _n in range(per_worker):
            if len(out) >= rows:
                break
            pk, lon, lat = elders[rnd.randrange(len(elders))]
            minutes = 65
            odd = rnd.randrange(30)
            if odd == 0:
                minutes = 20  # too short
            north = 600 if odd == 1 else rnd.randrange(100)
            cout = t + dt.timedelta(minutes=minutes)
            out.append(
                {
                    "provider": provider,
                    "worker_id": w.pk,
                    "elder": pk,
                    "region_code": region,
                    "item": items[codes[rnd.randrange(len(codes))]],
                    "method": "app_gps",
                    "check_in_at": t,
                    "check_out_at": cout,
                    "check_in_lon": lon,
                    "check_in_lat": lat + north * M_LAT,
                    "check_out_lon": lon,
                    "check_out_lat": lat + north * M_LAT,
                    # sent by the app an hour after; 1 in 30 a week late (back-filled)
                    "recorded_at": cout + dt.timedelta(days=7 if odd == 2 else 0, hours=1),
                }
            )
            t = cout + dt.timedelta(minutes=15)
            if t.hour >= 19:
                t = (t + dt.timedelta(days=1)).replace(hour=7, minute=0)
    actor = User.objects.create_user(username="bench_op", password=None, provider=provider)
    return actor, out


COLUMNS = (
    "provider_id,region_code,elder_id,worker_id,item_id,method,check_in_at,check_in_lon,check_in_lat,"
    "check_out_at,check_out_lon,check_out_lat,minutes,distance_m,service_day,recorded_at,source,status,"
    "flags,flag_detail,rule_versions,review_note,gov_fen,integrity_hash"
).split(",")


def floor(records: list[dict[str, Any]], chunk: int) -> float:
    """executemany of the same columns, no checks (the values a raw loader would have)."""
    from django.db import connection, transaction
    from django.utils import timezone

    placeholders = ",".join(["%s"] * len(COLUMNS))
    sql = f"INSERT INTO services_servicevisit ({','.join(COLUMNS)}) VALUES ({placeholders})"
    t = time.perf_counter()
    ops = connection.ops
    for i in range(0, len(records), chunk):
        part = records[i : i + chunk]
        params = [
            (
                r["provider"].pk,
                r["region_code"],
                r["elder"],
                r["worker_id"],
                r["item"].code,
                r["method"],
                ops.adapt_datetimefield_value(r["check_in_at"]),
                r["check_in_lon"],
                r["check_in_lat"],
                ops.adapt_datetimefield_value(r["check_out_at"]),
                r["check_out_lon"],
                r["check_out_lat"],
                int((r["check_out_at"] - r["check_in_at"]).total_seconds() // 60),
                0,
                ops.adapt_datefield_value(timezone.localtime(r["check_in_at"]).date()),
                ops.adapt_datetimefield_value(r["recorded_at"]),
                "import",
                "verified",
                "[]",
                "{}",
                "{}",
                "",
                0,
                "",
            )
            for r in part
        ]
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(sql, params)
    return time.perf_counter() - t


def checked(actor: Any, records: list[dict[str, Any]], chunk: int) -> tuple[float, dict[str, int]]:
    from laoxiao.services.actions.visits import visits_record

    totals: dict[str, int] = {}
    t = time.perf_counter()
    for i in range(0, len(records), chunk):
        res = visits_record(actor=actor, rows=records[i : i + chunk], source="import")
        for k, n in res.summary().items():
            totals[k] = totals.get(k, 0) + n
        totals["created"] = totals.get("created", 0) + res.created
    return time.perf_counter() - t, totals


def as_csv(records: list[dict[str, Any]]) -> bytes:
    from django.utils import timezone

    from laoxiao.people.models import Elder
    from laoxiao.providers.models import StaffMember

    ids = dict(Elder.objects.values_list("pk", "id_number"))
    wids = dict((w.pk, w.id_number) for w in StaffMember.objects.all())
    buf = io.StringIO()
    buf.write(
        "provider_uscc,worker_id_number,elder_id_number,service_item,check_in_at,check_in_lon,check_in_lat,"
        "check_out_at,check_out_lon,check_out_lat,method\n"
    )
    for r in records:
        buf.write(
            f"{r['provider'].uscc},{wids[r['worker_id']]},{ids[r['elder']]},{r['item'].code},"
            f"{timezone.localtime(r['check_in_at']).isoformat()},{r['check_in_lon']:.6f},{r['check_in_lat']:.6f},"
            f"{timezone.localtime(r['check_out_at']).isoformat()},{r['check_out_lon']:.6f},"
            f"{r['check_out_lat']:.6f},{r['method']}\n"
        )
    return buf.getvalue().encode()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=5000)
    ap.add_argument("--csv", action="store_true", help="also time the whole import of the CSV file")
    args = ap.parse_args()
    setup(os.environ.get("BENCH_DATABASE_URL"))
    from django.conf import settings
    from django.db import connection

    from laoxiao.core import clock
    from laoxiao.services.models import ServiceVisit

    actor, records = build(args.rows)
    print(f"{len(records)} visits, chunks of {args.chunk}, on {connection.vendor}")
    with clock.frozen(dt.datetime(2026, 12, 1, 8, 0)):
        t_floor = floor(records, args.chunk)
        assert ServiceVisit.objects.count() == len(records)
        ServiceVisit.objects.all().delete()
        t_checked, totals = checked(actor, records, args.chunk)
        assert ServiceVisit.objects.count() == len(records)
        print(f"  floor (executemany, no checks): {t_floor:7.2f} s")
        print(f"  visits_record (every check):    {t_checked:7.2f} s   ratio {t_checked / t_floor:5.2f}x")
        print("  " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))
        if args.csv:
            from laoxiao.imports.base import run_import

            data = as_csv(records)
            ServiceVisit.objects.all().delete()
            settings.LAOXIAO_IMPORT_MAX_ROWS = max(
                len(records), getattr(settings, "LAOXIAO_IMPORT_MAX_ROWS", 0)
            )
            t = time.perf_counter()
            report = run_import("service-visits", io.BytesIO(data), actor=actor, filename="visits.csv")
            t_import = time.perf_counter() - t
            assert report.ok, report.errors[:5]
            print(f"  run_import of the CSV file:     {t_import:7.2f} s   ratio {t_import / t_floor:5.2f}x")


if __name__ == "__main__":
    main()
