"""Pages of plan-task tracking (Annex 1): the task list with status, a task's detail with its
milestones, progress reports and evidence, the joint meetings with their agenda (and its export),
and the major project list. Thin: parse, call a selector or an action, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from laoxiao.accounts.models import ResponsibleUnit
from laoxiao.core import clock
from laoxiao.core.access import is_city_admin
from laoxiao.core.forms import HardenedForm, run_action
from laoxiao.core.rules import RuleMissing, rule
from laoxiao.imports.exporters import render as render_export
from laoxiao.plan import selectors
from laoxiao.plan.actions import tasks as actions
from laoxiao.plan.exports.tasks import agenda_xlsx
from laoxiao.plan.models import MajorProject, TaskMilestone
from laoxiao.plan.selectors import tasks as sel
from laoxiao.plan.views._plans import plan_context, request_plan
from laoxiao.regions.models import Region

STATUS_LABELS = sel.STATUS_LABELS
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")  # what <input type="date"> reads


def _on(request: HttpRequest) -> dt.date:
    """The as-of date of a page: ``?on=YYYY-MM-DD``, else today."""
    raw = request.GET.get("on") or ""
    try:
        return dt.date.fromisoformat(raw) if raw else clock.today()
    except ValueError:
        return clock.today()


# --- task list and detail ---------------------------------------------------------------------------


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """The tasks the user may read with status, next milestone and latest progress; filters by unit
    (lead or co-responsible) and status, overdue first on request, as of ``?on=`` (default today)."""
    actor = request.user
    if not sel.can_read_tasks(actor):
        raise Http404
    code = request.GET.get("unit") or None
    unit = None
    if code:
        unit = selectors.unit_get(code=code)
    status = request.GET.get("status") or None
    if status not in (None, *sel.STATUSES):
        status = None
    on = _on(request)
    overdue_first = request.GET.get("overdue_first") == "1"
    plan = request_plan(request, year=on.year)
    states = sel.task_overview(
        actor=actor, on=on, unit=code, status=status, overdue_first=overdue_first, plan=plan
    )
    counts = {s: 0 for s in sel.STATUSES}
    for s in sel.task_overview(actor=actor, on=on, unit=code, plan=plan):
        counts[s.status] += 1
    return render(
        request,
        "plan/task_list.html",
        {
            "states": states,
            "tasks": [s.task for s in states],
            **plan_context(request, plan),
            "unit": unit,
            "units": selectors.unit_list(plan=plan),
            "status": status,
            "statuses": [(s, STATUS_LABELS[s], counts[s]) for s in sel.STATUSES],
            "status_labels": STATUS_LABELS,
            "on": on,
            "today": clock.today(),
            "overdue_first": overdue_first,
            "reporter_unit": sel.reporter_unit_id(actor),
        },
    )


def _detail_url(request: HttpRequest, code: str) -> str:
    return reverse("task-detail", args=[code]) + f"?plan={request_plan(request).code}"


class MilestoneForm(HardenedForm):
    title = forms.CharField(label=gettext_lazy("Milestone"), max_length=200)
    due_on = forms.DateField(label=gettext_lazy("Due on"), widget=DateInput)
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MilestoneDoneForm(HardenedForm):
    done_on = forms.DateField(label=gettext_lazy("Done on"), widget=DateInput, required=False)


class ReportForm(HardenedForm):
    as_of = forms.DateField(label=gettext_lazy("As of"), widget=DateInput)
    percent = forms.IntegerField(label=gettext_lazy("Progress (%)"), min_value=0, max_value=100)
    text = forms.CharField(label=gettext_lazy("What was done"), widget=forms.Textarea(attrs={"rows": 4}))
    milestone = forms.TypedChoiceField(
        label=gettext_lazy("Milestone reached"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, milestones: list[TaskMilestone] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["milestone"].choices = [("", "—")] + [
            (m.pk, f"{m.title}（{m.due_on:%Y-%m-%d}）") for m in milestones
        ]


def _detail_context(request: HttpRequest, code: str, **extra: Any) -> dict[str, Any]:
    actor = request.user
    on = _on(request)
    plan = request_plan(request, year=on.year)
    detail = sel.task_detail(actor=actor, code=code, on=on, plan=plan)
    task = detail.state.task
    ctx: dict[str, Any] = {
        **plan_context(request, plan),
        "detail": detail,
        "state": detail.state,
        "task": task,
        "on": on,
        "today": clock.today(),
        "status_labels": STATUS_LABELS,
        "can_manage": sel.can_manage_milestones(actor, task),
        "can_report": sel.can_report(actor, task),
        "milestone_form": MilestoneForm(),
        "report_form": ReportForm(milestones=detail.state.milestones, initial={"as_of": clock.today()}),
        "evidence_rule": _evidence_rule(),
    }
    ctx.update(extra)
    return ctx


def _evidence_rule() -> dict[str, Any]:

    try:
        conf = rule("tasks.evidence")
    except RuleMissing:
        return {"types": "", "mb": 0}
    return {"types": ", ".join(sorted(conf["types"])), "mb": int(conf["max_bytes"]) // (1024 * 1024)}


@login_required
def task_detail(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "plan/tasks/task_detail.html", _detail_context(request, code))


def _milestones_response(request: HttpRequest, code: str, **extra: Any) -> HttpResponse:
    if request.htmx:
        return render(request, "plan/tasks/_milestones.html", _detail_context(request, code, **extra))
    if extra.get("milestone_form") is not None and extra["milestone_form"].errors:
        return render(
            request, "plan/tasks/task_detail.html", _detail_context(request, code, **extra), status=422
        )
    return redirect(_detail_url(request, code))


@login_required
@require_POST
def milestone_add(request: HttpRequest, code: str) -> HttpResponse:
    task = sel.task_get_for(actor=request.user, code=code, plan=request_plan(request))
    form = MilestoneForm(request.POST)
    if form.is_valid():
        done = run_action(
            form,
            lambda: actions.milestone_create(actor=request.user, task=task, **form.cleaned_data),
            denied=True,
        )
        if done is not None:
            return _milestones_response(request, task.code)
    return _milestones_response(request, task.code, milestone_form=form)


@login_required
@require_POST
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Complete (``done_on``; empty = today), reopen (``reopen=1``) or edit (title, due date, note)."""
    m = sel.milestone_get_for(actor=request.user, pk=pk)
    try:
        if request.POST.get("reopen") == "1":
            actions.milestone_update(actor=request.user, milestone=m, data={"done_on": None})
        elif "title" in request.POST:
            form = MilestoneForm(request.POST)
            if not form.is_valid():
                raise ValidationError({k: list(v) for k, v in form.errors.items()})
            actions.milestone_update(actor=request.user, milestone=m, data=form.cleaned_data)
        else:
            done = MilestoneDoneForm(request.POST)
            if not done.is_valid():
                raise ValidationError(_("Not a date."))
            actions.milestone_complete(actor=request.user, milestone=m, done_on=done.cleaned_data["done_on"])
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _milestones_response(request, m.task.code)


