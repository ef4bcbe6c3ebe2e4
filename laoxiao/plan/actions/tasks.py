"""Writes of plan-task tracking: milestones, progress reports with evidence files, joint meetings and
the major project list (重大项目清单).

Every write is one transaction and checks, in this order: what the actor may see (a task outside a
reporter's unit is ``NotFound``), what the actor may do (``PermissionDenied``), the content
(``ValidationError`` with a dict of field → message); then writes and logs the change
(``ChangeLog``: a creation logs its snapshot, an update ``{"field": [old, new]}``).

Who may write (see ``laoxiao.plan.selectors.tasks``): milestones — city administrators and
the reporters of the task's lead unit; progress reports — reporters of a unit that is lead or
co-responsible; joint meetings — city administrators; major projects — city administrators and the
reporters of the development-and-reform commission (``development_reform``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import ResponsibleUnit
from laoxiao.core import clock
from laoxiao.core.access import is_city_admin
from laoxiao.core.bulk import Progress, WriteResult, save_logged, upsert_rows
from laoxiao.core.changelog import build_entry, diff_fields, log_change, log_many, snapshot
from laoxiao.core.errors import NotFound
from laoxiao.core.i18n import fmt
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import rule
from laoxiao.plan.models import (
    JointMeeting,
    MajorProject,
    PlanTask,
    TaskEvidence,
    TaskMilestone,
    TaskProgressReport,
)
from laoxiao.plan.selectors import tasks as sel
from laoxiao.plan.selectors.plans import plan_for_year
from laoxiao.regions.models import Region

MILESTONE_FIELDS = ("title", "due_on", "done_on", "note", "order")
MEETING_FIELDS = ("held_on", "title", "note")
PROJECT_FIELDS = (
    "year",
    "name",
    "kind",
    "region_code",
    "investment",
    "beds_added",
    "nursing_beds_added",
    "slots_added",
    "floor_area_added",
    "status",
    "starts_on",
    "completes_on",
    "unit_id",
    "note",
)
PROJECT_DEFAULTS: dict[str, Any] = {
    "beds_added": 0,
    "nursing_beds_added": 0,
    "slots_added": 0,
    "floor_area_added": decimal.Decimal(0),
    "status": MajorProject.Status.PLANNED,
    "starts_on": None,
    "completes_on": None,
    "unit_id": None,
    "note": "",
}
YEARS = (2000, 2100)  # a sanity range for a list year, not a rule of the plan


def _require_visible(actor: Any, task: PlanTask) -> PlanTask:
    """The task as the actor sees it (units prefetched), else ``NotFound``."""
    return sel.task_get_for(actor=actor, code=task.code, plan=task.plan)


# --- milestones -------------------------------------------------------------------------------------


def _milestone_problems(data: Mapping[str, Any]) -> dict[str, Any]:
    problems: dict[str, Any] = {}
    title = (data.get("title") or "").strip()
    if not title:
        problems["title"] = _("A milestone needs a title.")
    elif len(title) > 200:
        problems["title"] = _("Longer than 200 characters.")
    if not isinstance(data.get("due_on"), dt.date):
        problems["due_on"] = _("A milestone needs a due date.")
    done = data.get("done_on")
    if done is not None and done > clock.today():
        problems["done_on"] = _("A milestone cannot be done in the future.")
    return problems


@transaction.atomic
def milestone_create(
    *, actor: Any, task: PlanTask, title: str, due_on: dt.date, note: str = "", order: int | None = None
) -> TaskMilestone:
    task = _require_visible(actor, task)
    if not sel.can_manage_milestones(actor, task):
        raise PermissionDenied(_("Only city administrators and the lead unit set a task's milestones."))
    data = {"title": title, "due_on": due_on, "note": note or "", "done_on": None}
    problems = _milestone_problems(data)
    if problems:
        raise ValidationError(problems)
    if order is None:
        order = TaskMilestone.objects.filter(task=task).count() + 1
    m = TaskMilestone.objects.create(
        task=task, title=title.strip(), due_on=due_on, note=note or "", order=order
    )
    log_change(
        actor=actor,
        action=ChangeLog.Action.CREATE,
        target=m,
        changes=snapshot(m, ("task_id", "title", "due_on", "note", "order")),
        region_code=sel.city_code(),
    )
    return m


@transaction.atomic
def milestone_update(*, actor: Any, milestone: TaskMilestone, data: Mapping[str, Any]) -> TaskMilestone:
    """Change a milestone's title, due date, done date (None: not done) or note."""
    task = _require_visible(actor, milestone.task)
    if not sel.can_manage_milestones(actor, task):
        raise PermissionDenied(_("Only city administrators and the lead unit set a task's milestones."))
    unknown = set(data) - set(MILESTONE_FIELDS)
    if unknown:
        raise ValidationError({f: _("This field cannot be changed here.") for f in sorted(unknown)})
    values = dict(data)
    if "title" in values:
        values["title"] = (values["title"] or "").strip()
    if "note" in values:
        values["note"] = values["note"] or ""
    state = {f: getattr(milestone, f) for f in MILESTONE_FIELDS} | values
    problems = _milestone_problems(state)
    if problems:
        raise ValidationError(problems)
    changes = diff_fields(milestone, values)
    if not changes:
        return milestone
    for f, (_old, new) in changes.items():
        setattr(milestone, f, new)
    milestone.save(update_fields=list(changes))
    log_change(
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        target=milestone,
        changes=changes,
        region_code=sel.city_code(),
    )
    return milestone


