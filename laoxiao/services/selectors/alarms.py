"""Reads of emergency calls: alarms as the actor may see them, the alarms board, response times."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from laoxiao.core import clock
from laoxiao.core.access import is_city_admin
from laoxiao.core.errors import NotFound
from laoxiao.core.masking import mask_name
from laoxiao.regions.models import Region
from laoxiao.services.models import Alarm, DeviceVendor


def alarm_list(
    *,
    actor: Any,
    status: str | None = None,
    provider: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Alarm]:
    """Alarms the actor may see (the routed provider's operator; elder-care staff of the region),
    newest first; ``status`` may be ``active`` (open, acknowledged or on site)."""
    qs = Alarm.objects.visible_to(actor).select_related("elder", "provider", "event")
    if status == "active":
        qs = qs.exclude(status=Alarm.Status.CLOSED)
    elif status:
        qs = qs.filter(status=status)
    if provider:
        qs = qs.filter(provider__uscc=provider)
    if date_from:
        qs = qs.filter(opened_at__gte=_start(date_from))
    if date_to:
        qs = qs.filter(opened_at__lt=_start(date_to + dt.timedelta(days=1)))
    return qs.order_by("-opened_at", "-pk")


def alarm_get(*, actor: Any, pk: int) -> Alarm:
    alarm = alarm_list(actor=actor).filter(pk=pk).first()
    if alarm is None:
        raise NotFound(str(pk))
    return alarm


def _start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def minutes_between(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 1)


def elder_name(alarm: Alarm) -> str:
    """The person's name masked, as on every list."""
    return mask_name(alarm.elder.name or "")


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ack = [m for r in rows if (m := minutes_between(r["opened_at"], r["acknowledged_at"])) is not None]
    site = [m for r in rows if (m := minutes_between(r["opened_at"], r["on_site_at"])) is not None]
    escalated = sum(1 for r in rows if r["escalation_level"] > 0)

    def med(values: list[float]) -> float | None:
        return round(statistics.median(values), 1) if values else None

    def mean(values: list[float]) -> float | None:
        return round(statistics.fmean(values), 1) if values else None

    return {
        "alarms": len(rows),
        "acknowledged": len(ack),
        "on_site": len(site),
        "ack_median_minutes": med(ack),
        "ack_mean_minutes": mean(ack),
        "on_site_median_minutes": med(site),
        "on_site_mean_minutes": mean(site),
        "escalated": escalated,
        "escalated_share": round(escalated / len(rows), 3) if rows else 0.0,
    }


def response_times(
    *,
    actor: Any,
    by: str = "provider",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Minutes from opening to acknowledgement and to on site (median and mean), counts and the
    share escalated, per provider (``by="provider"``; ``key`` the credit code, "" for alarms routed
    to no provider) or per county (``by="county"``), over the alarms opened in the period that the
    actor may see. Minutes have one decimal."""
    qs = alarm_list(actor=actor, date_from=date_from, date_to=date_to)
    rows: list[dict[str, Any]] = [
        dict(r)
        for r in qs.values(
            "region_code",
            "provider__uscc",
            "provider__name",
            "opened_at",
            "acknowledged_at",
            "on_site_at",
            "escalation_level",
        )
    ]
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    names: dict[str, str] = {}
    for r in rows:
        if by == "county":
            key = r["region_code"][:6] + "000000"
        else:
            key = r["provider__uscc"] or ""
            names[key] = r["provider__name"] or ""
        groups[key].append(r)
    if by == "county":
        names = dict(Region.objects.filter(code__in=list(groups)).values_list("code", "name"))
    return [{"key": key, "name": names.get(key, ""), **_summary(groups[key])} for key in sorted(groups)]


def alarms_board(*, actor: Any, day: dt.date | None = None) -> dict[str, Any]:
    """The alarms board: open alarms first (oldest first, with minutes since opening), the alarms
    closed on ``day`` (default today), and the day's response times by provider and county."""
    day = day or clock.today()
    now = clock.now()
    active = list(alarm_list(actor=actor, status="active").order_by("opened_at", "pk")[:200])
    for a in active:
        a.minutes_open = int((now - a.opened_at).total_seconds() // 60)  # type: ignore[attr-defined]
        a.elder_masked = elder_name(a)  # type: ignore[attr-defined]
    closed = list(
        alarm_list(actor=actor, status=Alarm.Status.CLOSED)
        .filter(closed_at__gte=_start(day), closed_at__lt=_start(day + dt.timedelta(days=1)))
        .order_by("-closed_at")[:200]
    )
    for a in closed:
        a.elder_masked = elder_name(a)  # type: ignore[attr-defined]
        a.ack_minutes = minutes_between(a.opened_at, a.acknowledged_at)  # type: ignore[attr-defined]
        a.site_minutes = minutes_between(a.opened_at, a.on_site_at)  # type: ignore[attr-defined]
    return {
        "day": day,
        "active": active,
        "closed": closed,
        "by_provider": response_times(actor=actor, by="provider", date_from=day, date_to=day),
        "by_county": response_times(actor=actor, by="county", date_from=day, date_to=day),
    }


def vendor_list(*, actor: Any) -> QuerySet[DeviceVendor]:
    """Device vendors, for city administrators only (others: none)."""
    if not is_city_admin(actor):
        return DeviceVendor.objects.none()
    return DeviceVendor.objects.order_by("code")


def vendor_get(*, actor: Any, code: str) -> DeviceVendor:
    vendor = vendor_list(actor=actor).filter(code=code).first()
    if vendor is None:
        raise NotFound(code)
    return vendor


__all__ = [
    "alarm_get",
    "alarm_list",
    "alarms_board",
    "elder_name",
    "minutes_between",
    "response_times",
    "vendor_get",
    "vendor_list",
]
