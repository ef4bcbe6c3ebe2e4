"""Reading visits: scoped lists with filters, one visit, the review queue with each visit's
overlapping visit of the same worker."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from laoxiao.services.models import ServiceVisit


def visit_list(
    *,
    actor: Any,
    status: str | None = None,
    flag: str | None = None,
    provider: str | None = None,
    elder: int | None = None,
    day_from: dt.date | None = None,
    day_to: dt.date | None = None,
) -> QuerySet[ServiceVisit]:
    qs = ServiceVisit.objects.visible_to(actor).select_related("provider", "worker", "item")
    if status:
        qs = qs.filter(status=status)
    if flag:
        qs = (
            qs.filter(flags__contains=[flag]) if _json_contains() else qs.filter(flags__icontains=f'"{flag}"')
        )
    if provider:
        qs = qs.filter(provider__uscc=provider)
    if elder is not None:
        qs = qs.filter(elder_id=elder)
    if day_from:
        qs = qs.filter(service_day__gte=day_from)
    if day_to:
        qs = qs.filter(service_day__lte=day_to)
    return qs.order_by("-check_in_at", "-pk")


def _json_contains() -> bool:
    from django.db import connection

    return bool(connection.features.supports_json_field_contains)


def visit_get(*, actor: Any, pk: int) -> ServiceVisit:
    visit: ServiceVisit = ServiceVisit.objects.select_related("provider", "worker", "item", "elder").get_for(
        actor, pk=pk
    )
    return visit


def overlapping(visits: list[ServiceVisit]) -> dict[int, ServiceVisit]:
    """For each flagged-overlap visit of the page, one stored visit of the same worker it overlaps."""
    out: dict[int, ServiceVisit] = {}
    for v in visits:
        if "overlap" not in v.flags:
            continue
        end = v.check_out_at or v.check_in_at
        other = (
            ServiceVisit.objects.filter(worker_id=v.worker_id, check_in_at__lt=end)
            .filter(
                Q(check_out_at__gt=v.check_in_at)
                | Q(check_out_at__isnull=True, check_in_at__gte=v.check_in_at)
            )
            .exclude(pk=v.pk)
            .select_related("provider", "item")
            .first()
        )
        if other is not None:
            out[v.pk] = other
    return out