@transaction.atomic
def milestone_complete(
    *, actor: Any, milestone: TaskMilestone, done_on: dt.date | None = None
) -> TaskMilestone:
    """Mark a milestone done on ``done_on`` (today by default)."""
    return milestone_update(actor=actor, milestone=milestone, data={"done_on": done_on or clock.today()})


# --- progress reports and evidence ------------------------------------------------------------------


def evidence_problems(files: Sequence[Any], *, on: dt.date) -> list[str]:
    """What is wrong with the uploaded files, by the rule ``tasks.evidence`` (types, size, content)."""
    conf = rule("tasks.evidence", on=on)
    types: dict[str, Any] = conf["types"]
    limit = int(conf["max_bytes"])
    problems: list[str] = []
    for f in files:
        name = PurePath(getattr(f, "name", "") or "").name
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        size = int(getattr(f, "size", 0) or 0)
        if ext not in types:
            problems.append(
                str(
                    fmt(
                        _("%(name)s: this type of file is not accepted (accepted: %(types)s)."),
                        name=name or "?",
                        types=", ".join(sorted(types)),
                    )
                )
            )
            continue
        if size == 0:
            problems.append(str(fmt(_("%(name)s: the file is empty."), name=name)))
            continue
        if size > limit:
            problems.append(
                str(
                    fmt(
                        _("%(name)s: larger than %(mb)d MB."),
                        name=name,
                        mb=limit // (1024 * 1024),
                    )
                )
            )
            continue
        head = _head(f)
        magic = [bytes.fromhex(m) for m in types[ext].get("magic", [])]
        if magic and not any(head.startswith(m) for m in magic):
            problems.append(str(fmt(_("%(name)s: the content is not a .%(ext)s file."), name=name, ext=ext)))
    return problems


def _head(f: Any) -> bytes:
    f.seek(0)
    head: bytes = f.read(16)
    f.seek(0)
    return head


def _sha256(f: Any) -> str:
    h = hashlib.sha256()
    for chunk in f.chunks():
        h.update(chunk)
    f.seek(0)
    return h.hexdigest()


