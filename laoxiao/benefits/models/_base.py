"""Shared pieces of the benefits models: the scoped queryset of rows about a beneficiary."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from laoxiao.regions.scoping import RegionScopedQuerySet

# who reads the rows of a programme: its ``sector`` → the actor sectors (``User.sectors()``)
SECTOR_READERS = {"eldercare": frozenset({"eldercare"}), "childcare": frozenset({"childcare", "health"})}


class BenefitRowQuerySet(RegionScopedQuerySet):
    """Rows about a beneficiary of a programme: region-scoped (``region_code`` is where the person
    lives, or the provider's region) and read by the programme's sector (``sector_field``); a
    provider operator sees the rows paid to their own provider. Family members read through their
    family links (the portal), never here."""

    sector_field = "programme__sector"

    def visible_to(self, actor: Any) -> BenefitRowQuerySet:
        qs = super().visible_to(actor)
        if actor is None or not getattr(actor, "is_authenticated", False):
            return qs.none()
        if getattr(actor, "is_superuser", False):
            return qs
        sectors = set(actor.sectors())
        allowed = [s for s, readers in SECTOR_READERS.items() if readers & sectors]
        own = getattr(actor, "provider_id", None)
        cond = Q(**{f"{self.sector_field}__in": allowed}) if allowed else Q(pk__in=[])
        if own and self.provider_field:
            cond |= Q(**{self.provider_field: own})
        return qs.filter(cond)