@login_required
@require_POST
def report_submit(request: HttpRequest, code: str) -> HttpResponse:
    task = sel.task_get_for(actor=request.user, code=code, plan=request_plan(request))
    milestones = list(task.milestones.order_by("due_on", "order", "pk"))
    form = ReportForm(request.POST, milestones=milestones)
    files = request.FILES.getlist("files")
    if form.is_valid():
        data = form.cleaned_data
        milestone = next((m for m in milestones if m.pk == data["milestone"]), None)
        report = run_action(
            form,
            lambda: actions.progress_report_submit(
                actor=request.user,
                task=task,
                as_of=data["as_of"],
                percent=data["percent"],
                text=data["text"],
                milestone=milestone,
                files=files,
            ),
            field_map={"files": "__files__"},
            denied=True,
        )
        if report is not None:
            messages.success(request, _("Progress report saved."))
            return redirect(_detail_url(request, task.code))
    return render(
        request,
        "plan/tasks/task_detail.html",
        _detail_context(request, task.code, report_form=form),
        status=422,
    )


@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    ev = sel.evidence_get_for(actor=request.user, pk=pk)
    return FileResponse(
        ev.file.open("rb"), as_attachment=True, filename=ev.name, content_type=ev.content_type or None
    )


# --- joint meetings ---------------------------------------------------------------------------------


class MeetingForm(HardenedForm):
    held_on = forms.DateField(label=gettext_lazy("Meeting date"), widget=DateInput)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if not sel.can_read_tasks(actor):
        raise Http404
    form = MeetingForm(initial={"title": _("Joint meeting on elder care and childcare")})
    status = 200
    if request.method == "POST":
        form = MeetingForm(request.POST)
        if form.is_valid():
            m = run_action(
                form, lambda: actions.meeting_create(actor=actor, **form.cleaned_data), denied=True
            )
            if m is not None:
                return redirect("meeting-detail", pk=m.pk)
        status = 422
    return render(
        request,
        "plan/tasks/meeting_list.html",
        {"meetings": sel.meeting_list(actor=actor), "form": form, "can_create": is_city_admin(actor)},
        status=status,
    )


def _agenda(request: HttpRequest, pk: int) -> sel.Agenda:
    meeting = sel.meeting_get(actor=request.user, pk=pk)
    return sel.meeting_agenda(meeting=meeting)


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agenda = _agenda(request, pk)
    return render(
        request,
        "plan/tasks/meeting_detail.html",
        {
            "agenda": agenda,
            "meeting": agenda.meeting,
            "behind": [(r, agenda.unit_of(r)) for r in agenda.behind],
        },
    )


@login_required
def meeting_export(request: HttpRequest, pk: int) -> HttpResponse:
    agenda = _agenda(request, pk)
    response = HttpResponse(agenda_xlsx(agenda), content_type=XLSX)
    name = f"joint-meeting-{agenda.meeting.held_on:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- major projects ---------------------------------------------------------------------------------


