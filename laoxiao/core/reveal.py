"""Revealing personal data: permission, scope, and a change-log row for every full view.

Models declare their protected fields: ``PROTECTED_FIELDS = {"id_number": "id", "phone": "phone"}``.
Pages and the API show them masked; ``reveal_field`` returns the full value to an actor with
``accounts.reveal_personal_data`` whose regions cover the record, and logs who saw what, when.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _

from laoxiao.accounts.roles import REVEAL
from laoxiao.core.changelog import log_change
from laoxiao.core.errors import NotFound
from laoxiao.core.masking import mask_id_number, mask_phone
from laoxiao.core.models import ChangeLog
from laoxiao.regions.scoping import code_within


def masked(obj: models.Model, field: str) -> str:
    kind = getattr(obj, "PROTECTED_FIELDS", {}).get(field)
    value = getattr(obj, field, "") or ""
    if kind is None:
        return str(value)
    return mask_phone(value) if kind == "phone" else mask_id_number(value)


def protected_model(target_type: str) -> type[models.Model]:
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError):
        raise NotFound(target_type) from None
    if not getattr(model, "PROTECTED_FIELDS", None):
        raise NotFound(target_type)
    return model


@transaction.atomic
def reveal_field(*, actor: Any, target_type: str, target_id: str, field: str) -> str:
    model = protected_model(target_type)
    if field not in model.PROTECTED_FIELDS:  # type: ignore[attr-defined]
        raise NotFound(field)
    obj = model._default_manager.filter(pk=target_id).first()
    if obj is None or not code_within(getattr(obj, "region_code", ""), actor.region_prefixes()):
        raise NotFound(target_id)
    if not actor.has_perm(REVEAL):
        raise PermissionDenied(_("You may not see full personal data."))
    log_change(actor=actor, action=ChangeLog.Action.REVEAL, target=obj, changes={}, note=field)
    return str(getattr(obj, field))
