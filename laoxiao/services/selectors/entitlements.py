"""Entitlement values of a month: what the government buys for a person in that month."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from laoxiao.services.models import Entitlement, ServiceOrder


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


def _month_window(period: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first, last = month_bounds(period)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def month_used(elder_id: Any, period: dt.date, *, exclude_order: Any = None) -> int:
    """The government-purchased fen of a person's non-cancelled orders scheduled in the month."""
    start, end = _month_window(period)
    qs = ServiceOrder.objects.filter(
        elder_id=elder_id, scheduled_at__gte=start, scheduled_at__lt=end
    ).exclude(status=ServiceOrder.Status.CANCELLED)
    if exclude_order is not None:
        qs = qs.exclude(pk=exclude_order)
    return int(qs.aggregate(s=Sum("gov_fen"))["s"] or 0)


def month_remaining(elder_id: Any, period: dt.date) -> int:
    """What is left of a person's entitlement of the month (never below 0)."""
    return max(month_values([elder_id], period).get(elder_id, 0) - month_used(elder_id, period), 0)


def entitlements_of(*, actor: Any, elder: Any) -> Any:
    """A person's entitlement rows (newest first), as the actor may see them: staff of the
    elder-care sector in the region, or a family member with a live link."""
    if actor.family_links.live().filter(elder_id=elder.pk).exists():
        return Entitlement.objects.filter(elder_id=elder.pk).order_by("-valid_from", "-pk")
    return Entitlement.objects.visible_to(actor).filter(elder_id=elder.pk).order_by("-valid_from", "-pk")


def entitlement_of_month(*, actor: Any, elder: Any, period: dt.date) -> dict[str, Any]:
    """A person's entitlement of ``period``'s month: the rows in force with their reasons, the
    value, what the month's orders used and what remains."""
    first, last = month_bounds(period)
    rows = list(
        entitlements_of(actor=actor, elder=elder)
        .filter(valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
    )
    value = month_values([elder.pk], period).get(elder.pk, 0) if rows else 0
    used = month_used(elder.pk, period)
    return {
        "elder_id": elder.pk,
        "month": first.strftime("%Y-%m"),
        "monthly_fen": value,
        "used_fen": used,
        "remaining_fen": max(value - used, 0),
        "rows": rows,
        "reasons": [r.reason for r in rows if r.reason],
    }
