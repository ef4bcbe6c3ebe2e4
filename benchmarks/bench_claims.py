"""The month's provider claims (``claims_build``) against the hand-written SQL floor, city-sized.

Generates a city's month in one transaction with bulk inserts — 300 home-care providers (one worker
each), 20,000 older people with an entitlement each (a grant of 200–600 元), 60,000 visits
(95 % verified, 2 % cleared, 2 % held, 1 % rejected; 30–80 元 each) — then times, each from the
same starting point (a savepoint rolled back in between):

  - the floor: two hand-written PostgreSQL statements that write the same claims and lines — a CTE
    with the month's entitlement (max derived + the grants, as ``month_values``) and a running sum
    per person over the counted visits in ``(check_in_at, id)`` order, capped at the entitlement
    (``GREATEST(0, LEAST(gov, ent - (running - gov)))``), one ``INSERT … SELECT … GROUP BY`` for
    the claims and one for the lines (no call-backs, no change log, no signature);
  - ``claims_build`` (first build: claims, lines, signatures, call-back sample, change log), and its
    refresh (the second run, which must change nothing).

Checks both give the same totals, prints both times and the ratio (aim ≤ 2× and under 10 s).
Everything is rolled back at the end: the database is left as it was.

Run on a migrated PostgreSQL database:
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/lx_claims .venv/bin/python benchmarks/bench_claims.py
(BENCH_VISITS, BENCH_PROVIDERS, BENCH_ELDERS change the sizes.)
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VISITS = int(os.environ.get("BENCH_VISITS", "60000"))
PROVIDERS = int(os.environ.get("BENCH_PROVIDERS", "300"))
ELDERS = int(os.environ.get("BENCH_ELDERS", "20000"))
PERIOD = dt.date(2026, 3, 1)
LAST = dt.date(2026, 3, 31)

FLOOR_SQL = """
WITH ent AS (
  SELECT elder_id,
         COALESCE(MAX(CASE WHEN source = 'derived' THEN monthly_fen END), 0)
         + COALESCE(SUM(CASE WHEN source = 'grant' THEN monthly_fen END), 0) AS fen
  FROM services_entitlement
  WHERE valid_from <= %(last)s AND (valid_to IS NULL OR valid_to >= %(first)s)
  GROUP BY elder_id
), v AS (
  SELECT v.id, v.provider_id, v.elder_id, v.region_code, v.status, v.flags, v.minutes, v.gov_fen,
         v.status IN ('verified', 'cleared') AS counted,
         SUM(CASE WHEN v.status IN ('verified', 'cleared') THEN v.gov_fen ELSE 0 END)
           OVER (PARTITION BY v.elder_id ORDER BY v.check_in_at, v.id) AS running
  FROM services_servicevisit v
  WHERE v.service_day BETWEEN %(first)s AND %(last)s
), priced AS (
  SELECT v.*, CASE WHEN v.counted
                   THEN GREATEST(0, LEAST(v.gov_fen, COALESCE(ent.fen, 0) - (v.running - v.gov_fen)))
                   ELSE 0 END AS payable
  FROM v LEFT JOIN ent ON ent.elder_id = v.elder_id
)
{tail}
"""

CLAIMS_TAIL = """
INSERT INTO services_serviceclaim (provider_id, region_code, period, status, visits, verified, flagged,
  minutes, amount_claimed_fen, amount_payable_fen, signature, note)
SELECT p.provider_id, pr.region_code, %(first)s, 'prepared', COUNT(*),
       COUNT(*) FILTER (WHERE p.counted),
       COUNT(*) FILTER (WHERE p.status IN ('held', 'cleared', 'rejected') OR p.flags::text <> '[]'),
       COALESCE(SUM(p.minutes) FILTER (WHERE p.counted), 0),
       COALESCE(SUM(p.gov_fen) FILTER (WHERE p.counted), 0),
       COALESCE(SUM(p.payable) FILTER (WHERE p.counted), 0), '', ''
