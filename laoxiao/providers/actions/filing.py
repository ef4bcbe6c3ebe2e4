"""The filing workflow (备案): the steps of ``TRANSITIONS``, each a ``FilingEvent`` and a
``status`` change-log row.

The order of checks in ``filing_transition``: ``require_can_act`` (the provider's operator, or an
officer of its sector in its regions: ``NotFound`` / ``PermissionDenied``); the provider row is
locked and re-read; the target status exists and the step is allowed from the current one
(``ValidationError``); a review step needs the reviewing office (``can_review``, else
``PermissionDenied``); returning needs reasons; filing needs every required document valid and,
for childcare, classes within the rules (``filing_blockers``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.access import require_can_act
from laoxiao.core.changelog import log_change
from laoxiao.core.i18n import fmt
from laoxiao.core.models import ChangeLog
from laoxiao.providers import compliance
from laoxiao.providers.actions.checks import WORKFLOW_FIELDS, Changes, can_review
from laoxiao.providers.models import CHILDCARE_KINDS, FilingEvent, Provider

SUBMIT, REVIEW = "submit", "review"
S = Provider.FilingStatus
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.SUBMITTED): SUBMIT,
    (S.RETURNED, S.SUBMITTED): SUBMIT,
    (S.DRAFT, S.WITHDRAWN): SUBMIT,
    (S.FILED, S.WITHDRAWN): SUBMIT,
    (S.SUSPENDED, S.WITHDRAWN): SUBMIT,
    (S.SUBMITTED, S.ACCEPTED): REVIEW,
    (S.SUBMITTED, S.RETURNED): REVIEW,
    (S.ACCEPTED, S.FILED): REVIEW,
    (S.ACCEPTED, S.RETURNED): REVIEW,
    (S.FILED, S.SUSPENDED): REVIEW,
    (S.SUSPENDED, S.FILED): REVIEW,
    (S.FILED, S.CLOSED): REVIEW,
    (S.SUSPENDED, S.CLOSED): REVIEW,
}


def filing_event(
    *,
    actor: User,
    provider: Provider,
    from_status: str,
    on: dt.date,
    reasons: list[str] | None = None,
    note: str = "",
) -> FilingEvent:
    return FilingEvent.objects.create(
        provider=provider,
        region_code=provider.region_code,
        at=timezone.now(),
        on_date=on,
        actor_name=actor.username or "system",
        from_status=from_status,
        to_status=provider.filing_status,
        reasons=reasons or [],
        note=note,
    )


def filing_blockers(provider: Provider, on: dt.date) -> dict[str, list[Any]]:
    """Why a provider cannot be filed on ``on``: missing or expired documents and, for childcare,
    class violations and inclusive slots above slots. Empty when it can."""
    blockers: dict[str, list[Any]] = {}
    docs = [d["message"] for d in compliance.missing_documents(provider, on)]
    if docs:
        blockers["documents"] = docs
    if provider.kind in CHILDCARE_KINDS:
        classes = list(provider.classes.all())
        problems = [v["message"] for v in compliance.provider_class_violations(provider, on, classes)]
        if problems:
            blockers["classes"] = problems
        total = compliance.slots(provider, classes)
        if not compliance.inclusive_slots_ok(provider, total):
            blockers["inclusive_slots"] = [
                fmt(_("More inclusive slots than slots (%(slots)d)."), slots=total),
            ]
    return blockers


@transaction.atomic
def filing_transition(
    *,
    actor: User,
    provider: Provider,
    to_status: str,
    reasons: list[str] | None = None,
    note: str = "",
    on: dt.date | None = None,
) -> FilingEvent:
    """Move a provider's filing one step (see ``TRANSITIONS``). Submitting and withdrawing: the
    provider's operator or an officer of its sector; the rest: the reviewing office (``can_review``).
    Returning needs reasons; filing needs every required document valid (and, for childcare, classes
    within the rules). Writes a ``FilingEvent`` and a ``status`` change-log row."""
    require_can_act(actor, provider)
    on = on or clock.today()
    Provider.objects.select_for_update().filter(pk=provider.pk).first()  # one step at a time
    provider.refresh_from_db(fields=list(WORKFLOW_FIELDS))
    old = provider.filing_status
    if to_status not in Provider.FilingStatus.values:
        raise ValidationError({"to_status": fmt(_("Unknown filing status %(status)s."), status=to_status)})
    step = TRANSITIONS.get((old, to_status))
    if step is None:
        raise ValidationError(
            {
                "to_status": fmt(
                    _("A filing cannot go from %(from)s to %(to)s."),
                    **{
                        "from": Provider.FilingStatus(old).label,
                        "to": Provider.FilingStatus(to_status).label,
                    },
                )
            }
        )
    if step == REVIEW and not can_review(actor, provider):
        raise PermissionDenied(_("Only the reviewing office of this provider may take this step."))
    clean_reasons = [r.strip() for r in (reasons or []) if r and r.strip()]
    if to_status == S.RETURNED and not clean_reasons:
        raise ValidationError({"reasons": _("Say why the filing is returned.")})
    if to_status == S.FILED and old == S.ACCEPTED:
        blockers = filing_blockers(provider, on)
        if blockers:
            raise ValidationError(blockers)
    changes: Changes = {"filing_status": [old, to_status]}
    provider.filing_status = to_status
    if to_status == S.SUBMITTED:
        changes["submitted_on"] = [provider.submitted_on, on]
        provider.submitted_on = on
        if provider.accepted_on is not None:
            changes["accepted_on"] = [provider.accepted_on, None]
            provider.accepted_on = None
    elif to_status == S.ACCEPTED:
        changes["accepted_on"] = [provider.accepted_on, on]
        provider.accepted_on = on
    elif to_status == S.FILED and old == S.ACCEPTED:
        changes["filed_on"] = [provider.filed_on, on]
        provider.filed_on = on
    changes = {k: v for k, v in changes.items() if v[0] != v[1]}
    provider.save(update_fields=[*changes, "updated_at"])
    event = filing_event(
        actor=actor, provider=provider, from_status=old, on=on, reasons=clean_reasons, note=note
    )
    log_change(
        actor=actor,
        action=ChangeLog.Action.STATUS,
        target=provider,
        changes=changes,
        note="; ".join([*clean_reasons, note] if note else clean_reasons),
    )
    return event
