"""The demo step of plan tracking (laoxiao/demo/plan_tracking.py): deterministic, idempotent, with
the mix of statuses its docstring promises."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from laoxiao.accounts.actions import system_actor
from laoxiao.core.models import ChangeLog
from laoxiao.demo.generator import DemoContext
from laoxiao.demo.plan_tracking import tasks_step
from laoxiao.plan.models import (
    JointMeeting,
    MajorProject,
    TaskEvidence,
    TaskMilestone,
    TaskProgressReport,
)
from laoxiao.plan.selectors import tasks as sel

pytestmark = pytest.mark.django_db


def _run(seed: int = 1, as_of: dt.date = dt.date(2021, 12, 31)) -> DemoContext:
    ctx = DemoContext(seed=seed, scale=0.01, years=(2021,), actor=system_actor(), as_of=as_of)
    tasks_step(ctx, lambda n: None)
    return ctx


def _snapshot() -> list[Any]:
    return [
        list(
            TaskMilestone.objects.order_by("task_id", "due_on", "title").values_list(
                "task_id", "title", "due_on", "done_on"
            )
        ),
        list(
            TaskProgressReport.objects.order_by("task_id", "unit_id", "as_of").values_list(
                "task_id", "unit_id", "as_of", "percent"
            )
        ),
        list(
            MajorProject.objects.order_by("year", "name").values_list(
                "year", "name", "region_code", "investment", "beds_added"
            )
        ),
    ]


def test_demo_tasks_as_of_the_reference_date(city: dict[str, Any]) -> None:
    _run()
    counts = TaskMilestone.objects.values("task_id").distinct().count()
    assert counts == 37
    per_task = [TaskMilestone.objects.filter(task__code=f"T{i:02d}").count() for i in range(1, 38)]
    assert min(per_task) >= 2 and max(per_task) <= 4
    assert TaskMilestone.objects.filter(due_on__year__lt=2021).count() == 0
    assert TaskMilestone.objects.filter(due_on__year__gt=2025).count() == 0
    assert sel.task_status_counts(on=dt.date(2021, 12, 31)) == {
        "not_started": 2,
        "in_progress": 28,
        "done": 3,
        "overdue": 4,
    }
    assert TaskEvidence.objects.count() == 3  # the three done tasks' 100 % reports
    assert all(e.file.read(4) == b"%PDF" for e in TaskEvidence.objects.all())
    assert not TaskProgressReport.objects.filter(as_of__gt=dt.date(2021, 12, 31)).exists()
    assert not JointMeeting.objects.exists()  # the first, of January 2022, comes after the day
    assert (
        MajorProject.objects.filter(year=2021).count() == 10
        and MajorProject.objects.filter(year=2022).count() == 10
    )
    assert all(p.nursing_beds_added <= p.beds_added for p in MajorProject.objects.all())
    assert {p.region_code[:6] for p in MajorProject.objects.all()} == {
        "340603",
        "340621",
    }  # the test city's two


def test_demo_tasks_today_after_the_plan_period(city: dict[str, Any]) -> None:
    day = dt.date(2026, 12, 3)
    _run(as_of=day)
    assert sel.task_status_counts(on=day) == {"not_started": 0, "in_progress": 0, "done": 33, "overdue": 4}
    overdue = [s for s in sel.task_states(on=day) if s.status == sel.OVERDUE]
    # late by exactly the time since the missed milestone was due, never more
    assert all(s.days_overdue == (day - s.overdue_milestone.due_on).days for s in overdue)
    assert {s.overdue_milestone.due_on for s in overdue} == {dt.date(2025, 12, 31)}
    assert not TaskProgressReport.objects.filter(as_of__gt=day).exists()
    assert not TaskMilestone.objects.filter(done_on__gt=day).exists()
    latest = TaskProgressReport.objects.order_by("-as_of").first()
    assert latest is not None and latest.as_of.year == 2026  # reports go on to the present
    meetings = list(JointMeeting.objects.order_by("held_on"))
    assert [m.held_on.year for m in meetings] == [2022, 2023, 2024, 2025, 2026]
    assert len(sel.meeting_agenda(meeting=meetings[-1]).overdue) == 4
    assert set(MajorProject.objects.values_list("year", flat=True)) == set(range(2021, 2028))
    assert MajorProject.objects.filter(year=2027, status="planned").count() == 10


def test_demo_tasks_again_changes_nothing_and_the_seed_decides(city: dict[str, Any]) -> None:
    _run()
    first, log_rows = _snapshot(), ChangeLog.objects.count()
    _run()
    assert _snapshot() == first and ChangeLog.objects.count() == log_rows
    TaskMilestone.objects.all().delete()
    TaskProgressReport.objects.all().delete()
    MajorProject.objects.all().delete()
    _run(seed=2)
    assert _snapshot() != first
