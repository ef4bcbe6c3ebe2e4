"""Childcare classes: by provider and name, within ``childcare.class_types`` and, for a home
childcare point, ``childcare.home_point_limits``.

The order of checks: ``require_can_act`` (``NotFound`` / ``PermissionDenied``); a name and a known
class type; the provider is a childcare provider and the class (with the provider's other
classes) keeps the rules (``ValidationError``); then the model's checks and one change-log row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.access import require_can_act
from laoxiao.core.changelog import log_change
from laoxiao.core.i18n import fmt
from laoxiao.core.models import ChangeLog
from laoxiao.providers import compliance
from laoxiao.providers.actions.checks import CLASS_FIELDS, save_row
from laoxiao.providers.models import CHILDCARE_KINDS, ChildcareClass, Provider


def _class_errors(
    provider: Provider, cls: ChildcareClass, others: Iterable[ChildcareClass], on: dt.date
) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if provider.kind not in CHILDCARE_KINDS:
        return {"provider": _("Only a childcare provider has classes.")}
    for v in compliance.provider_class_violations(provider, on, [*others, cls]):
        if v["class"] in (cls.name, ""):
            errors.setdefault(v["field"], v["message"])
    return errors


@transaction.atomic
def class_upsert(
    *, actor: User, provider: Provider, name: str, class_type: str, capacity: int, carers: int
) -> ChildcareClass:
    """Add or change a class (by name), refusing what breaks ``childcare.class_types`` and, for a home
    childcare point, ``childcare.home_point_limits``."""
    require_can_act(actor, provider)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    if class_type not in ChildcareClass.ClassType.values:
        raise ValidationError({"class_type": fmt(_("Unknown class type %(type)s."), type=class_type)})
    existing = ChildcareClass.objects.filter(provider=provider, name=name).first()
    others = list(ChildcareClass.objects.filter(provider=provider).exclude(name=name))
    candidate = ChildcareClass(
        provider=provider, name=name, class_type=class_type, capacity=capacity, carers=carers
    )
    errors = _class_errors(provider, candidate, others, clock.today())
    if errors:
        raise ValidationError(errors)
    cls = save_row(
        existing or ChildcareClass(provider=provider, region_code=provider.region_code, name=name),
        actor=actor,
        values={"class_type": class_type, "capacity": capacity, "carers": carers},
        snapshot=("name",),
    )
    return cls


@transaction.atomic
def class_delete(*, actor: User, cls: ChildcareClass) -> None:
    provider = cls.provider
    require_can_act(actor, provider)
    log_change(
        actor=actor,
        action=ChangeLog.Action.DELETE,
        target=cls,
        changes={f: [getattr(cls, f), None] for f in ("name", *CLASS_FIELDS)},
    )
    cls.delete()
