"""Writes of supervision records. Each is one transaction: check scope and sector, write, log.

The order of checks (``core.access.require_can_supervise``): an inactive actor is refused; the
provider's ``region_code`` must lie within the actor's regions and the actor work in the
provider's sector (civil affairs for elder-care providers, health for childcare), else the
provider is ``NotFound`` (we never confirm what exists elsewhere); a provider operator acting on
their own provider where only staff may act gets ``PermissionDenied`` (operators may report their
own incidents: ``allow_operator``). Then the content (``ValidationError``), the write, the log.
``actor=None`` is the system (the ``laoxiao credit compute`` command).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laoxiao.accounts.models import User
from laoxiao.core import access, clock
from laoxiao.core.access import require_can_supervise
from laoxiao.core.changelog import build_entry, diff_fields, log_change, log_many, snapshot
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import rule, rule_version
from laoxiao.providers.models import Provider, sector_kinds
from laoxiao.supervision import credit
from laoxiao.supervision.models import (
    Alert,
    Complaint,
    ComplaintStep,
    CreditRating,
    DemonstrationDecision,
    GradeRating,
    Incident,
    Inspection,
    InspectionItem,
    RectificationOrder,
    RiskSignal,
)


def _err(field: str, message: Any) -> ValidationError:
    return ValidationError({field: [str(message)]})


def _choice(field: str, value: str, choices: Iterable[tuple[str, Any]]) -> None:
    if value not in {c for c, _label in choices}:
        raise _err(field, _("Not a valid choice: %(v)s") % {"v": value})


def _not_future(field: str, day: dt.date) -> None:
    if day > clock.today():
        raise _err(field, _("The date lies in the future."))


def add_working_days(start: dt.date, days: int) -> dt.date:
    """``days`` working days (Monday–Friday) after ``start``; public holidays are not modelled."""
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def county_code(region_code: str) -> str:
    """The 12-digit code of the county (district) a code lies in: where its office sits."""
    return region_code[:6] + "000000"


# --- checklists and inspections ----------------------------------------------------------------


def checklist_for(provider: Provider, *, on: dt.date | None = None) -> list[dict[str, str]]:
    """The checklist items for a provider (by kind, else by sector) in force on ``on``."""
    data: Mapping[str, Any] = rule("supervision.inspection_checklist", on=on)
    items = data.get(provider.kind) or data.get(provider.sector) or []
    return [{"code": str(i["code"]), "text": str(i["text"])} for i in items]


@transaction.atomic
def inspection_record(
    *,
    actor: User,
    provider: Provider,
    date: dt.date,
    kind: str,
    inspectors: str,
    result: str,
    summary: str = "",
    items: Iterable[Mapping[str, Any]] = (),
    orders: Iterable[Mapping[str, Any]] = (),
) -> Inspection:
    """Record an inspection with its checklist findings and any rectification orders.

    ``items``: ``{"code", "finding", "note"?, "text"?}`` (text defaults to the checklist's);
    ``orders``: ``{"requirement", "deadline", "item_code"?}``.
    """
    require_can_supervise(actor, provider)
    _choice("kind", kind, Inspection.Kind.choices)
    _choice("result", result, Inspection.Result.choices)
    _not_future("date", date)
    if not inspectors.strip():
        raise _err("inspectors", _("Name at least one inspector."))
    checklist_version = rule_version("supervision.inspection_checklist", on=date)
    known = {i["code"]: i["text"] for i in checklist_for(provider, on=date)}
    item_rows: list[InspectionItem] = []
    seen: set[str] = set()
    for n, raw in enumerate(items):
        code = str(raw.get("code", "")).strip()
        finding = str(raw.get("finding", ""))
        text = str(raw.get("text") or known.get(code, "")).strip()
        if not code or code in seen:
            raise _err(f"items.{n}.code", _("Each item needs a code of its own."))
        if not text:
            raise _err(f"items.{n}.text", _("An item not on the checklist needs its text."))
        _choice(f"items.{n}.finding", finding, InspectionItem.Finding.choices)
        seen.add(code)
        item_rows.append(
            InspectionItem(code=code, text=text[:300], finding=finding, note=str(raw.get("note", ""))[:500])
        )
    order_specs = list(orders)
    for n, o in enumerate(order_specs):
        if not str(o.get("requirement", "")).strip():
            raise _err(f"orders.{n}.requirement", _("Say what must be put right."))
        deadline = o.get("deadline")
        if not isinstance(deadline, dt.date) or deadline < date:
            raise _err(f"orders.{n}.deadline", _("The deadline must be on or after the inspection date."))
        if o.get("item_code") and o["item_code"] not in seen:
            raise _err(f"orders.{n}.item_code", _("No such item in this inspection."))
    if result == Inspection.Result.RECTIFY and not order_specs:
        raise _err("orders", _("An inspection requiring rectification needs at least one order."))

    inspection = Inspection.objects.create(
        provider=provider,
        region_code=provider.region_code,
        date=date,
        kind=kind,
        inspectors=inspectors.strip()[:300],
        result=result,
        summary=summary,
        checklist_from=checklist_version.effective_from,
    )
    for row in item_rows:
        row.inspection = inspection
    InspectionItem.objects.bulk_create(item_rows)
    by_code = {i.code: i for i in inspection.items.all()}
    RectificationOrder.objects.bulk_create(
        [
            RectificationOrder(
                inspection=inspection,
                item=by_code.get(str(o.get("item_code") or "")),
                requirement=str(o["requirement"]).strip(),
                deadline=o["deadline"],
            )
            for o in order_specs
        ]
    )
    changes = snapshot(inspection, ["provider_id", "date", "kind", "inspectors", "result"])
    changes["items"] = [None, len(item_rows)]
    changes["orders"] = [None, len(order_specs)]
    log_change(actor=actor, action=ChangeLog.Action.CREATE, target=inspection, changes=changes)
    return inspection


@transaction.atomic
def rectification_follow_up(
    *, actor: User, order: RectificationOrder, on: dt.date, done: bool, note: str = ""
) -> RectificationOrder:
    """Record a follow-up of a rectification order: put right (done) or still open."""
    require_can_supervise(actor, order.inspection.provider)
    _not_future("on", on)
    if on < order.inspection.date:
        raise _err("on", _("The follow-up cannot precede the inspection."))
    new_status = RectificationOrder.Status.DONE if done else RectificationOrder.Status.OPEN
    changes = diff_fields(order, {"status": new_status, "followed_up_on": on, "follow_up_note": note})
    order.status = new_status
    order.followed_up_on = on
    order.follow_up_note = note
    order.save(update_fields=["status", "followed_up_on", "follow_up_note"])
    log_change(actor=actor, action=ChangeLog.Action.STATUS, target=order, changes=changes)
    return order


# --- complaints --------------------------------------------------------------------------------


def complaint_deadline(received_on: dt.date) -> dt.date:
    data = rule("supervision.complaint_deadline_days", on=received_on)
    if "working_days" in data:
        return add_working_days(received_on, int(data["working_days"]))
    return received_on + dt.timedelta(days=int(data["days"]))


@transaction.atomic
def complaint_receive(
    *,
    actor: User,
    provider: Provider,
    received_on: dt.date,
    source: str,
    category: str,
    description: str,
) -> Complaint:
    """Register a complaint; its deadline follows from ``supervision.complaint_deadline_days``."""
    require_can_supervise(actor, provider)
    _choice("source", source, Complaint.Source.choices)
    _choice("category", category, Complaint.Category.choices)
    _not_future("received_on", received_on)
    if not description.strip():
        raise _err("description", _("Describe the complaint."))
    # Identical complaints from the same user within the rule's window are one complaint submitted
    # twice: lock the provider so parallel identical requests are checked one after the other.
    Provider.objects.select_for_update().filter(pk=provider.pk).first()
    window = dt.timedelta(minutes=int(rule("supervision.complaint_duplicate_window")["minutes"]))
    if Complaint.objects.filter(
        provider=provider,
        received_on=received_on,
        source=source,
        category=category,
        description=description.strip(),
        steps__action=ComplaintStep.Action.RECEIVED,
        steps__actor_name=actor.username,
        steps__at__gte=timezone.now() - window,
    ).exists():
        raise _err("description", _("This complaint was just registered; it is not registered twice."))
    complaint = Complaint.objects.create(
        provider=provider,
        region_code=provider.region_code,
        received_on=received_on,
        source=source,
        category=category,
        description=description.strip(),
        deadline=complaint_deadline(received_on),
    )
    ComplaintStep.objects.create(
        complaint=complaint,
        at=timezone.now(),
        actor_name=actor.username,
        action=ComplaintStep.Action.RECEIVED,
        note=complaint.get_source_display(),
    )
    log_change(
        actor=actor,
        action=ChangeLog.Action.CREATE,
        target=complaint,
        changes=snapshot(complaint, ["provider_id", "received_on", "source", "category", "deadline"]),
    )
    return complaint


_STEP_STATUS = {
    ComplaintStep.Action.ASSIGNED: Complaint.Status.IN_PROGRESS,
    ComplaintStep.Action.INVESTIGATED: Complaint.Status.IN_PROGRESS,
    ComplaintStep.Action.REPLIED: Complaint.Status.IN_PROGRESS,
    ComplaintStep.Action.RESOLVED: Complaint.Status.RESOLVED,
    ComplaintStep.Action.CLOSED: Complaint.Status.CLOSED,
    ComplaintStep.Action.REOPENED: Complaint.Status.IN_PROGRESS,
}


@transaction.atomic
def complaint_step_add(
    *,
    actor: User,
    complaint: Complaint,
    action: str,
    note: str = "",
    outcome: str | None = None,
    substantiated: bool | None = None,
) -> ComplaintStep:
    """Add a handling step; steps move the status (assigned/investigated/replied → in progress,
    resolved → resolved with outcome and finding, closed → closed, reopened → in progress)."""
    require_can_supervise(actor, complaint.provider)
    _choice("action", action, ComplaintStep.Action.choices)
    if action == ComplaintStep.Action.RECEIVED:
        raise _err("action", _("A complaint is received only once."))
    closed = complaint.status in (Complaint.Status.RESOLVED, Complaint.Status.CLOSED)
    if closed and action not in (
        ComplaintStep.Action.CLOSED,
        ComplaintStep.Action.REOPENED,
        ComplaintStep.Action.NOTE,
    ):
        raise _err("action", _("Reopen the complaint first."))
    if action == ComplaintStep.Action.CLOSED and complaint.status != Complaint.Status.RESOLVED:
        raise _err("action", _("Resolve the complaint before closing it."))
    if action == ComplaintStep.Action.REOPENED and not closed:
        raise _err("action", _("The complaint is still open."))
    data: dict[str, Any] = {}
    if action in _STEP_STATUS:
        data["status"] = _STEP_STATUS[ComplaintStep.Action(action)]
    if action == ComplaintStep.Action.RESOLVED:
        if not (outcome or "").strip():
            raise _err("outcome", _("Say how the complaint was resolved."))
        if substantiated is None:
            raise _err("substantiated", _("Say whether the complaint was substantiated."))
        data.update(outcome=outcome.strip() if outcome else "", substantiated=substantiated)
        data["resolved_on"] = clock.today()
    if action == ComplaintStep.Action.REOPENED:
        data["resolved_on"] = None
    step = ComplaintStep.objects.create(
        complaint=complaint, at=timezone.now(), actor_name=actor.username, action=action, note=note
    )
    changes = diff_fields(complaint, data)
    if changes:
        for f, (_old, new) in changes.items():
            setattr(complaint, f, new)
        complaint.save(update_fields=list(changes))
    changes["step"] = [None, action]
    log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=complaint, changes=changes, note=note)
    return step


# --- incidents ---------------------------------------------------------------------------------


def report_limit_hours(severity: str, *, on: dt.date) -> int:
    data: Mapping[str, Any] = rule("supervision.incident_report_hours", on=on)
    return int(data[severity])


@transaction.atomic
def incident_report(
    *,
    actor: User,
    provider: Provider,
    occurred_at: dt.datetime,
    kind: str,
    severity: str,
    description: str,
    reported_at: dt.datetime | None = None,
) -> Incident:
    """Report an incident (the provider's operator may report its own). A report later than the
    rule's hours for the severity is flagged ``reported_late``."""
    require_can_supervise(actor, provider, allow_operator=True)
    _choice("kind", kind, Incident.Kind.choices)
    _choice("severity", severity, Incident.Severity.choices)
    now = timezone.now()
    reported_at = reported_at or now
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if timezone.is_naive(reported_at):
        reported_at = timezone.make_aware(reported_at)
    if occurred_at > now:
        raise _err("occurred_at", _("The time lies in the future."))
    if reported_at < occurred_at:
        raise _err("reported_at", _("An incident cannot be reported before it occurred."))
    if not description.strip():
        raise _err("description", _("Describe what happened."))
    limit = report_limit_hours(severity, on=timezone.localtime(occurred_at).date())
    incident = Incident.objects.create(
        provider=provider,
        region_code=provider.region_code,
        occurred_at=occurred_at,
        kind=kind,
        severity=severity,
        description=description.strip(),
        reported_at=reported_at,
        report_limit_hours=limit,
        reported_late=reported_at - occurred_at > dt.timedelta(hours=limit),
    )
    log_change(
        actor=actor,
        action=ChangeLog.Action.CREATE,
        target=incident,
        changes=snapshot(incident, ["provider_id", "occurred_at", "kind", "severity", "reported_late"]),
    )
    return incident


@transaction.atomic
def incident_close(*, actor: User, incident: Incident, handling: str, closed_on: dt.date) -> Incident:
    require_can_supervise(actor, incident.provider)
    _not_future("closed_on", closed_on)
    if closed_on < timezone.localtime(incident.occurred_at).date():
        raise _err("closed_on", _("An incident cannot be closed before it occurred."))
    if not handling.strip():
        raise _err("handling", _("Say how the incident was handled."))
    changes = diff_fields(incident, {"handling": handling.strip(), "closed_on": closed_on})
    for f, (_old, new) in changes.items():
        setattr(incident, f, new)
    incident.save(update_fields=list(changes) or None)
    log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=incident, changes=changes)
    return incident


# --- risk signals and alerts -------------------------------------------------------------------


@transaction.atomic
def risk_signal_record(
    *,
    actor: User,
    provider: Provider,
    kind: str,
    detected_on: dt.date,
    description: str,
    amount: Decimal | None = None,
) -> RiskSignal:
    """Record a sign of illegal fund-raising and alert the provider's county office."""
    require_can_supervise(actor, provider)
    _choice("kind", kind, RiskSignal.Kind.choices)
    _not_future("detected_on", detected_on)
    if amount is not None and amount < 0:
        raise _err("amount", _("The amount cannot be negative."))
    if not description.strip():
        raise _err("description", _("Describe what was found."))
    signal = RiskSignal.objects.create(
        provider=provider,
        region_code=provider.region_code,
        kind=kind,
        detected_on=detected_on,
        amount=amount,
        description=description.strip(),
    )
    log_change(
        actor=actor,
        action=ChangeLog.Action.CREATE,
        target=signal,
        changes=snapshot(signal, ["provider_id", "kind", "detected_on", "amount"]),
    )
    alert = Alert.objects.create(
        provider=provider,
        region_code=county_code(provider.region_code),
        kind=Alert.Kind.RISK_SIGNAL,
        risk_signal=signal,
        message=(
            _("Illegal fund-raising risk at %(name)s: %(kind)s (detected %(date)s)")
            % {"name": provider.name, "kind": signal.get_kind_display(), "date": detected_on.isoformat()}
        )[:500],
    )
    log_change(
        actor=actor,
        action=ChangeLog.Action.CREATE,
        target=alert,
        changes=snapshot(alert, ["region_code", "kind", "risk_signal_id"]),
    )
    return signal


@transaction.atomic
def risk_signal_set_status(*, actor: User, signal: RiskSignal, status: str, note: str = "") -> RiskSignal:
    require_can_supervise(actor, signal.provider)
    _choice("status", status, RiskSignal.Status.choices)
    changes = diff_fields(signal, {"status": status, "status_note": note})
    if not changes:
        return signal
    for f, (_old, new) in changes.items():
        setattr(signal, f, new)
    signal.save(update_fields=list(changes))
    log_change(actor=actor, action=ChangeLog.Action.STATUS, target=signal, changes=changes)
    return signal


@transaction.atomic
def alert_acknowledge(*, actor: User, alert: Alert) -> Alert:
    """Acknowledge an alert of the actor's county (idempotent)."""
    if not access.in_region(actor, alert.region_code) or not access.has_sector(actor, alert.provider.sector):
        raise NotFound(str(alert.pk))
    if alert.acknowledged_at is not None:
        return alert
    alert.acknowledged_by = actor
    alert.acknowledged_at = timezone.now()
    alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    log_change(
        actor=actor,
        action=ChangeLog.Action.STATUS,
        target=alert,
        changes={"acknowledged_at": [None, alert.acknowledged_at]},
    )
    return alert


# --- credit rating -----------------------------------------------------------------------------

_RATING_FIELDS = ("score", "level", "tier", "inspections_per_year", "parts", "rule_version")


def _store_rating(provider: Provider, on: dt.date) -> tuple[CreditRating, bool, dict[str, list[Any]]]:
    result = credit.compute(provider, on)
    values = {
        "region_code": provider.region_code,
        "score": result.score,
        "level": result.level,
        "tier": result.tier,
        "inspections_per_year": result.inspections_per_year,
        "parts": result.parts,
        "rule_version": result.rule_version,
    }
    rating = CreditRating.objects.filter(provider=provider, computed_on=on).first()
    if rating is None:
        rating = CreditRating.objects.create(provider=provider, computed_on=on, **values)
        return rating, True, snapshot(rating, ["score", "level", "tier", "inspections_per_year"])
    changes = diff_fields(rating, values)
    for f, (_old, new) in changes.items():
        setattr(rating, f, new)
    if changes:
        rating.save(update_fields=list(changes))
    changes.pop("parts", None)
    return rating, False, changes


@transaction.atomic
def credit_compute(*, actor: User | None, provider: Provider, on: dt.date) -> CreditRating:
    """Compute and store the provider's credit rating on ``on`` (recomputing the same day replaces it)."""
    if actor is not None:
        require_can_supervise(actor, provider)
    rating, created, changes = _store_rating(provider, on)
    if created or changes:
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE if created else ChangeLog.Action.UPDATE,
            target=rating,
            changes=changes,
        )
    return rating


