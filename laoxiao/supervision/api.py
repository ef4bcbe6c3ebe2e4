"""The supervision API (/api/v1/supervision): lists and details scoped to the caller's regions and
sector, and POST endpoints that call the actions. (No ``from __future__ import annotations`` here:
ninja must see the real ``Query[...]`` types.)"""

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from laoxiao.api.idempotency import idempotent
from laoxiao.api.pagination import Pages
from laoxiao.supervision import actions, selectors
from laoxiao.supervision.schemas import (
    AlertOut,
    ComplaintDetailOut,
    ComplaintIn,
    ComplaintOut,
    ComplaintStepIn,
    CreditRatingDetailOut,
    CreditRatingOut,
    Filters,
    IncidentIn,
    IncidentOut,
    InspectionDetailOut,
    InspectionIn,
    InspectionOut,
    RiskSignalIn,
    RiskSignalOut,
)

router = Router(tags=["supervision"])


# --- inspections -------------------------------------------------------------------------------


@router.get("/inspections", response=list[InspectionOut], summary="Inspections (status = result)")
@paginate(Pages)
def list_inspections(request: HttpRequest, filters: Query[Filters]):
    return selectors.inspection_list(actor=request.auth, **filters.dict())


@router.get("/inspections/{pk}", response=InspectionDetailOut, summary="One inspection with items and orders")
def get_inspection(request: HttpRequest, pk: int):
    return selectors.inspection_get(actor=request.auth, pk=pk)


@router.post("/inspections", response={201: InspectionDetailOut}, summary="Record an inspection")
def create_inspection(request: HttpRequest, payload: InspectionIn):
    provider = selectors.provider_get(actor=request.auth, uscc=payload.provider)
    inspection = actions.inspection_record(
        actor=request.auth,
        provider=provider,
        date=payload.date,
        kind=payload.kind.value,
        inspectors=payload.inspectors,
        result=payload.result.value,
        summary=payload.summary,
        items=[{**i.dict(), "finding": i.finding.value} for i in payload.items],
        orders=[o.dict() for o in payload.orders],
    )
    return Status(201, selectors.inspection_get(actor=request.auth, pk=inspection.pk))


# --- complaints --------------------------------------------------------------------------------


@router.get("/complaints", response=list[ComplaintOut], summary="Complaints")
@paginate(Pages)
def list_complaints(request: HttpRequest, filters: Query[Filters]):
    return selectors.complaint_list(actor=request.auth, **filters.dict())


@router.get("/complaints/{pk}", response=ComplaintDetailOut, summary="One complaint with its steps")
def get_complaint(request: HttpRequest, pk: int):
    return selectors.complaint_get(actor=request.auth, pk=pk)


@router.post("/complaints", response={201: ComplaintDetailOut}, summary="Register a complaint")
@idempotent
def create_complaint(request: HttpRequest, payload: ComplaintIn):
    provider = selectors.provider_get(actor=request.auth, uscc=payload.provider)
    complaint = actions.complaint_receive(
        actor=request.auth,
        provider=provider,
        received_on=payload.received_on,
        source=payload.source.value,
        category=payload.category.value,
        description=payload.description,
    )
    return Status(201, selectors.complaint_get(actor=request.auth, pk=complaint.pk))


@router.post("/complaints/{pk}/steps", response={201: ComplaintDetailOut}, summary="Add a handling step")
def add_complaint_step(request: HttpRequest, pk: int, payload: ComplaintStepIn):
    complaint = selectors.complaint_get(actor=request.auth, pk=pk)
    actions.complaint_step_add(
        actor=request.auth,
        complaint=complaint,
        action=payload.action.value,
        note=payload.note,
        outcome=payload.outcome,
        substantiated=payload.substantiated,
    )
    return Status(201, selectors.complaint_get(actor=request.auth, pk=pk))


# --- incidents ---------------------------------------------------------------------------------


@router.get("/incidents", response=list[IncidentOut], summary="Incidents (status = open or closed)")
@paginate(Pages)
def list_incidents(request: HttpRequest, filters: Query[Filters]):
    return selectors.incident_list(actor=request.auth, **filters.dict())


@router.get("/incidents/{pk}", response=IncidentOut, summary="One incident")
def get_incident(request: HttpRequest, pk: int):
    return selectors.incident_get(actor=request.auth, pk=pk)


@router.post("/incidents", response={201: IncidentOut}, summary="Report an incident")
def create_incident(request: HttpRequest, payload: IncidentIn):
    provider = selectors.provider_get(actor=request.auth, uscc=payload.provider)
    incident = actions.incident_report(
        actor=request.auth,
        provider=provider,
        occurred_at=payload.occurred_at,
        kind=payload.kind.value,
        severity=payload.severity.value,
        description=payload.description,
        reported_at=payload.reported_at,
    )
    return Status(201, incident)


# --- risk signals and alerts -------------------------------------------------------------------


@router.get("/risk-signals", response=list[RiskSignalOut], summary="Illegal fund-raising risk signals")
@paginate(Pages)
def list_risk_signals(request: HttpRequest, filters: Query[Filters]):
    return selectors.risk_signal_list(actor=request.auth, **filters.dict())


@router.get("/risk-signals/{pk}", response=RiskSignalOut, summary="One risk signal")
def get_risk_signal(request: HttpRequest, pk: int):
    return selectors.risk_signal_get(actor=request.auth, pk=pk)


@router.post(
    "/risk-signals", response={201: RiskSignalOut}, summary="Record a risk signal (alerts the county office)"
)
def create_risk_signal(request: HttpRequest, payload: RiskSignalIn):
    provider = selectors.provider_get(actor=request.auth, uscc=payload.provider)
    signal = actions.risk_signal_record(
        actor=request.auth,
        provider=provider,
        kind=payload.kind.value,
        detected_on=payload.detected_on,
        amount=payload.amount,
        description=payload.description,
    )
    return Status(201, signal)


@router.get(
    "/alerts", response=list[AlertOut], summary="Alerts to county offices (status = open or acknowledged)"
)
@paginate(Pages)
def list_alerts(request: HttpRequest, filters: Query[Filters]):
    return selectors.alert_list(actor=request.auth, **filters.dict())


@router.get("/alerts/{pk}", response=AlertOut, summary="One alert")
def get_alert(request: HttpRequest, pk: int):
    return selectors.alert_get(actor=request.auth, pk=pk)


@router.post("/alerts/{pk}/acknowledge", response=AlertOut, summary="Acknowledge an alert")
def acknowledge_alert(request: HttpRequest, pk: int):
    alert = selectors.alert_get(actor=request.auth, pk=pk)
    return actions.alert_acknowledge(actor=request.auth, alert=alert)


# --- credit ratings ----------------------------------------------------------------------------


@router.get("/credit-ratings", response=list[CreditRatingOut], summary="Credit ratings (status = level A–D)")
@paginate(Pages)
def list_credit_ratings(request: HttpRequest, filters: Query[Filters], latest: bool = False):
    return selectors.credit_list(actor=request.auth, latest=latest, **filters.dict())


@router.get("/credit-ratings/{pk}", response=CreditRatingDetailOut, summary="One rating with its parts")
def get_credit_rating(request: HttpRequest, pk: int):
    return selectors.credit_get(actor=request.auth, pk=pk)
