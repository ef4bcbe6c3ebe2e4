"""Reads of the change log, scoped: city administrators see every row, others their regions' rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from laoxiao.accounts.roles import VIEW_ALL_CHANGELOG
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.regions.scoping import level_of_code, prefix_for, prefix_q


def changelog_list(
    *,
    actor: Any,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    region: str | None = None,
    actor_name: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[ChangeLog]:
    if actor is not None and getattr(actor, "is_authenticated", False) and actor.has_perm(VIEW_ALL_CHANGELOG):
        qs = ChangeLog.objects.all()
    else:
        qs = ChangeLog.objects.visible_to(actor).exclude(region_code="")
    if action:
        qs = qs.filter(action=action)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id:
        qs = qs.filter(target_id=target_id)
    if region:
        qs = qs.filter(prefix_q("region_code", prefix_for(region, level_of_code(region))))
    if actor_name:
        qs = qs.filter(Q(actor_name__icontains=actor_name))
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs.order_by("-at", "-id")


def changelog_get(*, actor: Any, pk: int) -> ChangeLog:
    row = changelog_list(actor=actor).filter(pk=pk).first()
    if row is None:
        raise NotFound(pk)
    return row


def changelog_target_types() -> list[str]:
    # order_by(): the model ordering would otherwise join DISTINCT and return every row
    return sorted(ChangeLog.objects.order_by().values_list("target_type", flat=True).distinct())