def _noop(n: int) -> None:
    return None


RATED_STATUSES = (
    Provider.FilingStatus.SUBMITTED,
    Provider.FilingStatus.ACCEPTED,
    Provider.FilingStatus.FILED,
    Provider.FilingStatus.RETURNED,
    Provider.FilingStatus.SUSPENDED,
)


@transaction.atomic
def credit_compute_all(*, actor: User | None, on: dt.date, progress: Callable[[int], None] = _noop) -> int:
    """Rate every provider the actor supervises (every provider for the system) that is filed or in
    filing (not draft, withdrawn or closed). Returns how many were rated."""
    qs = Provider.objects.filter(filing_status__in=RATED_STATUSES)
    if actor is not None:
        kinds = sector_kinds(actor)
        qs = qs.visible_to(actor)
        if kinds is not None:  # a provider operator sees their own provider but does not rate it
            qs = qs.filter(kind__in=kinds)
    entries: list[ChangeLog] = []
    n = 0
    for provider in qs.order_by("pk").iterator(chunk_size=500):
        rating, created, changes = _store_rating(provider, on)
        if created or changes:
            entries.append(
                build_entry(
                    actor=actor,
                    action=ChangeLog.Action.CREATE if created else ChangeLog.Action.UPDATE,
                    target=rating,
                    changes=changes,
                )
            )
        n += 1
        progress(n)
    log_many(entries)
    return n


