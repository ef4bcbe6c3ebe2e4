"""Enrolment of children with childcare providers and their classes.

A class takes a child while it holds fewer children than its capacity and when the child's age lies
in the class type's band (rule ``child.enrolment_age_bands``); ``current_children`` is the one rule
of what a class or a provider holds now, for this action and for the children import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.core import clock
from laoxiao.core.access import require_region
from laoxiao.core.changelog import log_change
from laoxiao.core.i18n import fmt
from laoxiao.core.models import ChangeLog
from laoxiao.people import schedules as s
from laoxiao.people.actions.scope import require_children_sector
from laoxiao.people.models import Child
from laoxiao.people.selectors.children import child_rules
from laoxiao.providers.models import CHILDCARE_KINDS, ChildcareClass, Provider


def current_children(**where: Any) -> models.QuerySet[Child]:
    """The children a class or a provider holds now (alive, not moved out): what its capacity limits.
    The one rule of the enrolment action and the children import."""
    return Child.objects.filter(died_on__isnull=True, moved_out_on__isnull=True, **where)


def provider_places(provider_ids: Iterable[int]) -> dict[int, tuple[int, set[int]]]:
    """For each provider: its slots (the sum of its class capacities) and the children it holds now."""
    ids = set(provider_ids)
    out: dict[int, tuple[int, set[int]]] = {i: (0, set()) for i in ids}
    for inst_id, capacity in ChildcareClass.objects.filter(provider_id__in=ids).values_list(
        "provider_id", "capacity"
    ):
        out[inst_id] = (out[inst_id][0] + (capacity or 0), out[inst_id][1])
    for pk, inst_id in current_children(provider_id__in=ids).values_list("pk", "provider_id"):
        out[inst_id][1].add(pk)
    return out


@transaction.atomic
def child_enrol(
    *,
    actor: Any,
    child: Child,
    provider: Provider | None,
    childcare_class: ChildcareClass | None = None,
    on: dt.date | None = None,
) -> Child:
    """Enrol ``child`` with a childcare provider (and a class of it), or end the enrolment
    (``provider=None``). A class takes a child while it holds fewer children than its capacity
    and when the child's age on ``on`` lies in the class type's band (rule
    ``child.enrolment_age_bands``)."""
    require_children_sector(actor)
    require_region(actor, child.region_code)
    on = on or clock.today()
    if provider is None:
        if child.provider_id is None and child.childcare_class_id is None:
            return child
        changes: dict[str, list[Any]] = {
            "provider": [child.provider_id, None],
            "childcare_class": [child.childcare_class_id, None],
        }
        child.provider = None
        child.childcare_class = None
        child.save(update_fields=["provider", "childcare_class", "updated_at"])
        log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=child, changes=changes)
        return child
    if child.died_on:
        raise ValidationError({"child": _("The child has died.")})
    if provider.kind not in CHILDCARE_KINDS:
        raise ValidationError({"provider": _("This provider is not a childcare provider.")})
    if childcare_class is not None:
        if childcare_class.provider_id != provider.pk:
            raise ValidationError({"childcare_class": _("This class belongs to another provider.")})
        locked = ChildcareClass.objects.select_for_update().get(pk=childcare_class.pk)
        enrolled = current_children(childcare_class=locked).exclude(pk=child.pk).count()
        if enrolled >= locked.capacity:
            raise ValidationError(
                {"childcare_class": fmt(_("The class is full (%(n)d children)."), n=locked.capacity)}
            )
        low, high = child_rules().age_bands(on)[locked.class_type]
        months = s.age_in_months(child.birth_date, on)
        if not low <= months < high:
            raise ValidationError(
                {
                    "childcare_class": fmt(
                        _(
                            "The child is %(age)d months old; this class takes children of %(low)d to %(high)d months."
                        ),
                        age=months,
                        low=low,
                        high=high,
                    )
                }
            )
    changes = {}
    if child.provider_id != provider.pk:
        changes["provider"] = [child.provider_id, provider.pk]
    new_class = childcare_class.pk if childcare_class else None
    if child.childcare_class_id != new_class:
        changes["childcare_class"] = [child.childcare_class_id, new_class]
    if not changes:
        return child
    child.provider = provider
    child.childcare_class = childcare_class
    child.save(update_fields=["provider", "childcare_class", "updated_at"])
    log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=child, changes=changes)
    return child
