"""What the services app holds about one older person, for their page in the registry: the
entitlement of the month, recent orders and visits (with their flags), meals, the care bed
contract, respite and alarms. Every read goes through ``visible_to(actor)``; each list is short
(the latest rows, by an index on the person)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.models import Count, Q, Sum

from laoxiao.core import clock
from laoxiao.services.models import (
    Alarm,
    CareBedContract,
    Entitlement,
    MealRecord,
    RespiteBooking,
    ServiceOrder,
    ServiceVisit,
)
from laoxiao.services.selectors.entitlements import month_bounds, month_values

LIMIT = 8  # rows of each list on the page


@dataclasses.dataclass
class PersonServices:
    month: dt.date  # the first day of the month shown
    entitlement_fen: int  # the month's value (0: none)
    entitlements: list[Entitlement]
    used_fen: int  # the government-purchased part of the month's orders (not cancelled)
    orders: list[ServiceOrder]
    visits: list[ServiceVisit]
    meals: list[MealRecord]
    meals_in_month: int
    subsidy_in_month_fen: int
    care_bed: CareBedContract | None
    respite: list[RespiteBooking]
    alarms: list[Alarm]

    @property
    def remaining_fen(self) -> int:
        return max(0, self.entitlement_fen - self.used_fen)

    @property
    def empty(self) -> bool:
        return not (
            self.entitlement_fen or self.orders or self.visits or self.meals or self.care_bed or self.alarms
        )


def person_services(*, actor: Any, elder: Any, on: dt.date | None = None) -> PersonServices:
    day = on or clock.today()
    first, last = month_bounds(day)
    entitlements = list(
        Entitlement.objects.visible_to(actor)
        .filter(elder=elder, valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .order_by("-monthly_fen", "group")[:LIMIT]
    )
    value = month_values([elder.pk], day).get(elder.pk, 0) if entitlements else 0
    orders_qs = ServiceOrder.objects.visible_to(actor).filter(elder=elder)
    used = (
        orders_qs.filter(scheduled_at__date__gte=first, scheduled_at__date__lte=last)
        .exclude(status=ServiceOrder.Status.CANCELLED)
        .aggregate(s=Sum("gov_fen"))["s"]
        or 0
    )
    orders = list(
        orders_qs.select_related("item", "provider", "worker").order_by("-scheduled_at", "-pk")[:LIMIT]
    )
    visits = list(
        ServiceVisit.objects.visible_to(actor)
        .filter(elder=elder)
        .select_related("item", "worker")
        .order_by("-service_day", "-check_in_at")[:LIMIT]
    )
    meals_qs = MealRecord.objects.visible_to(actor).filter(elder=elder)
    meals = list(meals_qs.select_related("provider").order_by("-served_on", "-pk")[:LIMIT])
    month = meals_qs.filter(served_on__gte=first, served_on__lte=last).aggregate(
        n=Count("pk"), s=Sum("subsidy_fen")
    )
    care_bed = (
        CareBedContract.objects.visible_to(actor)
        .filter(elder=elder)
        .select_related("provider")
        .prefetch_related("adaptations", "devices")
        .order_by("-signed_on")
        .first()
    )
    respite = list(
        RespiteBooking.objects.visible_to(actor)
        .filter(elder=elder)
        .select_related("provider")
        .order_by("-start_on")[:LIMIT]
    )
    alarms = list(
        Alarm.objects.visible_to(actor)
        .filter(elder=elder)
        .select_related("provider")
        .order_by("-opened_at")[:LIMIT]
    )
    return PersonServices(
        month=first,
        entitlement_fen=value,
        entitlements=entitlements,
        used_fen=int(used),
        orders=orders,
        visits=visits,
        meals=meals,
        meals_in_month=month["n"] or 0,
        subsidy_in_month_fen=month["s"] or 0,
        care_bed=care_bed,
        respite=respite,
        alarms=alarms,
    )