@transaction.atomic
def progress_report_submit(
    *,
    actor: Any,
    task: PlanTask,
    as_of: dt.date,
    percent: int,
    text: str,
    milestone: TaskMilestone | None = None,
    files: Sequence[Any] = (),
) -> TaskProgressReport:
    """A progress report by the actor's unit, with evidence files (checked by ``tasks.evidence``).

    A milestone reached is recorded with the report; when the reporter's unit leads the task and the
    milestone is not done yet, it is marked done on ``as_of`` (logged)."""
    task = _require_visible(actor, task)
    if not sel.can_report(actor, task):
        raise PermissionDenied(_("Only reporters of the task's responsible units report its progress."))
    problems: dict[str, Any] = {}
    if not isinstance(as_of, dt.date):
        problems["as_of"] = _("Give the date the report describes.")
    elif as_of > clock.today():
        problems["as_of"] = _("A report cannot describe a day after today.")
    if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
        problems["percent"] = _("Progress is a whole number from 0 to 100.")
    if not (text or "").strip():
        problems["text"] = _("Say what was done.")
    if milestone is not None and milestone.task_id != task.pk:
        problems["milestone"] = _("This milestone belongs to another task.")
    file_problems = evidence_problems(files, on=as_of if isinstance(as_of, dt.date) else clock.today())
    if file_problems:
        problems["files"] = file_problems
    if problems:
        raise ValidationError(problems)
    region = sel.city_code()
    now = timezone.now()
    report = TaskProgressReport.objects.create(
        task=task,
        unit_id=actor.unit_id,
        reported_by=actor,
        reported_at=now,
        as_of=as_of,
        percent=percent,
        text=text.strip(),
        milestone=milestone,
    )
    entries = [
        build_entry(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=report,
            changes=snapshot(report, ("task_id", "unit_id", "as_of", "percent", "text", "milestone_id")),
            region_code=region,
        )
    ]
    conf = rule("tasks.evidence", on=as_of)
    saved: list[TaskEvidence] = []
    try:
        for f in files:
            name = PurePath(f.name).name
            ext = name.rsplit(".", 1)[-1].lower()
            ev = TaskEvidence(
                report=report,
                name=name[:200],
                size=int(f.size),
                content_type=conf["types"][ext]["content_type"],
                sha256=_sha256(f),
                uploaded_at=now,
            )
            ev.file.save(name, f, save=False)
            saved.append(ev)
            ev.save()
            entries.append(
                build_entry(
                    actor=actor,
                    action=ChangeLog.Action.CREATE,
                    target=ev,
                    changes=snapshot(ev, ("report_id", "name", "size", "sha256")),
                    region_code=region,
                )
            )
        if (
            milestone is not None
            and milestone.done_on is None
            and any(tu.unit_id == actor.unit_id and tu.is_lead for tu in task.task_units.all())
        ):
            milestone.done_on = as_of
            milestone.save(update_fields=["done_on"])
            entries.append(
                build_entry(
                    actor=actor,
                    action=ChangeLog.Action.UPDATE,
                    target=milestone,
                    changes={"done_on": [None, as_of]},
                    region_code=region,
                    note=f"reached in progress report {report.pk}",
                )
            )
        log_many(entries)
    except BaseException:
        for ev in saved:  # the rows roll back with the transaction; the files would stay behind
            ev.file.delete(save=False)
        raise
    return report


# --- joint meetings ---------------------------------------------------------------------------------


def _meeting_problems(data: Mapping[str, Any]) -> dict[str, Any]:
    problems: dict[str, Any] = {}
    if not isinstance(data.get("held_on"), dt.date):
        problems["held_on"] = _("Give the meeting date.")
    title = (data.get("title") or "").strip()
    if not title:
        problems["title"] = _("Give the meeting a title.")
    elif len(title) > 200:
        problems["title"] = _("Longer than 200 characters.")
    return problems


@transaction.atomic
def meeting_create(*, actor: Any, held_on: dt.date, title: str, note: str = "") -> JointMeeting:
    if not is_city_admin(actor):
        raise PermissionDenied(_("Only city administrators call joint meetings."))
    problems = _meeting_problems({"held_on": held_on, "title": title})
    if problems:
        raise ValidationError(problems)
    m = JointMeeting.objects.create(
        plan=plan_for_year(held_on.year),
        held_on=held_on,
        title=title.strip(),
        note=note or "",
        created_by=actor if actor.pk else None,
    )
    log_change(
        actor=actor,
        action=ChangeLog.Action.CREATE,
        target=m,
        changes=snapshot(m, MEETING_FIELDS),
        region_code=sel.city_code(),
    )
    return m


