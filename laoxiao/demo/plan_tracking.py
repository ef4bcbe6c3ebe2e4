"""Demo task milestones, progress reports with evidence, a joint meeting and the major project list
(random stream 31).

As of the demo's day (``ctx.as_of``, default today):

* every one of the 37 tasks has 2–4 milestones, the first due in 2021, the last on 2025-12-31 (the
  plan's schedule);
* while the plan runs: 3 tasks done, 4 overdue (the latest milestone due before the day missed),
  2 not started (in 2021 only), the rest in progress (every milestone due so far done); once the
  period is over (as today): all done but 4 overdue, whose last milestone is late by exactly the
  time since it was due;
* the lead unit reports at every half-year end from 2021 to the day (the percentage rising to
  where the task stands), a co-responsible unit sometimes too; four 100 % reports carry a tiny
  PDF as evidence;
* a joint meeting each January from 2022, and a major project list of 10 projects a year from 2021
  to the year after the day, across the four counties (elder-care homes with nursing beds,
  community centres, childcare centres), their status as of the day.

Milestones, the meeting and the projects are written through the actions (as the system actor, a
city administrator); the reports, which the actions take only from a unit's reporter, are written
here with the unit set and logged the same way. Rows are upserted by natural key, so running the
step again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.files.base import ContentFile
from django.utils import timezone

from laoxiao.core import clock
from laoxiao.core.changelog import build_entry, log_many, snapshot
from laoxiao.core.models import ChangeLog
from laoxiao.plan.actions.tasks import major_projects_upsert, meeting_create, milestone_create
from laoxiao.plan.models import (
    JointMeeting,
    PlanTask,
    PlanTaskUnit,
    TaskEvidence,
    TaskMilestone,
    TaskProgressReport,
)
from laoxiao.plan.selectors.tasks import city_code
from laoxiao.regions.models import Region

STREAM_TASKS = 31
PLAN_REFERENCE = dt.date(2021, 12, 31)  # the day of the plan's "at present" figures
PLAN_END = dt.date(2025, 12, 31)  # the seed plan's last day
SEED_PLAN = "huaibei-2021-2025"
COUNTIES = {"340602": "杜集区", "340603": "相山区", "340604": "烈山区", "340621": "濉溪县"}

FIRST = ("制定工作方案", "出台实施意见", "摸清底数并建立台账", "明确责任分工")
MIDDLE = ("出台配套政策文件", "完成阶段性建设任务", "开展中期评估", "推广试点经验")
LAST = "全面完成规划目标任务"
DONE_TEXT = ("已按计划全面完成", "相关制度文件已印发实施", "目标任务已完成并通过验收")
PROGRESS_TEXT = (
    "已印发工作方案，正在推进落实",
    "已完成摸底调查，正在起草配套文件",
    "试点工作有序推进",
    "已召开专题推进会，明确时间表",
    "部分区县已先行落实",
)
LATE_TEXT = ("受疫情影响进度滞后，正在加快推进", "配套资金尚未到位，进度滞后", "文件仍在征求意见")

# a minimal valid PDF (one empty page), about 300 bytes
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

PHASES = "〇一二三四五六七八九十"
PROJECT_KINDS = {
    "eldercare_home": ("养老服务中心", (3000, 12000), (100, 300)),
    "nursing_home": ("护理院", (2000, 8000), (80, 200)),
    "community_centre": ("社区养老服务综合体", (300, 1500), (10, 40)),
    "childcare_centre": ("托育服务中心", (500, 2500), (0, 0)),
    "integrated": ("一老一小服务综合体", (1500, 5000), (40, 100)),
}


def _date(rng: np.random.Generator, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=int(rng.integers(0, (end - start).days + 1)))


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def plan_milestones(rng: np.random.Generator, n: int) -> list[tuple[str, dt.date]]:
    """``n`` (2–4) milestones: the first due in 2021, the last on 2025-12-31."""
    first = (str(rng.choice(FIRST)), _month_end(2021, int(rng.integers(3, 13))))
    years = {2: [], 3: [2023], 4: [2022, 2024]}[n]
    middle = [(str(rng.choice(MIDDLE)), _month_end(y, int(rng.choice([6, 12])))) for y in years]
    titles_seen: set[str] = {first[0]}
    out = [first]
    for title, due in middle:
        if title in titles_seen:
            title = f"{title}（{due.year}年）"
        titles_seen.add(title)
        out.append((title, due))
    out.append((LAST, dt.date(2025, 12, 31)))
    return out


def plan_categories(rng: np.random.Generator, codes: list[str], ref: dt.date) -> dict[str, str]:
    """What each task is on ``ref``: while the plan runs, 3 done, 4 overdue, 2 not started (in its
    first year only) and the rest in progress; once the plan's period is over, most are done and
    4 overdue (their last milestone not reached: late by as long as it really is)."""
    order = list(rng.permutation(codes))
    if ref > PLAN_END:
        cats = ["overdue"] * 4
        return {code: (cats[i] if i < len(cats) else "done") for i, code in enumerate(order)}
    cats = ["done"] * 3 + ["overdue"] * 4 + (["not_started"] * 2 if ref.year == 2021 else [])
    return {code: (cats[i] if i < len(cats) else "in_progress") for i, code in enumerate(order)}


def tasks_step(ctx: Any, advance: Any) -> None:
    if not PlanTask.objects.filter(plan_id=SEED_PLAN).exists():  # reference data not loaded: nothing to track
        return
    ref = getattr(ctx, "as_of", None) or clock.today()
    rng = np.random.default_rng([ctx.seed, STREAM_TASKS])
    summary = {
        "milestones": _milestones_and_reports(ctx.actor, rng, ref),
        "meeting": _meetings(ctx.actor, ref),
        "projects": _projects(ctx.actor, rng, ctx, ref),
    }
    ctx.summary["tasks"] = summary
    advance(1)


def _half_years(ref: dt.date, until: dt.date) -> list[dt.date]:
    """The half-year ends (06-30, 12-31) from 2021 up to ``min(ref, until)``."""
    last = min(ref, until)
    days = [dt.date(y, m, d) for y in range(2021, last.year + 1) for m, d in ((6, 30), (12, 31))]
    return [d for d in days if d <= last]


def _milestones_and_reports(actor: Any, rng: np.random.Generator, ref: dt.date) -> dict[str, int]:
    tasks = list(PlanTask.objects.filter(plan_id=SEED_PLAN).order_by("number"))
    units: dict[str, list[str]] = {}
    for tu in (
        PlanTaskUnit.objects.filter(task__plan_id=SEED_PLAN)
        .select_related("task")
        .order_by("task_id", "order")
    ):
        units.setdefault(tu.task.code, []).append(tu.unit_id)
    cats = plan_categories(rng, [t.code for t in tasks], ref)
    region = city_code()
    entries: list[ChangeLog] = []
    counts = {"milestones": 0, "reports": 0, "evidence": 0}
    evidence_left = 4
    for task in tasks:
        cat = cats[task.code]
        plan = plan_milestones(rng, int(rng.integers(2, 5)))
        if cat == "not_started":  # nothing due before the reference date
            plan[0] = (plan[0][0], _month_end(2022, int(rng.integers(3, 10))))
        elif cat == "overdue" and not any(due < ref for _t, due in plan):  # something to be late on
            plan[0] = (plan[0][0], _month_end(2021, int(rng.integers(3, 12))))
        stored = {m.title: m for m in TaskMilestone.objects.filter(task=task)}
        milestones = []
        for title, due in plan:
            m = stored.get(title) or milestone_create(actor=actor, task=task, title=title, due_on=due)
            counts["milestones"] += title not in stored
            milestones.append(m)
        due_by_ref = [m for m in milestones if m.due_on < ref]
        if cat == "done":  # every milestone reached (ahead of time while the plan runs)
            reached = milestones
        elif cat == "overdue":  # the latest milestone due before the reference date is missed
            reached = due_by_ref[:-1] if due_by_ref else []
        elif cat == "in_progress":
            reached = due_by_ref
        else:
            reached = []
        finished = None
        for m in reached:
            done_on = min(ref, m.due_on - dt.timedelta(days=int(rng.integers(0, 40))))
            finished = done_on
            if m.done_on is None:
                m.done_on = done_on
                m.save(update_fields=["done_on"])
                entries.append(
                    build_entry(
                        actor=actor,
                        action=ChangeLog.Action.UPDATE,
                        target=m,
                        changes={"done_on": [None, done_on]},
                        region_code=region,
                    )
                )
        if cat == "not_started":
            continue
        lead, co = units[task.code][0], units[task.code][1:]
        complete = cat == "done" and len(reached) == len(milestones)
        end = finished if complete and finished else ref
        days = _half_years(ref, end)
        share = len(reached) / len(milestones)
        top = 100 if complete else max(10, min(95, int(share * 100) + int(rng.integers(0, 15))))
        if cat == "overdue":
            top = max(5, min(top, 85))
        plan_reports: list[tuple[str, dt.date, int, str]] = []
        for n, day in enumerate(days, start=1):
            percent = max(5, round(top * n / len(days))) if n < len(days) else top
            text = str(rng.choice(PROGRESS_TEXT))
            if n == len(days):
                text = str(
                    rng.choice(DONE_TEXT if complete else LATE_TEXT if cat == "overdue" else PROGRESS_TEXT)
                )
            plan_reports.append((lead, day, percent, text))
        if complete and finished and (not days or days[-1] != finished):
            plan_reports.append((lead, finished, 100, str(rng.choice(DONE_TEXT))))
        if co and rng.random() < 0.4 and plan_reports:
            unit_day = plan_reports[-1]
            plan_reports.append((str(rng.choice(co)), unit_day[1], unit_day[2], "配合牵头单位推进相关工作"))
        for unit, as_of, percent, text in plan_reports:
            if TaskProgressReport.objects.filter(task=task, unit_id=unit, as_of=as_of).exists():
                continue
            reported_at = timezone.make_aware(
                dt.datetime.combine(min(ref, as_of + dt.timedelta(days=5)), dt.time(10))
            )
            milestone = (
                next((m for m in reversed(milestones) if m.done_on and m.done_on <= as_of), None)
                if unit == lead and percent == 100
                else None
            )
            report = TaskProgressReport.objects.create(
                task=task,
                unit_id=unit,
                reported_by=actor,
                reported_at=reported_at,
                as_of=as_of,
                percent=percent,
                text=text,
                milestone=milestone,
            )
            counts["reports"] += 1
            entries.append(
                build_entry(
                    actor=actor,
                    action=ChangeLog.Action.CREATE,
                    target=report,
                    changes=snapshot(report, ("task_id", "unit_id", "as_of", "percent", "text")),
                    region_code=region,
                    note="demo",
                )
            )
            if percent == 100 and unit == lead and evidence_left > 0:
                evidence_left -= 1
                name = f"{task.code}-完成情况说明.pdf"
                ev = TaskEvidence(
                    report=report,
                    name=name,
                    size=len(PDF),
                    content_type="application/pdf",
                    sha256=hashlib.sha256(PDF).hexdigest(),
                    uploaded_at=reported_at,
                )
                ev.file.save(name, ContentFile(PDF), save=False)
                ev.save()
                counts["evidence"] += 1
                entries.append(
                    build_entry(
                        actor=actor,
                        action=ChangeLog.Action.CREATE,
                        target=ev,
                        changes=snapshot(ev, ("report_id", "name", "size", "sha256")),
                        region_code=region,
                        note="demo",
                    )
                )
    log_many(entries)
    return counts


def _meetings(actor: Any, ref: dt.date) -> int:
    """A joint meeting each January (the 15th) from 2022 up to the reference date."""
    made = 0
    for year in range(2022, ref.year + 1):
        held_on = dt.date(year, 1, 15)
        if held_on > ref:
            break
        title = f"{year}年第一次养老托育工作联席会议"
        if JointMeeting.objects.filter(held_on=held_on, title=title).exists():
            continue
        meeting_create(
            actor=actor,
            held_on=held_on,
            title=title,
            note=f"研究{year - 1}年度重点任务推进情况和滞后指标，部署{year}年工作。",
        )
        made += 1
    return made


def plan_projects(
    rng: np.random.Generator, townships: list[tuple[str, str]], ref: dt.date = PLAN_REFERENCE
) -> list[dict[str, Any]]:
    """10 projects a year from 2021 to the year after ``ref`` (at least 2022) in the given townships
    (code, name), by county; their status as of ``ref``."""
    by_county: dict[str, list[tuple[str, str]]] = {}
    for code, name in townships:
        by_county.setdefault(code[:6], []).append((code, name))
    counties = sorted(c for c in by_county if c in COUNTIES) or sorted(by_county)
    kinds = list(PROJECT_KINDS)
    out: list[dict[str, Any]] = []
    for year in range(2021, max(2022, ref.year + 1) + 1):
        used: set[str] = set()
        for i in range(10):
            county = counties[i % len(counties)]
            code, town = by_county[county][int(rng.integers(0, len(by_county[county])))]
            kind = kinds[int(rng.choice(len(kinds), p=[0.25, 0.1, 0.3, 0.25, 0.1]))]
            label, (inv_lo, inv_hi), (beds_lo, beds_hi) = PROJECT_KINDS[kind]
            base = f"{COUNTIES.get(county, '')}{town}{label}"
            name = f"{base}建设项目"
            phase = 1
            while name in used:  # a second project of the kind in the township: its next phase
                phase += 1
                name = f"{base}{PHASES[phase] if phase < len(PHASES) else phase}期建设项目"
            used.add(name)
            beds = int(rng.integers(beds_lo, beds_hi + 1)) if beds_hi else 0
            nursing = {
                "nursing_home": beds,
                "eldercare_home": int(beds * rng.uniform(0.55, 0.8)),
                "integrated": int(beds * rng.uniform(0.4, 0.7)),
            }.get(kind, 0)
            slots = int(rng.integers(6, 21)) * 10 if kind in ("childcare_centre", "integrated") else 0
            area = (
                Decimal(int(rng.integers(50, 200)) * 10)
                if kind in ("community_centre", "integrated")
                else Decimal(0)
            )
            starts = _date(rng, dt.date(year, 3, 1), dt.date(year, 9, 30))
            completes = starts + dt.timedelta(days=int(rng.integers(240, 720)))
            if completes <= ref:
                status = "completed"
            elif starts <= ref:
                status = "under_construction"
            else:
                status = "planned"
            out.append(
                {
                    "year": year,
                    "name": name,
                    "kind": kind,
                    "region_code": code,
                    "investment": Decimal(int(rng.integers(inv_lo, inv_hi + 1))),
                    "beds_added": beds,
                    "nursing_beds_added": nursing,
                    "slots_added": slots,
                    "floor_area_added": area,
                    "status": status,
                    "starts_on": starts,
                    "completes_on": completes,
                    "unit_id": "health_commission" if kind == "childcare_centre" else "civil_affairs",
                    "note": "",
                }
            )
    return out


def _projects(actor: Any, rng: np.random.Generator, ctx: Any, ref: dt.date) -> int:
    townships = [(r.code, r.name) for r in ctx.regions if r.level == "township"]
    if not townships:
        townships = list(Region.objects.filter(level="township").order_by("code").values_list("code", "name"))
    if not townships:
        return 0
    result = major_projects_upsert(actor=actor, records=plan_projects(rng, townships, ref))
    return result.created
