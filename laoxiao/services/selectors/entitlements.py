"""Entitlement values of a month: what the government buys for a person in that month."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from laoxiao.services.models import Entitlement


def month_bounds(period: dt.date) -> tuple[dt.date, dt.date]:
    """The first and the last day of ``period``'s month."""
    first = period.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def month_values(elder_ids: Iterable[Any] | None, period: dt.date) -> dict[Any, int]:
    """Each person's entitlement in ``period``'s month (fen): the highest derived value of a row in
    force on any day of the month, plus every grant in force in it. ``elder_ids`` None = everyone
    with an entitlement (no scope: callers pass people they already see)."""
    first, last = month_bounds(period)
    qs = Entitlement.objects.filter(valid_from__lte=last).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=first)
    )
    if elder_ids is not None:
        qs = qs.filter(elder_id__in=list(elder_ids))
    derived: dict[Any, int] = defaultdict(int)
    grants: dict[Any, int] = defaultdict(int)
    for elder_id, source, fen in qs.values_list("elder_id", "source", "monthly_fen").iterator(
        chunk_size=5000
    ):
        if source == Entitlement.Source.GRANT:
            grants[elder_id] += fen
        else:
            derived[elder_id] = max(derived[elder_id], fen)
    return {e: derived.get(e, 0) + grants.get(e, 0) for e in set(derived) | set(grants)}