@transaction.atomic
def meeting_update(*, actor: Any, meeting: JointMeeting, data: Mapping[str, Any]) -> JointMeeting:
    if not is_city_admin(actor):
        raise PermissionDenied(_("Only city administrators call joint meetings."))
    unknown = set(data) - set(MEETING_FIELDS)
    if unknown:
        raise ValidationError({f: _("This field cannot be changed here.") for f in sorted(unknown)})
    state = {f: getattr(meeting, f) for f in MEETING_FIELDS} | dict(data)
    problems = _meeting_problems(state)
    if problems:
        raise ValidationError(problems)
    changes = diff_fields(meeting, data)
    if not changes:
        return meeting
    for f, (_old, new) in changes.items():
        setattr(meeting, f, new)
    meeting.save(update_fields=list(changes))
    log_change(
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        target=meeting,
        changes=changes,
        region_code=sel.city_code(),
    )
    return meeting


# --- major projects ---------------------------------------------------------------------------------


def project_problems(
    data: Mapping[str, Any], *, regions: Mapping[str, str] | None = None, units: set[str] | None = None
) -> dict[str, Any]:
    """What is wrong with a project's values (the state after the change): field → message.

    ``regions`` (code → level) and ``units`` (codes) may be given to check many rows without a
    query each."""
    p: dict[str, Any] = {}
    year = data.get("year")
    if not isinstance(year, int) or not YEARS[0] <= year <= YEARS[1]:
        p["year"] = _("Give the list year (e.g. 2022).")
    name = (data.get("name") or "").strip()
    if not name:
        p["name"] = _("A project needs a name.")
    elif len(name) > 200:
        p["name"] = _("Longer than 200 characters.")
    if data.get("kind") not in MajorProject.Kind.values:
        p["kind"] = _("Not a kind of project.")
    if data.get("status") not in MajorProject.Status.values:
        p["status"] = _("Not a project status.")
    code = data.get("region_code") or ""
    level = (regions or {}).get(code) if regions is not None else _region_level(code)
    if level is None:
        p["region_code"] = _("No such region is loaded.")
    inv = data.get("investment")
    if inv is None or not isinstance(inv, decimal.Decimal | int | float):
        p["investment"] = _("Give the investment in 10,000 yuan.")
    else:
        d = decimal.Decimal(str(inv))
        if d < 0 or d >= decimal.Decimal("1e12") or d != d.quantize(decimal.Decimal("0.01")):
            p["investment"] = _("Not an amount in 10,000 yuan (at most 2 decimals, not negative).")
    for f in ("beds_added", "nursing_beds_added", "slots_added"):
        v = data.get(f)
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            p[f] = _("A whole number, not negative.")
    if (
        "beds_added" not in p
        and "nursing_beds_added" not in p
        and data["nursing_beds_added"] > data["beds_added"]
    ):
        p["nursing_beds_added"] = _("More nursing-type beds than beds.")
    area = data.get("floor_area_added")
    if area is None or decimal.Decimal(str(area)) < 0:
        p["floor_area_added"] = _("A floor area in m², not negative.")
    starts, completes = data.get("starts_on"), data.get("completes_on")
    if starts is not None and completes is not None and completes < starts:
        p["completes_on"] = _("The planned completion is before the start.")
    unit = data.get("unit_id")
    if unit:
        known = units if units is not None else set(ResponsibleUnit.objects.values_list("code", flat=True))
        if unit not in known:
            p["unit_id"] = _("No such responsible unit.")
    return p


def _region_level(code: str) -> str | None:
    level: str | None = Region.objects.filter(code=code).values_list("level", flat=True).first()
    return level


