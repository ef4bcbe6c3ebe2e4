"""The people API (/api/v1/people): older people, children, their follow-up and the work lists.

Parse, call a selector or an action, return. Every read is scoped by the selectors (region and
sector): a person outside the caller's regions, or of a sector the caller does not work with,
answers 404; a write the caller's role may not make answers 403; a bad body 422 with the fields.
Personal data leaves masked (see ``schemas``).
"""

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from laoxiao.api.idempotency import idempotent
from laoxiao.api.pagination import Pages
from laoxiao.core import clock
from laoxiao.core.access import require_region
from laoxiao.core.crypto import blind_index
from laoxiao.core.paging import api_page
from laoxiao.people import actions
from laoxiao.people.models import Child, Elder
from laoxiao.people.schemas import (
    AssessmentIn,
    AssessmentOut,
    ChildCheckIn,
    ChildDetailOut,
    ChildFilters,
    ChildIn,
    ChildOut,
    ElderDetailOut,
    ElderFilters,
    ElderIn,
    ElderOut,
    HealthCheckIn,
    HealthCheckOut,
    HealthWorklistOut,
    HealthWorklistQuery,
    NewbornVisitIn,
    RecordOut,
    VaccinationIn,
    VisitWorklistOut,
    VisitWorklistQuery,
    WelfareVisitIn,
    WelfareVisitOut,
)
from laoxiao.people.selectors import children as child_sel
from laoxiao.people.selectors import elders as elder_sel

router = Router(tags=["people"])


# --- older people ---------------------------------------------------------------------------------


def _elder_detail(actor: Any, elder: Elder) -> SimpleNamespace:
    """The person with their follow-up (an object: the schema masks the personal fields)."""
    f = elder_sel.elder_followup(actor=actor, elder=elder)
    eldercare = "eldercare" in actor.sectors()
    out = {k: getattr(f.elder, k) for k in ElderOut.model_fields if k != "latest_level"}
    out.update(
        consent_data_sharing=f.elder.consent_data_sharing,
        consent_on=f.elder.consent_on,
        latest_level=f.assessments[0].level if f.assessments else None,
        latest_assessment=f.assessments[0] if f.assessments else None,
        on_visit_list=bool(f.visit_reasons) if eldercare else None,
        visit_reasons=list(f.visit_reasons),
        categories=f.categories,
        contacts=f.contacts,
        assessments=f.assessments,
        welfare_visits=f.welfare_visits,
        health_checks=f.health_checks,
    )
    return SimpleNamespace(**out)


@router.get("/elders", response=list[ElderOut], summary="Older people the caller sees")
@paginate(Pages)
def list_elders(request: HttpRequest, filters: Query[ElderFilters]):
    data = filters.dict()
    id_number = (data.pop("id_number") or "").strip()
    listed = data.pop("on_visit_list")
    today = clock.today()
    qs = elder_sel.elder_list(
        actor=request.auth,
        on_visit_list=False if listed is False else None,
        on=today,
        **data,
    )
    if listed:  # the condition on the rows themselves, not ``pk IN (the whole city's list)``
        qs = elder_sel.visit_list_queryset(qs, on=today)
    if id_number:
        qs = qs.filter(id_number_hash=blind_index(id_number))
    return qs.order_by("region_code", "pk")


@router.post("/elders", response=ElderDetailOut, summary="Create or update an older person by ID number")
def upsert_elder(request: HttpRequest, payload: ElderIn):
    data = payload.dict(exclude_unset=True)
    categories = data.pop("categories", None)
    support_mode = data.pop("support_mode", None)
    categories_from = data.pop("categories_from", None)
    elder = actions.elder_upsert(actor=request.auth, data=data)
    if categories is not None:
        actions.elder_set_categories(
            actor=request.auth,
            elder=elder,
            categories=categories,
            support_mode=support_mode,
            on=categories_from or clock.today(),
        )
    return _elder_detail(request.auth, elder_sel.elder_get(actor=request.auth, pk=elder.pk))


@router.get("/elders/{pk}", response=ElderDetailOut, summary="One older person with their follow-up")
def get_elder(request: HttpRequest, pk: int):
    return _elder_detail(request.auth, elder_sel.elder_get(actor=request.auth, pk=pk))


@router.post(
    "/elders/{pk}/assessments", response={201: AssessmentOut}, summary="Record an ability assessment"
)
def record_assessment(request: HttpRequest, pk: int, payload: AssessmentIn):
    elder = elder_sel.elder_get(actor=request.auth, pk=pk)
    row = actions.assessment_record(actor=request.auth, elder=elder, **payload.dict())
    return Status(201, row)


