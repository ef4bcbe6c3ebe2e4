"""Reads of meals (diners, meals, settlements): always from ``visible_to(actor)``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from laoxiao.core import access
from laoxiao.core.errors import NotFound
from laoxiao.people.models import Elder
from laoxiao.providers.models import Provider
from laoxiao.services.actions.meals import month_bounds
from laoxiao.services.models import (
    Diner,
    MealRecord,
    MealSettlement,
)


def provider_get(*, actor: Any, uscc: str) -> Provider:
    found = Provider.objects.visible_to(actor).filter(uscc=uscc.strip().upper()).first()
    if found is None:
        raise NotFound(uscc)
    return found


def elder_for(*, actor: Any, pk: int, provider: Provider | None = None) -> Elder:
    """A person the actor sees; a provider's operator also finds the people registered with their
    provider (diners, care beds, respite guests) wherever they live."""
    found = Elder.objects.visible_to(actor).filter(pk=pk).first()
    if found is None and provider is not None and access.is_operator_of(actor, provider):
        linked = (
            Q(diner_registrations__provider=provider)
            | Q(care_beds__provider=provider)
            | Q(respite_bookings__provider=provider)
        )
        found = Elder.objects.filter(linked, pk=pk).distinct().first()
    if found is None:
        raise NotFound(str(pk))
    return found


def meals_of(
    *,
    actor: Any,
    provider: Provider | None = None,
    elder: int | None = None,
    day_from: dt.date | None = None,
    day_to: dt.date | None = None,
) -> QuerySet[MealRecord]:
    qs = MealRecord.objects.visible_to(actor).select_related("provider", "elder")
    if provider is not None:
        qs = qs.filter(provider=provider)
    if elder is not None:
        qs = qs.filter(elder_id=elder)
    if day_from is not None:
        qs = qs.filter(served_on__gte=day_from)
    if day_to is not None:
        qs = qs.filter(served_on__lte=day_to)
    return qs.order_by("-served_on", "slot", "pk")


def meal_get(*, actor: Any, pk: int) -> MealRecord:
    found = meals_of(actor=actor).filter(pk=pk).first()
    if found is None:
        raise NotFound(str(pk))
    return found


def meal_day_totals(*, actor: Any, provider: Provider, period: dt.date) -> list[dict[str, Any]]:
    """Per day of the month: meals, subsidised meals, price and subsidy (a point's month page)."""
    first, last = month_bounds(period)
    return list(
        meals_of(actor=actor, provider=provider, day_from=first, day_to=last)
        .order_by()
        .values("served_on")
        .annotate(
            meals=Count("pk"),
            subsidised=Count("pk", filter=Q(subsidy_fen__gt=0)),
            price_fen=Sum("price_fen"),
            subsidy_fen=Sum("subsidy_fen"),
        )
        .order_by("served_on")
    )


def diners_of(*, actor: Any, provider: Provider | None = None) -> QuerySet[Diner]:
    qs = Diner.objects.visible_to(actor).select_related("provider", "elder")
    if provider is not None:
        qs = qs.filter(provider=provider)
    return qs.order_by("provider_id", "elder_id")


def settlements_of(
    *, actor: Any, provider: Provider | None = None, status: str | None = None
) -> QuerySet[MealSettlement]:
    qs = MealSettlement.objects.visible_to(actor).select_related("provider")
    if provider is not None:
        qs = qs.filter(provider=provider)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-period", "provider_id")


def settlement_get(*, actor: Any, pk: int) -> MealSettlement:
    found = settlements_of(actor=actor).filter(pk=pk).first()
    if found is None:
        raise NotFound(str(pk))
    return found


def meal_points(*, actor: Any) -> QuerySet[Provider]:
    return (
        Provider.objects.visible_to(actor)
        .filter(Q(kind=Provider.Kind.MEAL_POINT) | Q(serves_meals=True))
        .order_by("name")
    )
