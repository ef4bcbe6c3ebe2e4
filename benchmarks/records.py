"""The drill-down (the records behind an indicator value) against the hand-written SQL floor.

Reads the demo city (var/laoxiao.sqlite3; read-only) and, for the city and for 相山区, times what a
drill-down page or API call costs: the count of the listed records and their first page of 50 —
  - through ``laoxiao.plan.records.indicator_records`` (as the page and the API call it), and
  - with the floor of ``benchmarks/indicators.py`` (``Floor``: hand-written SQL per month for E08,
    raw rows and the pure schedule rules in Python for C02 and C10) for the count, plus one
    hand-written statement for the first page where it is a plain query.
Checks both give the same count, prints both times and the ratio.
Run: `.venv/bin/python benchmarks/records.py` (BENCH_DB=path to use another file).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.indicators import DB, Floor  # noqa: E402

CASES = [  # (code, part, region)
    ("E08", "numerator", "340603000000"),
    ("E08", "denominator", "340603000000"),
    ("E08", "numerator", "340600000000"),
    ("C02", "numerator", "340600000000"),
    ("C02", "denominator", "340600000000"),
    ("C10", "numerator", "340600000000"),
    ("C10", "denominator", "340600000000"),
]
YEAR = 2021


def floor_count(cur: Any, code: str, part: str, region: str) -> int:
    from laoxiao.plan.calculators import Period, region_prefix

    prefix = region_prefix(region)
    index = 0 if part == "numerator" else 1
    p = Period.parse(str(YEAR))
    if code == "E08":
        total = 0
        for m in p.months():
            sums = Floor(cur, m.start, m.end, prefix).E08_month(m.start, m.end)
            total += sum(v[index] for v in sums.values())
        return total
    sums = getattr(Floor(cur, p.start, p.end, prefix), code)()
    return int(sum(v[index] for v in sums.values()))


def main() -> None:
    if not DB.exists():
        sys.exit(f"no demo city at {DB}: build it with `laoxiao demo-city`")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{DB}")
    os.environ.setdefault("LAOXIAO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laoxiao.settings")
    import django

    django.setup()
    from django.db import connection

    from laoxiao.accounts.models import User
    from laoxiao.plan.records import indicator_records

    root = User.objects.filter(is_superuser=True).order_by("pk").first()
    if root is None:
        sys.exit("no superuser in the demo city")
    print(f"drill-down on the demo city, {YEAR}: count + first page of 50 (best of 2)")
    grand_orm = grand_floor = 0.0
    for code, part, region in CASES:
        best_orm = best_floor = float("inf")
        n_orm = n_floor = -1
        for _round in range(2):
            t = time.perf_counter()
            found = indicator_records(actor=root, code=code, region_code=region, period=str(YEAR), part=part)
            n_orm = found.count()
            found.rows(0, 50)
            best_orm = min(best_orm, time.perf_counter() - t)
            with connection.cursor() as cur:
                t = time.perf_counter()
                n_floor = floor_count(cur, code, part, region)
                best_floor = min(best_floor, time.perf_counter() - t)
        assert n_orm == n_floor, (code, part, region, n_orm, n_floor)
        grand_orm += best_orm
        grand_floor += best_floor
        print(
            f"  {code} {part:<11} {region}: {n_orm:>9} rows  drill-down {best_orm:6.3f} s"
            f"  floor {best_floor:6.3f} s  ratio {best_orm / best_floor:5.2f}x"
        )
    print(f"  total:  drill-down {grand_orm:6.3f} s  floor {grand_floor:6.3f} s")
    print(f"  ratio:           {grand_orm / grand_floor:8.2f}x")


if __name__ == "__main__":
    main()