def _project_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(data)
    if "unit" in values:
        values["unit_id"] = values.pop("unit") or None
    for f in ("investment", "floor_area_added"):
        if values.get(f) is not None and not isinstance(values[f], decimal.Decimal):
            values[f] = decimal.Decimal(str(values[f]))
    if "floor_area_added" in values and values["floor_area_added"] is not None:
        values["floor_area_added"] = values["floor_area_added"].quantize(decimal.Decimal("0.01"))
    if values.get("investment") is not None:
        values["investment"] = values["investment"].quantize(decimal.Decimal("0.01"))
    for f in ("name", "note"):
        if f in values:
            values[f] = (values[f] or "").strip()
    return values


def _require_project_manager(actor: Any) -> None:
    if not sel.can_manage_projects(actor):
        raise PermissionDenied(
            _("Only city administrators and the development and reform commission keep the project list.")
        )


@transaction.atomic
def major_project_create(*, actor: Any, data: Mapping[str, Any]) -> MajorProject:
    _require_project_manager(actor)
    values = PROJECT_DEFAULTS | _project_values(data)
    unknown = set(values) - set(PROJECT_FIELDS)
    if unknown:
        raise ValidationError({f: _("Unknown field.") for f in sorted(unknown)})
    problems = project_problems(values)
    if "year" not in problems and "name" not in problems:
        if MajorProject.objects.filter(year=values["year"], name=values["name"]).exists():
            problems["name"] = _("The list of that year already has a project of this name.")
    if problems:
        raise ValidationError(problems)
    project = MajorProject()
    save_logged(project, actor=actor, values=values, fields=PROJECT_FIELDS, clean=False)
    return project


@transaction.atomic
def major_project_update(*, actor: Any, project: MajorProject, data: Mapping[str, Any]) -> MajorProject:
    _require_project_manager(actor)
    values = _project_values(data)
    unknown = set(values) - set(PROJECT_FIELDS)
    if unknown:
        raise ValidationError({f: _("Unknown field.") for f in sorted(unknown)})
    state = {f: getattr(project, f) for f in PROJECT_FIELDS} | values
    problems = project_problems(state)
    if "year" not in problems and "name" not in problems:
        clash = MajorProject.objects.filter(year=state["year"], name=state["name"]).exclude(pk=project.pk)
        if clash.exists():
            problems["name"] = _("The list of that year already has a project of this name.")
    if problems:
        raise ValidationError(problems)
    save_logged(project, actor=actor, values=values, clean=False)
    return project


@transaction.atomic
def major_projects_upsert(
    *, actor: Any, records: Iterable[Mapping[str, Any]], progress: Progress | None = None
) -> WriteResult:
    """Upsert checked records by (year, name) — the import and the demo. Unchanged rows are left
    alone; columns left out of a record keep the stored value (defaults on creation)."""
    _require_project_manager(actor)
    rows = [_project_values(r) for r in records]

    def created(new: Sequence[MajorProject], _updated: Sequence[MajorProject]) -> list[ChangeLog]:
        return [
            build_entry(
                actor=actor, action=ChangeLog.Action.CREATE, target=obj, changes=snapshot(obj, PROJECT_FIELDS)
            )
            for obj in new
        ]

    result = upsert_rows(
        MajorProject,
        rows,
        actor=actor,
        key=("year", "name"),
        fields=[f for f in PROJECT_FIELDS if f not in ("year", "name")],
        build=lambda values: MajorProject(**(PROJECT_DEFAULTS | dict(values))),
        after_write=created,
        log_created=None,
        atomic=False,  # inside this function's transaction
    )
    if progress:
        progress(len(rows))
    return result


__all__ = [
    "NotFound",
    "evidence_problems",
    "major_project_create",
    "major_project_update",
    "major_projects_upsert",
    "meeting_create",
    "meeting_update",
    "milestone_complete",
    "milestone_create",
    "milestone_update",
    "progress_report_submit",
    "project_problems",
]
