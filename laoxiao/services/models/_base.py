"""Shared pieces of the services models: the scoped querysets and the month field helpers."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from laoxiao.providers.models import ProviderRowQuerySet
from laoxiao.regions.scoping import RegionScopedQuerySet


class ServiceRowQuerySet(ProviderRowQuerySet):
    """Rows of a service a provider delivers: ``region_code`` is where the person lives (the
    community), so township and county officers see what reaches their people; the provider's kind
    gives the sector (elder care → civil affairs, childcare → health); a provider operator sees the
    rows of their own provider wherever the person lives. Family members see nothing here: their
    reads go through their family links (``selectors.family``)."""


class ElderRowQuerySet(RegionScopedQuerySet):
    """Rows about an older person without a provider of their own (entitlements, alarms before they
    are routed): region-scoped and read by the elder-care sector only."""

    def visible_to(self, actor: Any) -> ElderRowQuerySet:
        qs = super().visible_to(actor)
        if actor is None or not getattr(actor, "is_authenticated", False):
            return qs.none()
        if getattr(actor, "is_superuser", False) or "eldercare" in actor.sectors():
            return qs
        own = getattr(actor, "provider_id", None)
        if self.provider_field and own:
            return qs.filter(Q(**{self.provider_field: own}))
        return qs.none()