@router.post(
    "/elders/{pk}/welfare-visits",
    response={201: WelfareVisitOut, 200: WelfareVisitOut},
    summary="Record a welfare visit (201 when created; 200 when that day's visit of that mode existed and was updated)",
)
@idempotent
def record_welfare_visit(request: HttpRequest, pk: int, payload: WelfareVisitIn):
    elder = elder_sel.elder_get(actor=request.auth, pk=pk)
    row = actions.welfare_visit_record(actor=request.auth, elder=elder, **payload.dict())
    return Status(201 if getattr(row, "was_created", False) else 200, row)


@router.post(
    "/elders/{pk}/health-checks", response={201: HealthCheckOut}, summary="Record a yearly health check"
)
def record_health_check(request: HttpRequest, pk: int, payload: HealthCheckIn):
    elder = elder_sel.elder_get(actor=request.auth, pk=pk)
    row = actions.health_check_record(actor=request.auth, elder=elder, **payload.dict())
    return Status(201, row)


@router.get(
    "/visits/worklist", response=VisitWorklistOut, summary="A community's visit work list for a month"
)
def visit_worklist(request: HttpRequest, query: Query[VisitWorklistQuery]):
    actor = request.auth
    require_region(actor, query.region)
    today = clock.today()
    month = dt.date(int(query.month[:4]), int(query.month[5:7]), 1) if query.month else today.replace(day=1)
    rows = elder_sel.visit_worklist(actor=actor, region_code=query.region, month=month, today=today)
    page = api_page(rows, page=query.page, page_size=query.page_size)  # bounded: one page of the list
    return {
        "region": query.region,
        "month": f"{month:%Y-%m}",
        "count": len(rows),
        "visited": sum(1 for r in rows if r.visited),
        "overdue": sum(1 for r in rows if r.overdue),
        "page": page["page"],
        "page_size": page["page_size"],
        "items": [
            {
                "elder_id": r.elder.pk,
                "name": r.elder.name,
                "id_number": ElderOut.resolve_id_number(r.elder),
                "region_code": r.elder.region_code,
                "reasons": list(r.reasons),
                "last_visit_on": r.last_visit_on,
                "visited": r.visited,
                "overdue": r.overdue,
            }
            for r in elder_sel.with_id_numbers(list(page["items"]))
        ],
    }


# --- children -------------------------------------------------------------------------------------


def _followup_out(f: child_sel.ChildFollowup) -> dict[str, Any]:
    n = f.newborn
    return {
        "on": f.on,
        "edition": f.edition,
        "closed": f.closed,
        "due": f.due_count,
        "overdue": f.overdue_count,
        "newborn_visit": {
            "code": "newborn",
            "status": str(n.status),
            "due_on": n.due_on,
            "done_on": n.visited_on,
            "since": n.since,
        },
        "checks": [
            {
                "code": c.age_point,
                "status": str(c.status),
                "due_on": c.due_on,
                "done_on": c.checked_on,
                "since": c.since,
            }
            for c in f.checks
        ],
        "vaccines": [
            {
                "code": v.label,
                "status": str(v.status),
                "due_on": v.due_on,
                "done_on": v.given_on,
                "since": v.since,
            }
            for v in f.vaccines
        ],
    }


def _child_detail(actor: Any, child: Child) -> SimpleNamespace:
    out = {k: getattr(child, k) for k in ChildOut.model_fields}
    out["guardians"] = list(child.guardians.order_by("name"))
    out["followup"] = (
        _followup_out(child_sel.child_followup(actor=actor, child=child))
        if child_sel.can_see_followup(actor)
        else None
    )
    return SimpleNamespace(**out)


def _followup_child(request: HttpRequest, pk: int) -> Child:
    """The child of a follow-up write: the health sector first (403), then the scope (404)."""
    if not child_sel.can_see_followup(request.auth):
        raise PermissionDenied(_("You may not change children's records."))
    return child_sel.child_get(actor=request.auth, pk=pk)


@router.get("/children", response=list[ChildOut], summary="Children under 3 the caller sees")
@paginate(Pages)
def list_children(request: HttpRequest, filters: Query[ChildFilters]):
    return child_sel.child_list(actor=request.auth, **filters.dict())


@router.post(
    "/children", response=ChildDetailOut, summary="Create or update a child by ID or birth certificate number"
)
def upsert_child(request: HttpRequest, payload: ChildIn):
    child = actions.child_upsert(actor=request.auth, data=payload.dict(exclude_unset=True))
    return _child_detail(request.auth, child_sel.child_get(actor=request.auth, pk=child.pk))