def _region_choices() -> list[tuple[str, str]]:
    rows = Region.objects.filter(level__in=["city", "county", "township"]).order_by("code")
    return [(r.code, ("　" * ["city", "county", "township"].index(r.level)) + r.name) for r in rows]


class ProjectForm(HardenedForm):
    year = forms.IntegerField(label=gettext_lazy("List year"), min_value=2000, max_value=2100)
    name = forms.CharField(label=gettext_lazy("Project name"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=MajorProject.Kind.choices)
    region_code = forms.ChoiceField(label=gettext_lazy("Region"))
    investment = forms.DecimalField(
        label=gettext_lazy("Investment (10,000 yuan)"), min_value=0, max_digits=14, decimal_places=2
    )
    beds_added = forms.IntegerField(label=gettext_lazy("Beds added"), min_value=0, initial=0)
    nursing_beds_added = forms.IntegerField(
        label=gettext_lazy("Nursing-type beds added"), min_value=0, initial=0
    )
    slots_added = forms.IntegerField(label=gettext_lazy("Childcare slots added"), min_value=0, initial=0)
    floor_area_added = forms.DecimalField(
        label=gettext_lazy("Floor space added (m²)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=MajorProject.Status.choices)
    starts_on = forms.DateField(label=gettext_lazy("Start"), widget=DateInput, required=False)
    completes_on = forms.DateField(label=gettext_lazy("Planned completion"), widget=DateInput, required=False)
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Responsible unit"), queryset=ResponsibleUnit.objects.all(), required=False
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = _region_choices()

    def data_for_action(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        unit = data.pop("unit")
        data["unit_id"] = unit.pk if unit else None
        for f in ("beds_added", "nursing_beds_added", "slots_added"):
            data[f] = data[f] or 0
        if data["floor_area_added"] is None:
            data["floor_area_added"] = 0
        return data


def _project_initial(p: MajorProject) -> dict[str, Any]:
    out = {f: getattr(p, f) for f in actions.PROJECT_FIELDS if f != "unit_id"}
    out["unit"] = p.unit_id
    return out


@login_required
def major_project_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if not sel.can_read_projects(actor):
        raise Http404
    years = sel.major_project_years()
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() else (years[0] if years and raw == "" else None)
    form = ProjectForm(initial={"year": year or clock.today().year, "status": MajorProject.Status.PLANNED})
    status = 200
    can_manage = sel.can_manage_projects(actor)
    if request.method == "POST":
        form = ProjectForm(request.POST)
        if form.is_valid():
            p = run_action(
                form,
                lambda: actions.major_project_create(actor=actor, data=form.data_for_action()),
                field_map={"unit_id": "unit"},
                denied=True,
            )
            if p is not None:
                messages.success(request, _("Project saved."))
                return redirect(f"{request.path}?year={p.year}")
        status = 422
    qs = sel.major_project_list(actor=actor, year=year)
    projects = list(qs)
    regions = dict(
        Region.objects.filter(code__in={p.region_code for p in projects}).values_list("code", "name")
    )
    counties = dict(Region.objects.filter(level="county").values_list("code", "name"))
    by_county: dict[str, dict[str, Any]] = {}
    for p in projects:
        c = by_county.setdefault(
            p.region_code[:6],
            {
                "name": counties.get(p.region_code[:6].ljust(12, "0"), p.region_code[:6]),
                "count": 0,
                "investment": 0,
                "beds_added": 0,
                "nursing_beds_added": 0,
                "slots_added": 0,
                "floor_area_added": 0,
            },
        )
        c["count"] += 1
        for f in sel.PROJECT_SUMS:
            c[f] += getattr(p, f)
    return render(
        request,
        "plan/tasks/major_project_list.html",
        {
            "projects": [(p, regions.get(p.region_code, p.region_code)) for p in projects],
            "totals": sel.major_project_totals(qs),
            "by_county": [by_county[k] for k in sorted(by_county)],
            "years": years,
            "year": year,
            "form": form,
            "can_manage": can_manage,
        },
        status=status,
    )


@login_required
def major_project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    project = sel.major_project_get(actor=actor, pk=pk)
    can_manage = sel.can_manage_projects(actor)
    form = ProjectForm(initial=_project_initial(project))
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = ProjectForm(request.POST)
        if form.is_valid():
            saved = run_action(
                form,
                lambda: actions.major_project_update(
                    actor=actor, project=project, data=form.data_for_action()
                ),
                field_map={"unit_id": "unit"},
            )
            if saved is not None:
                messages.success(request, _("Project saved."))
                return redirect(f"{request.path.rsplit('/', 2)[0]}/?year={project.year}")
        status = 422
    return render(
        request,
        "plan/tasks/major_project_edit.html",
        {"project": project, "form": form, "can_manage": can_manage},
        status=status,
    )


@login_required
def major_project_export(request: HttpRequest) -> HttpResponse:
    """The whole list in the import's columns with Chinese headers (re-importable)."""

    if not sel.can_read_projects(request.user):
        raise Http404
    body = render_export("major_projects", actor=request.user, fmt="xlsx", labels="zh")
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="major-projects.xlsx"'
    return response
