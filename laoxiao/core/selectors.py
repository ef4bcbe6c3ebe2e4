"""Reads of the change log, scoped as every other read.

City administrators (``core.view_all_changelog``) see every row. Others see the rows of their regions
whose record has no sector (regions, the plan) or a sector they read (``accounts.roles.RECORD_READERS``:
civil affairs never reads children's rows, health never reads welfare visits), and a provider operator
the rows of their own provider. Rows without a region (refused reveals) only the administrators see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from laoxiao.accounts.roles import VIEW_ALL_CHANGELOG, readable_kinds
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.regions.scoping import level_of_code, prefix_for, prefix_q, scope_q


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
    qs = visible_changes(actor)
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


def visible_changes(actor: Any) -> QuerySet[ChangeLog]:
    """The change-log rows ``actor`` may read (region, sector, own provider)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return ChangeLog.objects.none()
    if actor.has_perm(VIEW_ALL_CHANGELOG):
        return ChangeLog.objects.all()
    prefixes = actor.region_prefixes()
    q = Q(pk__in=[])
    if prefixes is None or prefixes:
        in_region = scope_q("region_code", prefixes) or Q()
        q = in_region & (Q(sector="") | Q(sector__in=readable_kinds(actor.sectors())))
    own = getattr(actor, "provider_id", None)
    if own:
        q |= Q(provider_id=own)
    return ChangeLog.objects.filter(q).exclude(region_code="")


def changelog_get(*, actor: Any, pk: int) -> ChangeLog:
    row = changelog_list(actor=actor).filter(pk=pk).first()
    if row is None:
        raise NotFound(pk)
    return row


def changelog_target_types(*, actor: Any) -> list[str]:
    """The record kinds offered in the change log's filter: only kinds of a sector ``actor`` reads
    (or of no sector), so the list tells nothing about records the actor may not see."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    # order_by(): the model ordering would otherwise join DISTINCT and return every row
    pairs = ChangeLog.objects.order_by().values_list("target_type", "sector").distinct()
    if actor.has_perm(VIEW_ALL_CHANGELOG):
        return sorted({t for t, _ in pairs})
    readable = set(readable_kinds(actor.sectors()))
    return sorted({t for t, sector in pairs if not sector or sector in readable})