# --- grades and demonstration ------------------------------------------------------------------


@transaction.atomic
def grade_record(
    *,
    actor: User,
    provider: Provider,
    grade: int,
    rated_on: dt.date,
    body: str,
    valid_until: dt.date | None = None,
    note: str = "",
) -> GradeRating:
    """Record a grade decision (GB/T 37276, grades 1–5) for an elder-care home."""
    require_can_supervise(actor, provider)
    if provider.kind != Provider.Kind.ELDERCARE_HOME:
        raise _err("provider", _("Grades are given to elder-care homes only."))
    if not 1 <= grade <= 5:
        raise _err("grade", _("A grade runs from 1 to 5."))
    _not_future("rated_on", rated_on)
    if valid_until is not None and valid_until <= rated_on:
        raise _err("valid_until", _("The validity must end after the rating date."))
    if not body.strip():
        raise _err("body", _("Name the rating body."))
    rating = GradeRating.objects.create(
        provider=provider,
        region_code=provider.region_code,
        grade=grade,
        rated_on=rated_on,
        body=body.strip(),
        valid_until=valid_until,
        note=note,
    )
    log_change(
        actor=actor,
        action=ChangeLog.Action.CREATE,
        target=rating,
        changes=snapshot(rating, ["provider_id", "grade", "rated_on", "body", "valid_until"]),
    )
    return rating


