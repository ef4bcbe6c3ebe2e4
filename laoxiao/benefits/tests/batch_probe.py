"""A probe run in a subprocess against a real database (a SQLite file with the production options,
or PostgreSQL) for the batch kill test (``test_batch_kill.py``).

``python -m laoxiao.benefits.tests.batch_probe setup N``  the small city, N older people (an account
    for every second one), the maker (a city administrator)
``python -m laoxiao.benefits.tests.batch_probe check``    the batch of 2026-03 and what the
    calculator says it should hold, as JSON
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laoxiao.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count, Sum  # noqa: E402

from laoxiao.accounts.tests.factories import make_user  # noqa: E402
from laoxiao.benefits.models import BatchChunk, PaymentBatch, PaymentItem  # noqa: E402
from laoxiao.benefits.tests.factories_batches import (  # noqa: E402
    PERIOD,
    allowance,
    expected,
    make_accounts,
    make_elders,
)
from laoxiao.regions.models import Region  # noqa: E402
from laoxiao.regions.tests.factories import make_city  # noqa: E402


def setup(n: int) -> None:
    if not Region.objects.filter(code="340600000000").exists():
        make_city()
        make_accounts(make_elders(n), every=2)
        make_user("maker", ["city_admin"], ["340600000000"])
    print(json.dumps({"ok": True}))


def check() -> None:
    programme = allowance()
    want = expected(programme)
    batches = list(PaymentBatch.objects.filter(programme=programme, period=PERIOD))
    out: dict[str, object] = {
        "batches": len(batches),
        "expected_count": len(want),
        "expected_total": sum(want.values()),
    }
    if batches:
        b = batches[0]
        items = PaymentItem.objects.filter(batch=b)
        agg = items.aggregate(
            n=Count("id"), total=Sum("amount_fen"), keys=Count("beneficiary_key", distinct=True)
        )
        got = dict(items.values_list("beneficiary_key", "amount_fen"))
        out.update(
            status=b.status,
            build=b.build_status,
            items=agg["n"],
            distinct=agg["keys"],
            total=int(agg["total"] or 0),
            same_items=got == want,
            batch_items=b.items_count,
            batch_total=b.total_fen,
            chunks_total=b.chunks_total,
            chunks_done=b.chunks_done,
            chunk_rows=BatchChunk.objects.filter(batch=b).count(),
            chunk_rows_done=BatchChunk.objects.filter(batch=b, done=True).count(),
            chunk_items=int(BatchChunk.objects.filter(batch=b).aggregate(s=Sum("items"))["s"] or 0),
        )
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(int(sys.argv[2]))
    else:
        check()
