"""Reads of family care beds and respite: always from ``visible_to(actor)``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from laoxiao.core import access
from laoxiao.core.errors import NotFound
from laoxiao.people.models import Elder
from laoxiao.providers.models import Provider
from laoxiao.services.models import CareBedContract, RespiteBooking


def care_beds_of(
    *, actor: Any, provider: Provider | None = None, status: str | None = None
) -> QuerySet[CareBedContract]:
    qs = CareBedContract.objects.visible_to(actor).select_related("provider", "elder")
    if provider is not None:
        qs = qs.filter(provider=provider)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-signed_on", "-pk")


def care_bed_get(*, actor: Any, pk: int) -> CareBedContract:
    found = care_beds_of(actor=actor).filter(pk=pk).first()
    if found is None:
        raise NotFound(str(pk))
    return found


def respite_of(
    *, actor: Any, provider: Provider | None = None, status: str | None = None
) -> QuerySet[RespiteBooking]:
    qs = RespiteBooking.objects.visible_to(actor).select_related("provider", "elder")
    if provider is not None:
        qs = qs.filter(provider=provider)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-start_on", "-pk")


def respite_get(*, actor: Any, pk: int) -> RespiteBooking:
    """A booking the actor sees, or one of a person linked to them (a family member)."""
    found = respite_of(actor=actor).filter(pk=pk).first()
    if found is None and access.is_active_actor(actor):
        linked = actor.family_links.live().values("elder_id")
        found = (
            RespiteBooking.objects.filter(pk=pk, elder_id__in=linked)
            .select_related("provider", "elder")
            .first()
        )
    if found is None:
        raise NotFound(str(pk))
    return found


def elder_for_booking(*, actor: Any, pk: int, provider: Provider) -> Elder:
    """The person a respite booking is for: one the actor sees, one linked to them by a live family
    link, or (for the provider's operator) anyone — the action checks who may book."""
    found = Elder.objects.visible_to(actor).filter(pk=pk).first()
    if found is None and access.is_active_actor(actor):
        if actor.family_links.live().filter(elder_id=pk).exists() or access.is_operator_of(actor, provider):
            found = Elder.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(str(pk))
    return found


def respite_provider(*, actor: Any, uscc: str) -> Provider:
    """The provider of a respite booking: one the actor sees, or any filed provider (the public
    registry) for a family member."""
    code = uscc.strip().upper()
    found = Provider.objects.visible_to(actor).filter(uscc=code).first()
    if found is None and access.is_active_actor(actor):
        found = Provider.objects.filter(uscc=code, filing_status=Provider.FilingStatus.FILED).first()
    if found is None:
        raise NotFound(uscc)
    return found
