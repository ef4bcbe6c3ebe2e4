"""Yearly health management checks of people aged 65 and over: one per person and day.

Elder-care or health staff record them. Checks: scope (``NotFound``), the sector
(``PermissionDenied``), then the date and the age (``ValidationError``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.access import require_sector
from laoxiao.core.bulk import Progress, WriteResult
from laoxiao.people.actions.elder_checks import (
    check_follow_up_date,
    check_health_check_age,
    elder_in_scope,
    field_error,
)
from laoxiao.people.actions.elder_followup import (
    check_dates,
    no_progress,
    refs_checked,
    save_follow_up,
    upsert_follow_up,
)
from laoxiao.people.models import Elder, HealthCheck


@transaction.atomic
def health_check_record(
    *, actor: User, elder: Elder, checked_on: dt.date, provider: str = "", complete: bool = True
) -> HealthCheck:
    """Record a yearly health management check of a person aged 65+ (elder-care or health staff)."""
    elder_in_scope(actor, elder)
    require_sector(actor, "eldercare", "health")
    check_follow_up_date(elder, checked_on, "checked_on")
    try:
        check_health_check_age(elder.birth_date, checked_on)
    except ValidationError as exc:
        raise field_error("checked_on", exc) from None
    values = {"provider": provider.strip(), "complete": bool(complete)}
    return save_follow_up(
        actor=actor, model=HealthCheck, elder=elder, day_field="checked_on", day=checked_on, values=values
    )


@transaction.atomic
def health_checks_upsert_many(
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = no_progress
) -> WriteResult:
    """Create or update yearly health checks (65+) by (elder_id, checked_on). A record: ``elder_id,
    checked_on``, optionally ``complete`` (default yes) and ``provider``."""
    recs = list(records)
    refs = refs_checked(actor, recs, "eldercare", "health")
    check_dates(recs, refs, "checked_on", clock.today())
    for rec in recs:
        try:
            check_health_check_age(refs[rec["elder_id"]].birth_date, rec["checked_on"])
        except ValidationError as exc:
            raise field_error("checked_on", exc) from None

    def values(rec: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"complete": True if rec.get("complete") is None else bool(rec["complete"])}
        if "provider" in rec:
            out["provider"] = rec.get("provider") or ""
        return out

    return upsert_follow_up(
        actor=actor,
        model=HealthCheck,
        records=recs,
        refs=refs,
        key_fields=("checked_on",),
        values_of=values,
        progress=progress,
    )
