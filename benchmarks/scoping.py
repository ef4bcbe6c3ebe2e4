"""Scoped reads against the raw-SQL floor.

Builds a throwaway SQLite database with the demo city's regions and 300,000 change-log rows spread
over its communities, then times, for a district officer of 相山区:
  - the change-log page query (count + first 50 rows, newest first) through the selector, and
  - the same two statements in hand-written SQL on the same connection (the floor),
and prints both times and the ratio. Run: `make bench` or `.venv/bin/python benchmarks/scoping.py`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROWS = int(os.environ.get("BENCH_ROWS", "300000"))
REPEAT = 20


def main() -> None:
    tmp = tempfile.mkdtemp()
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("LAOXIAO_DEBUG", "1")
    os.environ["LAOXIAO_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laoxiao.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from laoxiao.accounts.models import User
    from laoxiao.core.models import ChangeLog
    from laoxiao.core.selectors import changelog_list
    from laoxiao.regions.models import Region

    call_command("migrate", verbosity=0)
    call_command("demo-city", "--scale", "0.01", verbosity=0)
    call_command("demo-accounts", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    communities = list(Region.objects.filter(level="community").values_list("code", flat=True))
    now = timezone.now()
    batch = [
        ChangeLog(
            at=now - timezone.timedelta(seconds=i),
            actor_name="bench",
            action="update",
            target_type="regions.region",
            target_id=str(i),
            target_repr="r",
            region_code=communities[i % len(communities)],
            changes={"population": [i, i + 1]},
        )
        for i in range(ROWS)
    ]
    ChangeLog.objects.bulk_create(batch, batch_size=5000)
    actor = User.objects.get(username="xiangshan_mz")

    def orm() -> int:
        qs = changelog_list(actor=actor)
        n = qs.count()
        rows = list(qs[:50])
        return n + len(rows)

    def floor() -> int:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT COUNT(*) FROM core_changelog WHERE region_code >= %s AND region_code < %s",
                ["340603", "340604"],
            )
            n = cur.fetchone()[0]
            cur.execute(
                "SELECT * FROM core_changelog WHERE region_code >= %s AND region_code < %s"
                " ORDER BY at DESC, id DESC LIMIT 50",
                ["340603", "340604"],
            )
            rows = cur.fetchall()
        return n + len(rows)

    assert orm() == floor()

    def best(fn) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(REPEAT):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    t_orm, t_floor = best(orm), best(floor)
    print(f"change-log page for a district officer over {ROWS:,} rows")
    print(f"  selector (ORM):  {t_orm * 1000:8.2f} ms")
    print(f"  raw SQL floor:   {t_floor * 1000:8.2f} ms")
    print(f"  ratio:           {t_orm / t_floor:8.2f}x")


if __name__ == "__main__":
    main()
