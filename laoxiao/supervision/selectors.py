"""Reads of supervision records, shared by pages, the API and other apps.

Lists and details start from ``Model.objects.visible_to(actor)``. The functions at the end
(``latest_credit``, ``latest_grade``, ``latest_inspection``, ``supervision_summary``,
``public_supervision``, ``public_supervision_many``) take a provider the caller has already found
through its own scoped selector, and read that provider's records only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.core.rules import rule
from laoxiao.providers.models import Provider
from laoxiao.regions.scoping import prefix_q
from laoxiao.supervision import ratings
from laoxiao.supervision.credit import months_before
from laoxiao.supervision.models import (
    Alert,
    Complaint,
    CreditRating,
    DemonstrationDecision,
    GradeRating,
    Incident,
    Inspection,
    RectificationOrder,
    RiskSignal,
)


def _on(on: dt.date | None) -> dt.date:
    return on or clock.today()


def _provider_filter(qs: QuerySet[Any], provider: str | None) -> QuerySet[Any]:
    return qs.filter(provider__uscc=provider.strip().upper()) if provider else qs


def _dates(
    qs: QuerySet[Any], field: str, date_from: dt.date | None, date_to: dt.date | None
) -> QuerySet[Any]:
    if date_from:
        qs = qs.filter(**{f"{field}__gte": date_from})
    if date_to:
        qs = qs.filter(**{f"{field}__lte": date_to})
    return qs


def _region(qs: QuerySet[Any], region: str | None) -> QuerySet[Any]:
    return qs.filter(prefix_q("region_code", region.strip())) if region else qs


def _get(qs: QuerySet[Any], pk: int) -> Any:
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound(str(pk))
    return obj


# --- providers ---------------------------------------------------------------------------------


def provider_get(*, actor: User, uscc: str) -> Provider:
    """A provider the actor sees (region, sector, or their own)."""
    provider = Provider.objects.visible_to(actor).filter(uscc=uscc.strip().upper()).first()
    if provider is None:
        raise NotFound(uscc)
    return provider


def provider_choices(*, actor: User) -> QuerySet[Provider]:
    """Providers the actor supervises (for the forms' provider selects)."""
    return Provider.objects.visible_to(actor).only("pk", "uscc", "name", "kind").order_by("name")


# --- inspections -------------------------------------------------------------------------------


def inspection_list(
    *,
    actor: User,
    provider: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    region: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Inspection]:
    """``status`` filters by result (pass / rectify / fail)."""
    qs: QuerySet[Inspection] = Inspection.objects.visible_to(actor).select_related("provider")
    qs = _dates(_region(_provider_filter(qs, provider), region), "date", date_from, date_to)
    if status:
        qs = qs.filter(result=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-date", "-id")


def inspection_get(*, actor: User, pk: int) -> Inspection:
    inspection: Inspection = _get(
        Inspection.objects.visible_to(actor)
        .select_related("provider")
        .prefetch_related("items", "orders__item"),
        pk,
    )
    return inspection


def rectification_list(
    *,
    actor: User,
    provider: str | None = None,
    status: str | None = None,
    on: dt.date | None = None,
) -> QuerySet[RectificationOrder]:
    """``status``: open (including overdue), overdue (open past the deadline), done."""
    on = _on(on)
    qs: QuerySet[RectificationOrder] = RectificationOrder.objects.visible_to(actor).select_related(
        "inspection__provider", "item"
    )
    if provider:
        qs = qs.filter(inspection__provider__uscc=provider.strip().upper())
    if status == RectificationOrder.Status.OVERDUE:
        qs = qs.filter(status=RectificationOrder.Status.OPEN, deadline__lt=on)
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("deadline", "id")


def rectification_get(*, actor: User, pk: int) -> RectificationOrder:
    order: RectificationOrder = _get(
        RectificationOrder.objects.visible_to(actor).select_related("inspection__provider"), pk
    )
    return order


@dataclass
class InspectionDue:
    provider: Provider
    last_inspection: dt.date | None
    per_year: int
    due_on: dt.date
    overdue: bool


def inspections_due(
    *, actor: User, on: dt.date | None = None, region: str | None = None
) -> list[InspectionDue]:
    """Filed providers whose next inspection falls due by ``on`` + the rule's ``due_soon_days``:
    elder-care homes at least yearly (GB 38600), any rated provider as often as its credit tier asks.
    """
    on = _on(on)
    cfg = rule("supervision.inspection_due", on=on)
    minimum: dict[str, int] = {k: int(v) for k, v in cfg.get("minimum_per_year", {}).items()}
    horizon = on + dt.timedelta(days=int(cfg.get("due_soon_days", 0)))
    tier_per_year = Subquery(
        CreditRating.objects.filter(provider=OuterRef("pk"), computed_on__lte=on)
        .order_by("-computed_on", "-id")
        .values("inspections_per_year")[:1]
    )
    qs = (
        Provider.objects.visible_to(actor)
        .filter(filing_status=Provider.FilingStatus.FILED)
        .annotate(
            last_inspection=Max("inspections__date", filter=Q(inspections__date__lte=on)),
            tier_per_year=tier_per_year,
        )
        .filter(Q(kind__in=list(minimum)) | Q(tier_per_year__isnull=False))
    )
    if region:
        qs = qs.filter(prefix_q("region_code", region.strip()))
    out: list[InspectionDue] = []
    for inst in qs:
        per_year = max(minimum.get(inst.kind, 0), int(getattr(inst, "tier_per_year", None) or 0))
        if per_year <= 0:
            continue
        last: dt.date | None = getattr(inst, "last_inspection", None)
        if last is not None:
            due_on = months_before(last, -(12 // per_year)) if per_year <= 12 else last
        else:
            due_on = inst.filed_on or on
        if due_on <= horizon:
            out.append(InspectionDue(inst, last, per_year, due_on, due_on <= on))
    out.sort(key=lambda d: (d.due_on, d.provider.region_code, d.provider.name))
    return out


# --- complaints --------------------------------------------------------------------------------


def complaint_list(
    *,
    actor: User,
    provider: str | None = None,
    status: str | None = None,
    category: str | None = None,
    region: str | None = None,
    past_deadline: bool = False,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    on: dt.date | None = None,
) -> QuerySet[Complaint]:
    qs: QuerySet[Complaint] = Complaint.objects.visible_to(actor).select_related("provider")
    qs = _dates(_region(_provider_filter(qs, provider), region), "received_on", date_from, date_to)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if past_deadline:
        qs = qs.filter(status__in=Complaint.OPEN_STATUSES, deadline__lt=_on(on))
    return qs.order_by("-received_on", "-id")


def complaint_get(*, actor: User, pk: int) -> Complaint:
    complaint: Complaint = _get(
        Complaint.objects.visible_to(actor).select_related("provider").prefetch_related("steps"), pk
    )
    return complaint


# --- incidents ---------------------------------------------------------------------------------


def incident_list(
    *,
    actor: User,
    provider: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    severity: str | None = None,
    region: str | None = None,
    late: bool | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Incident]:
    """``status``: open (not closed) or closed."""
    qs: QuerySet[Incident] = Incident.objects.visible_to(actor).select_related("provider")
    qs = _region(_provider_filter(qs, provider), region)
    if date_from:
        qs = qs.filter(occurred_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(occurred_at__date__lte=date_to)
    if status == "open":
        qs = qs.filter(closed_on__isnull=True)
    elif status == "closed":
        qs = qs.filter(closed_on__isnull=False)
    if kind:
        qs = qs.filter(kind=kind)
    if severity:
        qs = qs.filter(severity=severity)
    if late is not None:
        qs = qs.filter(reported_late=late)
    return qs.order_by("-occurred_at", "-id")


def incident_get(*, actor: User, pk: int) -> Incident:
    incident: Incident = _get(Incident.objects.visible_to(actor).select_related("provider"), pk)
    return incident


# --- risk signals and alerts -------------------------------------------------------------------


def risk_signal_list(
    *,
    actor: User,
    provider: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    region: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[RiskSignal]:
    qs: QuerySet[RiskSignal] = RiskSignal.objects.visible_to(actor).select_related("provider")
    qs = _dates(_region(_provider_filter(qs, provider), region), "detected_on", date_from, date_to)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-detected_on", "-id")


def risk_signal_get(*, actor: User, pk: int) -> RiskSignal:
    signal: RiskSignal = _get(RiskSignal.objects.visible_to(actor).select_related("provider"), pk)
    return signal


def alert_list(
    *,
    actor: User,
    provider: str | None = None,
    status: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Alert]:
    """Alerts to the actor's county offices; ``status``: open or acknowledged."""
    qs: QuerySet[Alert] = Alert.objects.visible_to(actor).select_related(
        "provider", "acknowledged_by", "risk_signal"
    )
    qs = _provider_filter(qs, provider)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    if status == "open":
        qs = qs.filter(acknowledged_at__isnull=True)
    elif status == "acknowledged":
        qs = qs.filter(acknowledged_at__isnull=False)
    return qs.order_by("-created_at", "-id")


def alert_get(*, actor: User, pk: int) -> Alert:
    alert: Alert = _get(Alert.objects.visible_to(actor).select_related("provider", "acknowledged_by"), pk)
    return alert


# --- credit ratings ----------------------------------------------------------------------------


def _latest_ids(model: Any, order: Sequence[str]) -> Subquery:
    """The id of each provider's latest row of ``model`` by ``order`` (for ``id=``)."""
    return Subquery(model.objects.filter(provider=OuterRef("provider")).order_by(*order).values("id")[:1])


def credit_list(
    *,
    actor: User,
    provider: str | None = None,
    status: str | None = None,
    latest: bool = False,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[CreditRating]:
    """``status`` filters by level (A–D); ``latest`` keeps each provider's latest rating only."""
    qs: QuerySet[CreditRating] = CreditRating.objects.visible_to(actor).select_related("provider")
    qs = _dates(_provider_filter(qs, provider), "computed_on", date_from, date_to)
    if status:
        qs = qs.filter(level=status.upper())
    if latest:
        qs = qs.filter(id=_latest_ids(CreditRating, ratings.CREDIT_LATEST))
    return qs.order_by("-computed_on", "region_code", "id")


def credit_get(*, actor: User, pk: int) -> CreditRating:
    rating: CreditRating = _get(CreditRating.objects.visible_to(actor).select_related("provider"), pk)
    return rating


def credit_distribution(*, actor: User) -> dict[str, int]:
    """How many providers stand at each level by their latest rating."""
    counts = Counter(credit_list(actor=actor, latest=True).values_list("level", flat=True))
    return {level: counts.get(level, 0) for level in CreditRating.Level.values}


# --- the dashboard -----------------------------------------------------------------------------


def dashboard(*, actor: User, on: dt.date | None = None) -> dict[str, Any]:
    """What the supervising office should look at today, for the actor's regions."""
    on = _on(on)
    due = inspections_due(actor=actor, on=on)
    year_ago = months_before(on, 12)
    overdue_orders = rectification_list(actor=actor, status=RectificationOrder.Status.OVERDUE, on=on)
    late_complaints = complaint_list(actor=actor, past_deadline=True, on=on)
    late_incidents = incident_list(actor=actor, late=True, date_from=year_ago, date_to=on)
    open_alerts = alert_list(actor=actor, status="open")
    return {
        "on": on,
        "due": due,
        "due_overdue": sum(1 for d in due if d.overdue),
        "overdue_orders": overdue_orders,
        "overdue_orders_count": overdue_orders.count(),
        "late_complaints": late_complaints,
        "late_complaints_count": late_complaints.count(),
        "late_incidents": late_incidents,
        "late_incidents_count": late_incidents.count(),
        "open_alerts": open_alerts,
        "open_alerts_count": open_alerts.count(),
        "open_risk_signals_count": risk_signal_list(actor=actor, status=RiskSignal.Status.OPEN).count(),
        "credit": credit_distribution(actor=actor),
    }


def provider_records(*, actor: User, provider: Provider) -> dict[str, Any]:
    """Everything recorded about one provider that the actor may see (the provider's page)."""
    uscc = provider.uscc
    return {
        "inspections": list(inspection_list(actor=actor, provider=uscc).prefetch_related("orders")),
        "orders": list(rectification_list(actor=actor, provider=uscc)),
        "complaints": list(complaint_list(actor=actor, provider=uscc)),
        "incidents": list(incident_list(actor=actor, provider=uscc)),
        "risk_signals": list(risk_signal_list(actor=actor, provider=uscc)),
        "ratings": list(credit_list(actor=actor, provider=uscc)[:12]),
        "grades": list(GradeRating.objects.visible_to(actor).filter(provider=provider)),
        "demonstration": list(DemonstrationDecision.objects.visible_to(actor).filter(provider=provider)),
    }


def grade_get(*, actor: User, pk: int) -> GradeRating:
    grade: GradeRating = _get(GradeRating.objects.visible_to(actor).select_related("provider"), pk)
    return grade


# --- for other apps: one provider, already found through a scoped selector ---------------------


def latest_credit(provider: Provider) -> CreditRating | None:
    """The provider's most recent credit rating, or None."""
    return CreditRating.objects.filter(provider=provider).order_by(*ratings.CREDIT_LATEST).first()


def latest_grade(provider: Provider, *, on: dt.date | None = None) -> GradeRating | None:
    """The grade in force on ``on`` (today): the latest not revoked and not expired, or None."""
    on = _on(on)
    return (
        GradeRating.objects.filter(ratings.grade_in_force(on), provider=provider)
        .order_by(*ratings.GRADE_LATEST)
        .first()
    )


def latest_inspection(provider: Provider) -> Inspection | None:
    """The provider's most recent inspection, or None."""
    return Inspection.objects.filter(provider=provider).order_by("-date", "-id").first()


def supervision_summary(provider: Provider, *, on: dt.date | None = None) -> dict[str, Any]:
    """Counts and latest records for the provider's staff page. Includes ``open_risk_signals``,
    which is for supervising staff only: do not show it to the provider's operators."""
    on = _on(on)
    year_ago = months_before(on, 12)
    rating = latest_credit(provider)
    grade = latest_grade(provider, on=on)
    inspection = latest_inspection(provider)
    orders = RectificationOrder.objects.filter(
        inspection__provider=provider, status=RectificationOrder.Status.OPEN
    )
    complaints = Complaint.objects.filter(provider=provider, status__in=Complaint.OPEN_STATUSES)
    incidents = Incident.objects.filter(provider=provider, occurred_at__date__gt=year_ago)
    return {
        "credit_level": rating.level if rating else None,
        "credit_score": rating.score if rating else None,
        "credit_computed_on": rating.computed_on if rating else None,
        "tier": rating.tier if rating else None,
        "inspections_per_year": rating.inspections_per_year if rating else None,
        "grade": grade.grade if grade else None,
        "grade_rated_on": grade.rated_on if grade else None,
        "is_demonstration": provider.is_demonstration,
        "latest_inspection_date": inspection.date if inspection else None,
        "latest_inspection_result": inspection.result if inspection else None,
        "open_rectifications": orders.count(),
        "overdue_rectifications": orders.filter(deadline__lt=on).count(),
        "open_complaints": complaints.count(),
        "complaints_past_deadline": complaints.filter(deadline__lt=on).count(),
        "incidents_last_12_months": incidents.count(),
        "late_reports_last_12_months": incidents.filter(reported_late=True).count(),
        "open_risk_signals": RiskSignal.objects.filter(
            provider=provider, status=RiskSignal.Status.OPEN
        ).count(),
    }


def _public(
    grade: GradeRating | None, rating: CreditRating | None, inspection: Inspection | None
) -> dict[str, Any]:
    return {
        "grade": grade.grade if grade else None,
        "grade_rated_on": grade.rated_on if grade else None,
        "grade_body": grade.body if grade else "",
        "credit_level": rating.level if rating else None,
        "credit_computed_on": rating.computed_on if rating else None,
        "latest_inspection_date": inspection.date if inspection else None,
        "latest_inspection_result": inspection.result if inspection else None,
        "latest_inspection_result_label": str(inspection.get_result_display()) if inspection else None,
    }


def public_supervision(provider: Provider) -> dict[str, Any]:
    """What the public may see (信息公示): the grade in force, the credit level, the date and result
    of the latest inspection. Nothing about complaints, incidents or risk signals."""
    return _public(latest_grade(provider), latest_credit(provider), latest_inspection(provider))


def public_supervision_many(providers: Iterable[Provider]) -> dict[int, dict[str, Any]]:
    """``public_supervision`` for many providers in three queries (for lists and the map)."""
    ids = [i.pk for i in providers]
    on = clock.today()
    grades = {
        g.provider_id: g
        for g in GradeRating.objects.filter(ratings.grade_in_force(on), provider_id__in=ids).order_by(
            "provider_id", *(f.lstrip("-") for f in ratings.GRADE_LATEST)
        )  # ascending: the last of each provider (the latest) stays in the dict
    }
    credits = {
        r.provider_id: r
        for r in CreditRating.objects.filter(
            provider_id__in=ids, id=_latest_ids(CreditRating, ratings.CREDIT_LATEST)
        )
    }
    inspections = {
        i.provider_id: i
        for i in Inspection.objects.filter(provider_id__in=ids, id=_latest_ids(Inspection, ("-date", "-id")))
    }
    return {pk: _public(grades.get(pk), credits.get(pk), inspections.get(pk)) for pk in ids}
