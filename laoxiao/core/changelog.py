"""Writing the change log. Called by actions, inside their transaction; never by signals."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.db.models import Max

from laoxiao.accounts.roles import RECORD_SECTOR
from laoxiao.core.masking import mask_protected
from laoxiao.core.models import ChangeLog

Changes = dict[str, list[Any]]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    return value


def _masked(model: type[models.Model] | models.Model, field: str, value: Any) -> Any:
    """Personal fields are logged masked: the log must not become a copy of the secrets."""
    kinds: Mapping[str, str] = getattr(model, "PROTECTED_FIELDS", {})
    if field in kinds and value:
        return mask_protected(kinds[field], str(value))
    return _plain(value)


def diff_fields(obj: models.Model, data: Mapping[str, Any]) -> Changes:
    """``{"field": [old, new]}`` for each field whose value would change (raw values, not masked)."""
    changes: Changes = {}
    for field, new in data.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = [old, new]
    return changes


def snapshot(obj: models.Model, fields: Iterable[str]) -> Changes:
    """Changes of a creation: ``{"field": [None, value]}``."""
    return {f: [None, getattr(obj, f)] for f in fields}


def _provider_of(target: models.Model) -> Any:
    """The provider a record belongs to (itself, ``provider`` or ``staff.provider``), or None."""
    if target._meta.label_lower == "providers.provider":
        return target
    for path in ("provider", "staff__provider"):
        obj: Any = target
        try:
            for part in path.split("__"):
                if obj is None or part not in {f.name for f in obj._meta.fields}:
                    obj = None
                    break
                obj = getattr(obj, part)
        except models.ObjectDoesNotExist:
            obj = None
        if obj is not None and obj._meta.label_lower == "providers.provider":
            return obj
    return None


def record_scope(target: models.Model) -> tuple[str, int | None]:
    """``(sector, provider_id)`` of a record for the change log: who may read its rows."""
    label = target._meta.label_lower
    own = getattr(target, "record_sector", None)
    if isinstance(own, str):
        return own, None
    if label in RECORD_SECTOR:
        return RECORD_SECTOR[label], None
    provider = _provider_of(target)
    if provider is not None:
        return str(provider.sector), provider.pk
    return "", None


def build_entry(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    changes: Changes | None = None,
    region_code: str | None = None,
    note: str = "",
) -> ChangeLog:
    """An unsaved ChangeLog row (for bulk writes); ``log_change`` saves one."""
    safe = {k: [_masked(target, k, v[0]), _masked(target, k, v[1])] for k, v in (changes or {}).items()}
    sector, provider_id = record_scope(target)
    return ChangeLog(
        sector=sector,
        provider_id=provider_id,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        region_code=region_code if region_code is not None else getattr(target, "region_code", ""),
        changes=safe,
        note=note[:300],
    )


def log_change(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    changes: Changes | None = None,
    region_code: str | None = None,
    note: str = "",
) -> ChangeLog:
    entry = build_entry(
        actor=actor, action=action, target=target, changes=changes, region_code=region_code, note=note
    )
    entry.save()
    return entry


def log_many(entries: list[ChangeLog]) -> None:
    ChangeLog.objects.bulk_create(entries, batch_size=2000)


def latest_change(*labels: str) -> int:
    """The id of the latest change-log row about records of these kinds (``"people.elder"``, ...),
    0 when there is none. Every change is logged by the action that makes it, so this moves with
    every change of such a record: caches of derived results key on it. One index step per kind."""
    out = 0
    for label in labels:
        out = max(out, ChangeLog.objects.filter(target_type=label).aggregate(m=Max("id"))["m"] or 0)
    return out