@transaction.atomic
def grade_revoke(*, actor: User, rating: GradeRating, on: dt.date, note: str = "") -> GradeRating:
    require_can_supervise(actor, rating.provider)
    if rating.revoked:
        return rating
    if on < rating.rated_on:
        raise _err("on", _("A grade cannot be revoked before it was given."))
    changes = diff_fields(rating, {"revoked": True, "revoked_on": on})
    rating.revoked = True
    rating.revoked_on = on
    if note:
        rating.note = (rating.note + "\n" + note).strip()
    rating.save(update_fields=["revoked", "revoked_on", "note"])
    log_change(actor=actor, action=ChangeLog.Action.STATUS, target=rating, changes=changes, note=note)
    return rating


@transaction.atomic
def demonstration_decide(
    *,
    actor: User,
    provider: Provider,
    granted: bool,
    decided_on: dt.date,
    body: str,
    note: str = "",
) -> DemonstrationDecision:
    """Record a decision granting or withdrawing demonstration status; the latest decision sets
    ``Provider.is_demonstration`` (logged on the provider too)."""
    require_can_supervise(actor, provider)
    _not_future("decided_on", decided_on)
    if not body.strip():
        raise _err("body", _("Name the deciding body."))
    decision = DemonstrationDecision.objects.create(
        provider=provider,
        region_code=provider.region_code,
        granted=granted,
        decided_on=decided_on,
        body=body.strip(),
        note=note,
    )
    log_change(
        actor=actor,
        action=ChangeLog.Action.CREATE,
        target=decision,
        changes=snapshot(decision, ["provider_id", "granted", "decided_on", "body"]),
    )
    latest = DemonstrationDecision.objects.filter(provider=provider).order_by("-decided_on", "-id").first()
    assert latest is not None
    if provider.is_demonstration != latest.granted:
        changes = diff_fields(provider, {"is_demonstration": latest.granted})
        provider.is_demonstration = latest.granted
        provider.save(update_fields=["is_demonstration", "updated_at"])
        log_change(
            actor=actor,
            action=ChangeLog.Action.UPDATE,
            target=provider,
            changes=changes,
            note=_("demonstration decision of %(date)s") % {"date": decided_on.isoformat()},
        )
    return decision
