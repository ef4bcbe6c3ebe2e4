"""Reads of orders and care plans: staff by region and sector, an operator their provider's, a
family member their linked people's (live links only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from laoxiao.core import clock
from laoxiao.core.crypto import blind_index
from laoxiao.core.errors import NotFound
from laoxiao.people.models import Elder
from laoxiao.providers.models import Provider, ServiceItem, StaffMember
from laoxiao.services.actions.orders import worker_qualified
from laoxiao.services.models import CarePlan, ServiceOrder


def _family_elders(actor: Any) -> Any:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    return actor.family_links.live().filter(elder__isnull=False).values("elder_id")


def orders_visible(actor: Any) -> QuerySet[ServiceOrder]:
    """Every order the actor may see."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return ServiceOrder.objects.none()
    scoped = ServiceOrder.objects.visible_to(actor)
    family = list(_family_elders(actor).values_list("elder_id", flat=True))
    if not family:  # staff and operators: the plain scoped read, which the indexes serve
        return scoped
    return ServiceOrder.objects.filter(Q(pk__in=scoped.values("pk")) | Q(elder_id__in=family))


def day_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def order_list(
    *,
    actor: Any,
    status: str | None = None,
    provider: str | None = None,
    elder: int | None = None,
    day: dt.date | None = None,
    overdue: bool | None = None,
) -> QuerySet[ServiceOrder]:
    """Orders the actor sees, filtered by status, provider (credit code), person and day."""
    qs = orders_visible(actor).select_related("provider", "item", "elder", "worker")
    if status:
        qs = qs.filter(status=status)
    if provider:
        qs = qs.filter(provider__uscc=provider)
    if elder:
        qs = qs.filter(elder_id=elder)
    if day:
        start, end = day_window(day)
        qs = qs.filter(scheduled_at__gte=start, scheduled_at__lt=end)
    if overdue:
        qs = qs.filter(status=ServiceOrder.Status.REQUESTED, accept_by__lt=clock.now())
    return qs.order_by("scheduled_at", "pk")


def order_get(*, actor: Any, pk: Any) -> ServiceOrder:
    try:
        order: ServiceOrder = order_list(actor=actor).get(pk=pk)
    except (ServiceOrder.DoesNotExist, ValueError, TypeError):
        raise NotFound("services.serviceorder") from None
    return order


def overdue_orders(*, actor: Any, provider: Provider | None = None) -> QuerySet[ServiceOrder]:
    """Orders still requested after their ``accept_by``."""
    qs = order_list(actor=actor, overdue=True)
    if provider is not None:
        qs = qs.filter(provider=provider)
    return qs


def is_overdue(order: ServiceOrder) -> bool:
    return bool(
        order.status == ServiceOrder.Status.REQUESTED and order.accept_by and order.accept_by < clock.now()
    )


def elder_for(*, actor: Any, pk: int | None = None, id_number: str | None = None) -> Elder:
    """The person an order is for: a family member's linked person, a person in the staff's
    regions, or (for a provider's operator) the person of an ID number, or of an order or care plan
    of their provider."""
    qs = Elder.objects.all()
    if id_number:
        qs = qs.filter(id_number_hash=blind_index(id_number.strip().upper()))
    elif pk is not None:
        qs = qs.filter(pk=pk)
    else:
        raise NotFound("people.elder")
    scoped = Elder.objects.visible_to(actor).values("pk")
    allowed = Q(pk__in=scoped) | Q(pk__in=_family_elders(actor))
    own = getattr(actor, "provider_id", None)
    if own:
        if id_number:
            allowed |= Q(pk__isnull=False)
        else:
            allowed |= Q(pk__in=ServiceOrder.objects.filter(provider_id=own).values("elder_id"))
            allowed |= Q(pk__in=CarePlan.objects.filter(provider_id=own).values("elder_id"))
    found = qs.filter(allowed).first()
    if found is None:
        raise NotFound("people.elder")
    return found


def provider_for(*, actor: Any, uscc: str) -> Provider:
    """A provider to order from: any filed elder-care provider of the city (families choose)."""
    found = Provider.objects.filter(uscc=uscc).first()
    if found is None:
        raise NotFound("providers.provider")
    return found


def item_for(code: str) -> ServiceItem:
    found = ServiceItem.objects.filter(code=code).first()
    if found is None:
        raise NotFound("providers.serviceitem")
    return found


def workers_of(provider: Provider, day: dt.date) -> QuerySet[StaffMember]:
    """The provider's staff employed on ``day``."""
    return (
        StaffMember.objects.filter(provider=provider)
        .filter(Q(hired_on__isnull=True) | Q(hired_on__lte=day))
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=day))
        .order_by("name")
    )


def qualified_workers(order: ServiceOrder) -> list[StaffMember]:
    """The provider's workers who may serve ``order`` (employed, certificate valid that day)."""
    day = timezone.localtime(order.scheduled_at).date()
    return [w for w in workers_of(order.provider, day) if worker_qualified(w, order) is None]


def care_plans_visible(actor: Any) -> QuerySet[CarePlan]:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return CarePlan.objects.none()
    scoped = CarePlan.objects.visible_to(actor).values("pk")
    return CarePlan.objects.filter(Q(pk__in=scoped) | Q(elder_id__in=_family_elders(actor))).select_related(
        "provider", "item", "elder"
    )
