"""Demo task milestones, progress reports with evidence, a joint meeting and the major project list
(random stream 31).

As of the demo's reference date (2021-12-31):

* every one of the 37 tasks has 2–4 milestones, the first due in 2021, the last on 2025-12-31;
* 3 tasks are done (a 100 % report, every milestone done), 4 are overdue (their 2021 milestone
  not done), 2 are not started (nothing due yet, no report), the rest in progress (the 2021
  milestone done, reports at 10–70 %);
* the lead unit reports at mid-year and at the year end, a co-responsible unit sometimes too;
  two reports carry a tiny PDF as evidence;
* a joint meeting on 2022-01-15, and a major project list of 10 projects for 2021 and 10 for 2022
  across the four counties (elder-care homes with nursing beds, community centres, childcare
  centres).

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
REFERENCE_DATE = dt.date(2021, 12, 31)
SEED_PLAN = "huaibei-2021-2025"
MEETING_DATE = dt.date(2022, 1, 15)
MEETING_TITLE = "2022年第一次养老托育工作联席会议"
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


def plan_categories(rng: np.random.Generator, codes: list[str]) -> dict[str, str]:
    order = list(rng.permutation(codes))
    cats = ["done"] * 3 + ["overdue"] * 4 + ["not_started"] * 2
    return {code: (cats[i] if i < len(cats) else "in_progress") for i, code in enumerate(order)}


def tasks_step(ctx: Any, advance: Any) -> None:
    if not PlanTask.objects.filter(plan_id=SEED_PLAN).exists():  # reference data not loaded: nothing to track
        return
    rng = np.random.default_rng([ctx.seed, STREAM_TASKS])
    summary = {
        "milestones": _milestones_and_reports(ctx.actor, rng),
        "meeting": _meeting(ctx.actor),
        "projects": _projects(ctx.actor, rng, ctx),
    }
    ctx.summary["tasks"] = summary
    advance(1)


def _milestones_and_reports(actor: Any, rng: np.random.Generator) -> dict[str, int]:

    tasks = list(PlanTask.objects.filter(plan_id=SEED_PLAN).order_by("number"))
    units: dict[str, list[str]] = {}
    for tu in (
        PlanTaskUnit.objects.filter(task__plan_id=SEED_PLAN)
        .select_related("task")
        .order_by("task_id", "order")
    ):
        units.setdefault(tu.task.code, []).append(tu.unit_id)
    cats = plan_categories(rng, [t.code for t in tasks])
    region = city_code()
    entries: list[ChangeLog] = []
    counts = {"milestones": 0, "reports": 0, "evidence": 0}
    evidence_left = 2
    for task in tasks:
        cat = cats[task.code]
        plan = plan_milestones(rng, int(rng.integers(2, 5)))
        if cat == "not_started":  # nothing due before the reference date
            plan[0] = (plan[0][0], _month_end(2022, int(rng.integers(3, 10))))
        elif cat == "overdue":  # due before the reference date, so late on it
            plan[0] = (plan[0][0], _month_end(2021, int(rng.integers(3, 12))))
        stored = {m.title: m for m in TaskMilestone.objects.filter(task=task)}
        milestones = []
        for title, due in plan:
            m = stored.get(title) or milestone_create(actor=actor, task=task, title=title, due_on=due)
            counts["milestones"] += title not in stored
            milestones.append(m)
        # what was done by the reference date
        done_upto = {"done": len(milestones), "in_progress": 1, "overdue": 0, "not_started": 0}[cat]
        for i, m in enumerate(milestones):
            done_on = None
            if i < done_upto:
                done_on = min(REFERENCE_DATE, m.due_on - dt.timedelta(days=int(rng.integers(0, 40))))
            if m.done_on != done_on and m.done_on is None and done_on is not None:
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
        if cat == "done":
            plan_reports = [
                (lead, dt.date(2021, 6, 30), int(rng.integers(50, 80))),
                (lead, REFERENCE_DATE, 100),
            ]
            texts = [str(rng.choice(PROGRESS_TEXT)), str(rng.choice(DONE_TEXT))]
        elif cat == "overdue":
            p = int(rng.integers(5, 25))
            plan_reports = [(lead, REFERENCE_DATE, p)]
            texts = [str(rng.choice(LATE_TEXT))]
        else:
            p1 = int(rng.integers(10, 35))
            p2 = min(70, p1 + int(rng.integers(5, 35)))
            plan_reports = [(lead, dt.date(2021, 6, 30), p1), (lead, REFERENCE_DATE, p2)]
            texts = [str(rng.choice(PROGRESS_TEXT)), str(rng.choice(PROGRESS_TEXT))]
            if co and rng.random() < 0.4:
                plan_reports.append((str(rng.choice(co)), REFERENCE_DATE, p2))
                texts.append("配合牵头单位推进相关工作")
        for (unit, as_of, percent), text in zip(plan_reports, texts, strict=True):
            if TaskProgressReport.objects.filter(task=task, unit_id=unit, as_of=as_of).exists():
                continue
            reported_at = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=5), dt.time(10)))
            reached = (
                next((m for m in milestones if m.done_on and m.done_on <= as_of), None)
                if unit == lead
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
                milestone=reached if percent == 100 else None,
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
            if percent == 100 and evidence_left > 0:
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


def _meeting(actor: Any) -> int:
    if JointMeeting.objects.filter(held_on=MEETING_DATE, title=MEETING_TITLE).exists():
        return 0
    meeting_create(
        actor=actor,
        held_on=MEETING_DATE,
        title=MEETING_TITLE,
        note="研究2021年度重点任务推进情况和滞后指标，部署2022年工作。",
    )
    return 1


def plan_projects(rng: np.random.Generator, townships: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """10 projects a year for 2021 and 2022 in the given townships (code, name), by county."""
    by_county: dict[str, list[tuple[str, str]]] = {}
    for code, name in townships:
        by_county.setdefault(code[:6], []).append((code, name))
    counties = sorted(c for c in by_county if c in COUNTIES) or sorted(by_county)
    kinds = list(PROJECT_KINDS)
    out: list[dict[str, Any]] = []
    for year in (2021, 2022):
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
            if completes <= REFERENCE_DATE:
                status = "completed"
            elif starts <= REFERENCE_DATE:
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


def _projects(actor: Any, rng: np.random.Generator, ctx: Any) -> int:
    townships = [(r.code, r.name) for r in ctx.regions if r.level == "township"]
    if not townships:
        townships = list(Region.objects.filter(level="township").order_by("code").values_list("code", "name"))
    if not townships:
        return 0
    result = major_projects_upsert(actor=actor, records=plan_projects(rng, townships))
    return result.created
