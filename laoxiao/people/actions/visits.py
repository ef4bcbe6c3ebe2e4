"""Welfare visits of older people: one per person, day and mode (recording it again updates it).

Needs raised on a visit can be routed to a provider or to an office (a region code). Checks: scope
(``NotFound``), the elder-care sector (``PermissionDenied``), then the date and the mode.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.access import require_sector
from laoxiao.core.bulk import Progress, WriteResult
from laoxiao.core.changelog import log_change
from laoxiao.core.models import ChangeLog
from laoxiao.people.actions.elder_checks import check_follow_up_date, elder_in_scope
from laoxiao.people.actions.elder_followup import (
    check_dates,
    follow_up_snapshot,
    no_progress,
    refs_checked,
    upsert_follow_up,
)
from laoxiao.people.models import Elder, WelfareVisit
from laoxiao.providers.models import Provider
from laoxiao.regions.models import Region


@transaction.atomic
def welfare_visit_record(
    *,
    actor: User,
    elder: Elder,
    visited_on: dt.date,
    mode: str,
    visitor: str = "",
    findings: str = "",
    needs: str = "",
    follow_up: str = "",
    routed_to_provider: Provider | None = None,
    routed_to_region: str = "",
) -> WelfareVisit:
    """Record a welfare visit (one per person, day and mode: recording it again updates it).
    Needs raised can be routed to a provider or to an office (a region code)."""
    elder_in_scope(actor, elder)
    require_sector(actor, "eldercare")
    check_follow_up_date(elder, visited_on, "visited_on")
    errors: dict[str, Any] = {}
    if mode not in WelfareVisit.Mode.values:
        errors["mode"] = _("Unknown visit mode.")
    if routed_to_region and not Region.objects.filter(code=routed_to_region).exists():
        errors["routed_to_region"] = _("No such region is loaded.")
    if errors:
        raise ValidationError(errors)
    values: dict[str, Any] = {
        "visitor": visitor.strip(),
        "findings": findings.strip(),
        "needs": needs.strip(),
        "follow_up": follow_up.strip(),
        "routed_to_provider_id": routed_to_provider.pk if routed_to_provider else None,
        "routed_to_region": routed_to_region,
    }
    row = (
        WelfareVisit.objects.select_for_update().filter(elder=elder, visited_on=visited_on, mode=mode).first()
    )
    if row is None:
        try:
            # The (elder, day, mode) constraint decides between parallel identical requests: the
            # loser's insert waits for the winner's commit, fails, and updates the winner's row.
            with transaction.atomic():
                row = WelfareVisit.objects.create(
                    elder=elder, region_code=elder.region_code, visited_on=visited_on, mode=mode, **values
                )
        except IntegrityError:
            row = WelfareVisit.objects.select_for_update().get(elder=elder, visited_on=visited_on, mode=mode)
        else:
            log_change(
                actor=actor,
                action=ChangeLog.Action.CREATE,
                target=row,
                changes=follow_up_snapshot(values, visited_on=visited_on, mode=mode),
            )
            row.was_created = True  # type: ignore[attr-defined]  # the API answers 201 only then
            return row
    row.was_created = False
    changes = {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}
    if changes:
        for k, (_old, v) in changes.items():
            setattr(row, k, v)
        row.save(update_fields=list(changes))
        log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=row, changes=changes)
    return row


@transaction.atomic
def welfare_visits_upsert_many(
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = no_progress
) -> WriteResult:
    """Create or update welfare visits by (elder_id, visited_on, mode). A record: ``elder_id,
    visited_on, mode``, optionally ``visitor, findings, needs, follow_up``."""
    recs = list(records)
    refs = refs_checked(actor, recs, "eldercare")
    check_dates(recs, refs, "visited_on", clock.today())
    for rec in recs:
        if rec["mode"] not in WelfareVisit.Mode.values:
            raise ValidationError({"mode": _("Unknown visit mode.")})

    def values(rec: Mapping[str, Any]) -> dict[str, Any]:
        return {k: (rec.get(k) or "") for k in ("visitor", "findings", "needs", "follow_up") if k in rec}

    return upsert_follow_up(
        actor=actor,
        model=WelfareVisit,
        records=recs,
        refs=refs,
        key_fields=("visited_on", "mode"),
        values_of=values,
        progress=progress,
    )
