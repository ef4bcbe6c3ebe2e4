"""Care plans: a provider's recurring service for one person (every Tuesday 09:00 for 60 minutes)
and the orders they make for the coming days (once per plan and start)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.access import is_operator_of, require_can_act, require_can_supervise
from laoxiao.core.bulk import save_logged
from laoxiao.people.models import Elder
from laoxiao.providers.models import Provider, ServiceItem, StaffMember
from laoxiao.services.actions.orders import _check_content, order_place
from laoxiao.services.models import CarePlan, ServiceOrder


def _require_operator(actor: Any, provider: Provider) -> None:
    if is_operator_of(actor, provider):
        return
    require_can_supervise(actor, provider)  # NotFound for whoever does not see the provider
    raise PermissionDenied(_("Only the provider's operator makes its care plans."))


@transaction.atomic
def care_plan_create(
    *,
    actor: User,
    elder: Elder,
    provider: Provider,
    item: ServiceItem,
    weekdays: list[int],
    start_time: dt.time,
    minutes: int,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    worker: StaffMember | None = None,
    note: str = "",
) -> CarePlan:
    """The provider's operator plans a recurring service (``weekdays`` ISO 1–7)."""
    _require_operator(actor, provider)
    days = sorted(set(weekdays or []))
    if not days or any(not isinstance(d, int) or not 1 <= d <= 7 for d in days):
        raise ValidationError({"weekdays": _("Give the weekdays as numbers 1 (Monday) to 7 (Sunday).")})
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end lies before the start.")})
    start = timezone.make_aware(dt.datetime.combine(valid_from, start_time))
    _check_content(elder=elder, provider=provider, item=item, scheduled_at=start, minutes=minutes)
    if worker is not None and worker.provider_id != provider.pk:
        raise ValidationError({"worker": _("This worker is not staff of the provider.")})
    plan = CarePlan(
        elder=elder,
        region_code=elder.region_code,
        provider=provider,
        item=item,
        weekdays=days,
        start_time=start_time,
        minutes=minutes,
        valid_from=valid_from,
        valid_to=valid_to,
        worker=worker,
        note=(note or "").strip()[:300],
        created_by=actor,
    )
    save_logged(
        plan,
        actor=actor,
        fields=[
            "elder_id",
            "provider_id",
            "item_id",
            "weekdays",
            "minutes",
            "valid_from",
            "valid_to",
        ],
        note=f"{start_time:%H:%M}",
    )
    return plan


def orders_from_plans(
    *, actor: User, provider: Provider | None = None, days_ahead: int = 7
) -> dict[str, int]:
    """Make the orders of the plans' starts from now to ``days_ahead`` days ahead, each once
    (unique per plan and start: running twice changes nothing). An operator for their provider; an
    officer for a provider they supervise, or every provider they see without one."""
    if provider is not None:
        require_can_act(actor, provider)
        providers = [provider]
    else:
        providers = list(Provider.objects.visible_to(actor).eldercare())
    today = clock.today()
    now = clock.now()
    last = today + dt.timedelta(days=max(days_ahead, 0))
    counts = {"created": 0, "existing": 0}
    plans = (
        CarePlan.objects.filter(provider__in=providers, valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("elder", "provider", "item")
        .order_by("pk")
    )
    for plan in plans:
        made = set(
            ServiceOrder.objects.filter(care_plan=plan, scheduled_at__gte=now).values_list(
                "scheduled_at", flat=True
            )
        )
        day = max(today, plan.valid_from)
        while day <= last and (plan.valid_to is None or day <= plan.valid_to):
            if day.isoweekday() in plan.weekdays:
                start = timezone.make_aware(dt.datetime.combine(day, plan.start_time))
                if start >= now and start not in made:
                    with transaction.atomic():
                        order_place(
                            actor=actor,
                            elder=plan.elder,
                            provider=plan.provider,
                            item=plan.item,
                            scheduled_at=start,
                            minutes=plan.minutes,
                            note=plan.note,
                            channel=ServiceOrder.Channel.CARE_PLAN,
                            care_plan=plan,
                        )
                    counts["created"] += 1
                elif start in made:
                    counts["existing"] += 1
            day += dt.timedelta(days=1)
    return counts