FROM priced p JOIN providers_provider pr ON pr.id = p.provider_id
GROUP BY p.provider_id, pr.region_code
"""

LINES_TAIL = """
INSERT INTO services_claimline (claim_id, visit_id, region_code, elder_id, price_fen, payable_fen)
SELECT c.id, p.id, p.region_code, p.elder_id, p.gov_fen, p.payable
FROM priced p JOIN services_serviceclaim c ON c.provider_id = p.provider_id AND c.period = %(first)s
WHERE p.counted
"""


def main() -> None:
    os.environ.setdefault("LAOXIAO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laoxiao.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from laoxiao.people.models import Elder
    from laoxiao.people.tests.factories import make_elder_id
    from laoxiao.providers.models import Provider, ServiceItem, StaffMember
    from laoxiao.providers.tests.factories import make_id_number, make_uscc
    from laoxiao.regions.models import Region
    from laoxiao.regions.tests.factories import make_city
    from laoxiao.services.actions.claims import claims_build
    from laoxiao.services.models import Entitlement, ServiceClaim, ServiceVisit

    if connection.vendor != "postgresql":
        sys.exit("the floor is PostgreSQL SQL: set DATABASE_URL to a migrated PostgreSQL database")

    class Rollback(Exception):
        pass

    rnd = random.Random(13)
    try:
        with transaction.atomic():
            if not Region.objects.filter(level="community").exists():
                make_city()
            communities = list(Region.objects.filter(level="community").values_list("code", flat=True))
            item = ServiceItem.objects.filter(code__startswith="hv_").first() or ServiceItem.objects.first()
            if item is None:
                sys.exit("no service items loaded (run migrate)")
            t = time.perf_counter()
            providers = Provider.objects.bulk_create(
                [
                    Provider(
                        uscc=make_uscc(8_000_000 + n, communities[n % len(communities)][:6]),
                        name=f"居家服务{n}",
                        kind="community_centre",
                        ownership="private",
                        supply_tier="market",
                        region_id=communities[n % len(communities)],
                        region_code=communities[n % len(communities)],
                        filing_status="filed",
                    )
                    for n in range(PROVIDERS)
                ]
            )
            workers = StaffMember.objects.bulk_create(
                [
                    StaffMember(
                        provider=p,
                        region_code=p.region_code,
                        id_number=make_id_number("19800101", "340603", seq=1 + n % 999),
                        name=f"护理员{n}",
                        role="eldercare_worker",
                        hired_on=dt.date(2023, 1, 1),
                    )
                    for n, p in enumerate(providers)
                ]
            )
            elders = Elder.objects.bulk_create(
                [
                    Elder(
                        name=f"老人{i}",
                        sex="M",
                        birth_date=dt.date(1930, 1, 1) + dt.timedelta(days=i // 400),
                        region_id=(code := communities[i % len(communities)]),
                        region_code=code,
                        id_number=make_elder_id(
                            dt.date(1930, 1, 1) + dt.timedelta(days=i // 400), i % 400, county=code[:6]
                        ),
                    )
                    for i in range(ELDERS)
                ],
                batch_size=2000,
            )
            Entitlement.objects.bulk_create(
                [
                    Entitlement(
                        elder=e,
                        region_code=e.region_code,
                        source="grant",
                        monthly_fen=rnd.choice((20000, 30000, 40000, 60000)),
                        valid_from=dt.date(2026, 1, 1),
                    )
                    for e in elders
                ],
                batch_size=5000,
            )
            base = timezone.make_aware(dt.datetime(2026, 3, 1, 7, 0))
            statuses = ["verified"] * 95 + ["cleared"] * 2 + ["held"] * 2 + ["rejected"]
            visits = []
            for i in range(VISITS):
                n = i % PROVIDERS
                status = rnd.choice(statuses)
                start = base + dt.timedelta(minutes=i * 7 % (30 * 24 * 60), seconds=i)
                e = elders[rnd.randrange(ELDERS)]
                visits.append(
                    ServiceVisit(
                        provider=providers[n],
                        region_code=e.region_code,
                        elder=e,
                        worker=workers[n],
                        item=item,
                        method="app_gps",
                        check_in_at=start,
                        check_out_at=start + dt.timedelta(minutes=60),
                        minutes=60,
                        service_day=timezone.localtime(start).date(),
                        recorded_at=start + dt.timedelta(minutes=60),
                        source="demo",
                        status=status,
                        flags=["too_short"] if status in ("cleared", "held", "rejected") else [],
                        gov_fen=rnd.randrange(3000, 8001, 500),
                    )
                )
            ServiceVisit.objects.bulk_create(visits, batch_size=5000)
            print(
                f"generated {PROVIDERS} providers, {ELDERS} elders, {VISITS} visits "
                f"in {time.perf_counter() - t:.1f} s"
            )
            params = {"first": PERIOD, "last": LAST}
            with connection.cursor() as cur:  # fresh statistics, as autovacuum would give a real city
                for table in (
                    "services_servicevisit",
                    "services_entitlement",
                    "people_elder",
                    "providers_provider",
                ):
                    cur.execute(f"ANALYZE {table}")

            sid = transaction.savepoint()
            t = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute(FLOOR_SQL.format(tail=CLAIMS_TAIL), params)
                cur.execute(FLOOR_SQL.format(tail=LINES_TAIL), params)
            floor_s = time.perf_counter() - t
            floor_totals = _totals(ServiceClaim)
            transaction.savepoint_rollback(sid)

            t = time.perf_counter()
            if os.environ.get("BENCH_PROFILE"):  # where the time goes
                import cProfile
                import pstats

                prof = cProfile.Profile()
                counts = prof.runcall(claims_build, period=PERIOD)
                pstats.Stats(prof).sort_stats("tottime").print_stats(18)
            else:
                counts = claims_build(period=PERIOD)
            build_s = time.perf_counter() - t
            build_totals = _totals(ServiceClaim)
            t = time.perf_counter()
            again = claims_build(period=PERIOD)
            refresh_s = time.perf_counter() - t

            same = floor_totals == build_totals
            print(
                f"claims {counts.created}, lines {counts.lines_created}, call-backs {counts.callbacks_created}"
            )
            print(f"totals (claims, visits, verified, flagged, minutes, claimed, payable): {build_totals}")
            print(f"floor totals equal: {same}")
            print(f"hand-written SQL floor : {floor_s:7.2f} s")
            print(f"claims_build (first)   : {build_s:7.2f} s   ratio {build_s / floor_s:5.2f}×")
            print(
                f"claims_build (refresh) : {refresh_s:7.2f} s   ratio {refresh_s / floor_s:5.2f}×"
                f"   (changed: {again.created + again.updated})"
            )
            if not same or again.created or again.updated:
                print("MISMATCH", file=sys.stderr)
            raise Rollback
    except Rollback:
        pass


def _totals(model: type) -> tuple[int, ...]:
    from django.db.models import Count, Sum

    agg = model.objects.filter(period=PERIOD).aggregate(  # type: ignore[attr-defined]
        n=Count("id"),
        v=Sum("visits"),
        ve=Sum("verified"),
        f=Sum("flagged"),
        m=Sum("minutes"),
        c=Sum("amount_claimed_fen"),
        p=Sum("amount_payable_fen"),
    )
    return tuple(int(agg[k] or 0) for k in ("n", "v", "ve", "f", "m", "c", "p"))


if __name__ == "__main__":
    main()
