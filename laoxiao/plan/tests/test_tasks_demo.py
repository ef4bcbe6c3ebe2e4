"""The demo step of plan tracking (laoxiao/demo/plan_tracking.py): deterministic, idempotent, with
the mix of statuses its docstring promises."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from laoxiao.accounts.actions import system_actor
from laoxiao.core.models import ChangeLog
from laoxiao.demo.generator import DemoContext
from laoxiao.demo.plan_tracking import MEETING_DATE, tasks_step
from laoxiao.plan.models import (
    JointMeeting,
    MajorProject,
    TaskEvidence,
    TaskMilestone,
    TaskProgressReport,
)
from laoxiao.plan.selectors import tasks as sel

pytestmark = pytest.mark.django_db


def _run(seed: int = 1) -> DemoContext:
    ctx = DemoContext(seed=seed, scale=0.01, years=(2021,), actor=system_actor())
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
    assert TaskEvidence.objects.count() == 2
    assert all(e.file.read(4) == b"%PDF" for e in TaskEvidence.objects.all())
    meeting = JointMeeting.objects.get()
    assert meeting.held_on == MEETING_DATE
    assert len(sel.meeting_agenda(meeting=meeting).overdue) >= 4
    assert (
        MajorProject.objects.filter(year=2021).count() == 10
        and MajorProject.objects.filter(year=2022).count() == 10
    )
    assert all(p.nursing_beds_added <= p.beds_added for p in MajorProject.objects.all())
    assert {p.region_code[:6] for p in MajorProject.objects.all()} == {
        "340603",
        "340621",
    }  # the test city's two


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
