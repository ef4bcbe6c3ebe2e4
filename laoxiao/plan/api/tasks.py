"""/api/v1/plan: tracking the plan's tasks (milestones, progress reports with evidence, status), the
joint meetings with their agenda (JSON and .xlsx), and the major project list.

Parse, call a selector or an action, return. A task the caller may not read answers 404; a write
the caller may not make 403; bad input 422 with the fields. No ``from __future__ import
annotations`` here (ninja reads the annotations at import time).
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from laoxiao.api.pagination import Pages
from laoxiao.core import clock
from laoxiao.core.schemas import contract
from laoxiao.plan.actions import tasks as actions
from laoxiao.plan.exports.tasks import agenda_xlsx
from laoxiao.plan.models import JointMeeting, MajorProject, Plan, TaskMilestone, TaskProgressReport
from laoxiao.plan.selectors import tasks as sel
from laoxiao.plan.selectors.plans import plan_or_default

router = Router(tags=["plan"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- schemas ----------------------------------------------------------------------------------------


class MilestoneOut(Schema):
    id: int
    task: str = Field(..., alias="task_id")
    order: int
    title: str
    due_on: dt.date
    done_on: dt.date | None
    note: str


@contract(TaskMilestone)
class MilestoneIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    due_on: dt.date
    note: str = ""


@contract(TaskMilestone)
class MilestonePatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    due_on: dt.date | None = None
    done_on: dt.date | None = None
    note: str | None = None


class EvidenceOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    sha256: str
    url: str


class ReportOut(Schema):
    id: int
    task: str
    unit: str
    reported_by: str
    reported_at: dt.datetime
    as_of: dt.date
    percent: int
    text: str
    milestone_id: int | None
    evidence: list[EvidenceOut]


@contract(TaskProgressReport)
class ReportIn(Schema):
    as_of: dt.date
    percent: int = Field(..., ge=0, le=100)
    text: str = Field(..., min_length=1)
    milestone_id: int | None = None


class TaskStateOut(Schema):
    code: str
    number: int
    text: str
    lead_unit: str | None
    co_units: list[str]
    status: str
    percent: int | None
    latest_as_of: dt.date | None
    next_milestone: MilestoneOut | None
    overdue_milestone: MilestoneOut | None
    days_overdue: int


class IndicatorLinkOut(Schema):
    code: str
    name: str
    unit: str
    period: str | None
    value: float | None
    expected: float | None
    target: float
    comparator: str
    status: str | None


class TaskProgressOut(TaskStateOut):
    on: dt.date
    milestones: list[MilestoneOut]
    reports: list[ReportOut]
    indicators: list[IndicatorLinkOut]


@contract()
class ProgressQuery(Schema):
    on: dt.date | None = None
    plan: str | None = Field(None, description="a plan's code (default: this year's plan)")
    unit: str | None = None
    status: str | None = Field(None, pattern="^(not_started|in_progress|done|overdue)$")
    overdue_first: bool = False


@contract()
class OnQuery(Schema):
    on: dt.date | None = None
    plan: str | None = Field(None, description="a plan's code (default: this year's plan)")


class MeetingOut(Schema):
    id: int
    held_on: dt.date
    title: str
    note: str


@contract(JointMeeting)
class MeetingIn(Schema):
    held_on: dt.date
    title: str = Field(..., min_length=1, max_length=200)
    note: str = ""


@contract(JointMeeting)
class MeetingPatch(Schema):
    held_on: dt.date | None = None
    title: str | None = Field(None, min_length=1, max_length=200)
    note: str | None = None


class AgendaTaskOut(Schema):
    code: str
    text: str
    lead_unit: str | None
    co_units: list[str]
    milestone: str | None
    due_on: dt.date | None
    days_overdue: int
    percent: int | None
    latest_as_of: dt.date | None


class AgendaIndicatorOut(Schema):
    code: str
    name: str
    unit: str
    period: str
    value: float | None
    expected: float | None
    target: float
    comparator: str
    responsible_unit: str | None


class AgendaOut(Schema):
    meeting: MeetingOut
    period: str | None
    region_code: str
    overdue_tasks: list[AgendaTaskOut]
    indicators_behind: list[AgendaIndicatorOut]


Kind = MajorProject.Kind
PStatus = MajorProject.Status


class ProjectOut(Schema):
    id: int
    year: int
    name: str
    kind: str
    region_code: str
    investment: Decimal
    beds_added: int
    nursing_beds_added: int
    slots_added: int
    floor_area_added: Decimal
    status: str
    starts_on: dt.date | None
    completes_on: dt.date | None
    unit: str | None = Field(None, alias="unit_id")
    note: str


@contract(MajorProject)
class ProjectIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    name: str = Field(..., min_length=1, max_length=200)
    kind: Kind
    region_code: str = Field(..., pattern=r"^\d{12}$")
    investment: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    beds_added: int = Field(0, ge=0)
    nursing_beds_added: int = Field(0, ge=0)
    slots_added: int = Field(0, ge=0)
    floor_area_added: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    status: PStatus = PStatus.PLANNED
    starts_on: dt.date | None = None
    completes_on: dt.date | None = None
    unit: str | None = None
    note: str = ""


@contract(MajorProject)
class ProjectPatch(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: Kind | None = None
    region_code: str | None = Field(None, pattern=r"^\d{12}$")
    investment: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    beds_added: int | None = Field(None, ge=0)
    nursing_beds_added: int | None = Field(None, ge=0)
    slots_added: int | None = Field(None, ge=0)
    floor_area_added: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    status: PStatus | None = None
    starts_on: dt.date | None = None
    completes_on: dt.date | None = None
    unit: str | None = None
    note: str | None = None


@contract(MajorProject)
class ProjectQuery(Schema):
    year: int | None = None
    region: str | None = Field(None, pattern=r"^\d{6,12}$")


class ProjectTotalsOut(Schema):
    year: int | None
    count: int
    investment: Decimal
    beds_added: int
    nursing_beds_added: int
    slots_added: int
    floor_area_added: Decimal


# --- helpers ----------------------------------------------------------------------------------------


def _num(d: Any) -> float | None:
    return float(d) if d is not None else None


def _milestone(m: TaskMilestone | None, code: str | None = None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {
        "id": m.pk,
        "task_id": code or m.task.code,
        "order": m.order,
        "title": m.title,
        "due_on": m.due_on,
        "done_on": m.done_on,
        "note": m.note,
    }


def _state(s: sel.TaskState) -> dict[str, Any]:
    lead = s.lead_unit
    return {
        "code": s.task.code,
        "number": s.task.number,
        "text": s.task.text,
        "lead_unit": lead.code if lead else None,
        "co_units": [u.code for u in s.co_units],
        "status": s.status,
        "percent": s.percent,
        "latest_as_of": s.latest.as_of if s.latest else None,
        "next_milestone": _milestone(s.next_milestone, s.task.code),
        "overdue_milestone": _milestone(s.overdue_milestone, s.task.code),
        "days_overdue": s.days_overdue,
    }


def _report(r: TaskProgressReport) -> dict[str, Any]:
    return {
        "id": r.pk,
        "task": r.task.code,
        "unit": r.unit_id,
        "reported_by": r.reported_by.username,
        "reported_at": r.reported_at,
        "as_of": r.as_of,
        "percent": r.percent,
        "text": r.text,
        "milestone_id": r.milestone_id,
        "evidence": [
            {
                "id": e.pk,
                "name": e.name,
                "size": e.size,
                "content_type": e.content_type,
                "sha256": e.sha256,
                "url": f"/api/v1/plan/evidence/{e.pk}",
            }
            for e in r.evidence.all()
        ],
    }


def _link(row: Any, period: str | None) -> dict[str, Any]:
    if not hasattr(row, "indicator"):  # an indicator without a stored value
        return {
            "code": row.code,
            "name": row.name,
            "unit": row.unit,
            "period": None,
            "value": None,
            "expected": None,
            "target": float(row.target),
            "comparator": row.comparator,
            "status": None,
        }
    i = row.indicator
    return {
        "code": i.code,
        "name": i.name,
        "unit": i.unit,
        "period": period,
        "value": _num(row.value),
        "expected": _num(row.status.expected),
        "target": float(i.target),
        "comparator": i.comparator,
        "status": row.status.code,
    }


def _actor(request: HttpRequest) -> Any:
    """The caller (ninja sets ``request.auth``)."""
    return request.auth


def _plan(request: HttpRequest, code: str | None = None) -> Plan:
    return plan_or_default(code or request.GET.get("plan"))


def _task(request: HttpRequest, code: str) -> Any:
    return sel.task_get_for(actor=_actor(request), code=code, plan=_plan(request))


# --- tasks ------------------------------------------------------------------------------------------


@router.get(
    "/progress",
    response=list[TaskStateOut],
    summary="Every task the caller may read, with its status on a date",
)
def task_progress_list(request: HttpRequest, query: Query[ProgressQuery]):
    on = query.on or clock.today()
    states = sel.task_overview(
        actor=_actor(request),
        on=on,
        unit=query.unit,
        status=query.status,
        overdue_first=query.overdue_first,
        plan=_plan(request, query.plan),
    )
    return [_state(s) for s in states]


@router.get(
    "/tasks/{code}/progress", response=TaskProgressOut, summary="A task's milestones, reports and indicators"
)
def task_progress(request: HttpRequest, code: str, query: Query[OnQuery]):
    on = query.on or clock.today()
    detail = sel.task_detail(actor=_actor(request), code=code, on=on, plan=_plan(request, query.plan))
    out = _state(detail.state)
    out.update(
        on=on,
        milestones=[_milestone(m, detail.state.task.code) for m in detail.state.milestones],
        reports=[_report(r) for r in detail.reports],
        indicators=[_link(r, detail.period) for r in detail.indicators],
    )
    return out


@router.post("/tasks/{code}/milestones", response={201: MilestoneOut}, summary="Add a milestone to a task")
def add_milestone(request: HttpRequest, code: str, payload: MilestoneIn):
    m = actions.milestone_create(actor=_actor(request), task=_task(request, code), **payload.dict())
    return Status(201, _milestone(m))


@router.patch("/milestones/{pk}", response=MilestoneOut, summary="Change or complete a milestone (done_on)")
def change_milestone(request: HttpRequest, pk: int, payload: MilestonePatch):
    m = sel.milestone_get_for(actor=_actor(request), pk=pk)
    m = actions.milestone_update(actor=_actor(request), milestone=m, data=payload.dict(exclude_unset=True))
    return _milestone(m)


@router.post(
    "/tasks/{code}/reports",
    response={201: ReportOut},
    summary="Submit a progress report (multipart: fields and evidence files)",
)
def submit_report(
    request: HttpRequest,
    code: str,
    payload: Form[ReportIn],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    task = _task(request, code)
    milestone = None
    if payload.milestone_id is not None:
        milestone = task.milestones.filter(pk=payload.milestone_id).first()
        if milestone is None:
            raise ValidationError({"milestone_id": _("This milestone belongs to another task.")})
    report = actions.progress_report_submit(
        actor=_actor(request),
        task=task,
        as_of=payload.as_of,
        percent=payload.percent,
        text=payload.text,
        milestone=milestone,
        files=files or [],
    )
    report = (
        TaskProgressReport.objects.select_related("reported_by", "task")
        .prefetch_related("evidence")
        .get(pk=report.pk)
    )
    return Status(201, _report(report))


@router.get("/evidence/{pk}", summary="Download an evidence file", response={200: None})
def download_evidence(request: HttpRequest, pk: int):
    ev = sel.evidence_get_for(actor=_actor(request), pk=pk)
    return FileResponse(
        ev.file.open("rb"), as_attachment=True, filename=ev.name, content_type=ev.content_type or None
    )


# --- joint meetings ---------------------------------------------------------------------------------


@router.get("/meetings", response=list[MeetingOut], summary="Joint meetings, the latest first")
@paginate(Pages)
def list_meetings(request: HttpRequest):
    return sel.meeting_list(actor=_actor(request))


@router.post("/meetings", response={201: MeetingOut}, summary="Call a joint meeting (city administrators)")
def create_meeting(request: HttpRequest, payload: MeetingIn):
    return Status(201, actions.meeting_create(actor=_actor(request), **payload.dict()))


@router.get("/meetings/{pk}", response=MeetingOut, summary="One joint meeting")
def get_meeting(request: HttpRequest, pk: int):
    return sel.meeting_get(actor=_actor(request), pk=pk)


@router.patch("/meetings/{pk}", response=MeetingOut, summary="Change a joint meeting (city administrators)")
def change_meeting(request: HttpRequest, pk: int, payload: MeetingPatch):
    meeting = sel.meeting_get(actor=_actor(request), pk=pk)
    data = payload.dict(exclude_unset=True)
    if "note" in data:
        data["note"] = data["note"] or ""
    return actions.meeting_update(actor=_actor(request), meeting=meeting, data=data)


def _agenda_json(agenda: sel.Agenda) -> dict[str, Any]:
    tasks = []
    for s in agenda.overdue:
        lead = s.lead_unit
        m = s.overdue_milestone
        tasks.append(
            {
                "code": s.task.code,
                "text": s.task.text,
                "lead_unit": lead.code if lead else None,
                "co_units": [u.code for u in s.co_units],
                "milestone": m.title if m else None,
                "due_on": m.due_on if m else None,
                "days_overdue": s.days_overdue,
                "percent": s.percent,
                "latest_as_of": s.latest.as_of if s.latest else None,
            }
        )
    indicators = []
    for r in agenda.behind:
        unit = agenda.unit_of(r)
        indicators.append(
            {
                "code": r.indicator.code,
                "name": r.indicator.name,
                "unit": r.indicator.unit,
                "period": r.period,
                "value": _num(r.value),
                "expected": _num(r.status.expected),
                "target": float(r.indicator.target),
                "comparator": r.indicator.comparator,
                "responsible_unit": unit.code if unit else None,
            }
        )
    meeting = agenda.meeting
    return {
        "meeting": {
            "id": meeting.pk,
            "held_on": meeting.held_on,
            "title": meeting.title,
            "note": meeting.note,
        },
        "period": agenda.period,
        "region_code": agenda.region_code,
        "overdue_tasks": tasks,
        "indicators_behind": indicators,
    }


@router.get("/meetings/{pk}/agenda", response=AgendaOut, summary="The agenda as of the meeting date")
def meeting_agenda(request: HttpRequest, pk: int):
    return _agenda_json(sel.meeting_agenda(meeting=sel.meeting_get(actor=_actor(request), pk=pk)))


@router.get(
    "/meetings/{pk}/agenda.xlsx",
    summary="The agenda as a spreadsheet (Chinese headers)",
    response={200: None},
)
def meeting_agenda_xlsx(request: HttpRequest, pk: int):
    agenda = sel.meeting_agenda(meeting=sel.meeting_get(actor=_actor(request), pk=pk))
    response = HttpResponse(agenda_xlsx(agenda), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="joint-meeting-{agenda.meeting.held_on:%Y%m%d}.xlsx"'
    )
    return response


# --- major projects ---------------------------------------------------------------------------------


@router.get(
    "/major-projects", response=list[ProjectOut], summary="The major project list (filter by year, region)"
)
@paginate(Pages)
def list_projects(request: HttpRequest, query: Query[ProjectQuery]):
    return sel.major_project_list(actor=_actor(request), year=query.year, region=query.region)


@router.get("/major-projects/totals", response=ProjectTotalsOut, summary="Sums of the list (by year, region)")
def project_totals(request: HttpRequest, query: Query[ProjectQuery]):
    qs = sel.major_project_list(actor=_actor(request), year=query.year, region=query.region)
    return {"year": query.year, **sel.major_project_totals(qs)}


@router.get("/major-projects/{pk}", response=ProjectOut, summary="One project of the list")
def get_project(request: HttpRequest, pk: int):
    return sel.major_project_get(actor=_actor(request), pk=pk)


def _project_data(payload: Schema, *, partial: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=partial)
    for key in ("kind", "status"):
        if data.get(key) is not None:
            data[key] = str(getattr(data[key], "value", data[key]))
    if "unit" in data:
        data["unit_id"] = data.pop("unit") or None
    return data


@router.post(
    "/major-projects",
    response={201: ProjectOut},
    summary="Add a project (city admins, development and reform)",
)
def create_project(request: HttpRequest, payload: ProjectIn):
    return Status(
        201, actions.major_project_create(actor=_actor(request), data=_project_data(payload, partial=False))
    )


@router.patch("/major-projects/{pk}", response=ProjectOut, summary="Change a project")
def update_project(request: HttpRequest, pk: int, payload: ProjectPatch):
    project = sel.major_project_get(actor=_actor(request), pk=pk)
    data = _project_data(payload, partial=True)
    return actions.major_project_update(actor=_actor(request), project=project, data=data)