@router.get(
    "/children/{pk}", response=ChildDetailOut, summary="One child with guardians and follow-up status"
)
def get_child(request: HttpRequest, pk: int):
    return _child_detail(request.auth, child_sel.child_get(actor=request.auth, pk=pk))


@router.post(
    "/children/{pk}/newborn-visits", response={201: RecordOut}, summary="Record a newborn home visit"
)
def record_newborn_visit(request: HttpRequest, pk: int, payload: NewbornVisitIn):
    child = _followup_child(request, pk)
    return Status(201, actions.newborn_visit_record(actor=request.auth, child=child, **payload.dict()))


@router.post("/children/{pk}/checks", response={201: RecordOut}, summary="Record a child health check")
def record_child_check(request: HttpRequest, pk: int, payload: ChildCheckIn):
    child = _followup_child(request, pk)
    return Status(201, actions.child_check_record(actor=request.auth, child=child, **payload.dict()))


@router.post("/children/{pk}/vaccinations", response={201: RecordOut}, summary="Record a vaccine dose")
def record_vaccination(request: HttpRequest, pk: int, payload: VaccinationIn):
    child = _followup_child(request, pk)
    return Status(201, actions.vaccination_record(actor=request.auth, child=child, **payload.dict()))


@router.get("/health/worklist", response=HealthWorklistOut, summary="A community's child health work list")
def health_worklist(request: HttpRequest, query: Query[HealthWorklistQuery]):
    on = query.on or clock.today()
    entries = child_sel.health_worklist(actor=request.auth, region_code=query.region, on=on)
    return {
        "region": query.region,
        "on": on,
        "count": len(entries),
        "items": [
            {
                "child_id": e.child_id,
                "name": e.name,
                "sex": e.sex,
                "birth_date": e.birth_date,
                "region_code": e.region_code,
                "overdue": e.overdue,
                "items": [
                    {
                        "kind": i.kind,
                        "code": i.code,
                        "status": str(i.status),
                        "due_on": i.due_on,
                        "since": i.since,
                    }
                    for i in e.items
                ],
            }
            for e in entries
        ],
    }


# --- hand-over requests ---------------------------------------------------------------------------

from typing import Literal  # noqa: E402

from ninja import Schema  # noqa: E402

from laoxiao.people.models import HandoverRequest  # noqa: E402


class HandoverRequestIn(Schema):
    kind: Literal["elder", "child"]
    id_number: str
    to_region_code: str
    note: str = ""


class HandoverDecisionIn(Schema):
    note: str = ""


class HandoverRequestOut(Schema):
    id: int
    kind: str
    to_region_code: str
    status: str
    note: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    # only in the incoming list: the requester never learns where the person is registered
    from_region_code: str | None = None


def _handover_out(req: HandoverRequest, *, incoming: bool) -> dict[str, Any]:
    return {
        "id": req.pk,
        "kind": req.kind,
        "to_region_code": req.to_region_code,
        "status": req.status,
        "note": req.note,
        "created_at": req.created_at,
        "decided_at": req.decided_at,
        "from_region_code": req.from_region_code if incoming else None,
    }


@router.post(
    "/handover-requests",
    response={201: HandoverRequestOut},
    summary="Ask for a person registered in a region you cannot see to be handed over to yours",
)
def request_handover(request: HttpRequest, payload: HandoverRequestIn):
    req = actions.handover_request(actor=request.auth, **payload.dict())
    return Status(201, _handover_out(req, incoming=False))


@router.get(
    "/handover-requests",
    response=list[HandoverRequestOut],
    summary="Hand-over requests: those you decide (incoming) or those you made (outgoing)",
)
def list_handover_requests(request: HttpRequest, direction: Literal["incoming", "outgoing"] = "incoming"):
    incoming = direction == "incoming"
    qs = (
        HandoverRequest.objects.incoming(request.auth)
        if incoming
        else HandoverRequest.objects.outgoing(request.auth)
    )
    return [_handover_out(r, incoming=incoming) for r in qs[:500]]


@router.post(
    "/handover-requests/{pk}/accept", response=HandoverRequestOut, summary="Accept: the person moves"
)
def accept_handover(request: HttpRequest, pk: int, payload: HandoverDecisionIn):
    req = actions.handover_decide(actor=request.auth, request_id=pk, accept=True, note=payload.note)
    return _handover_out(req, incoming=True)


@router.post("/handover-requests/{pk}/refuse", response=HandoverRequestOut, summary="Refuse the request")
def refuse_handover(request: HttpRequest, pk: int, payload: HandoverDecisionIn):
    req = actions.handover_decide(actor=request.auth, request_id=pk, accept=False, note=payload.note)
    return _handover_out(req, incoming=True)
