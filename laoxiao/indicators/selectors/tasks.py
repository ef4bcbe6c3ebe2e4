"""Reading plan tasks' progress: status from milestones and progress reports."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from laoxiao.indicators.models import PlanTask, TaskMilestone, TaskProgressReport

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
DONE = "done"
OVERDUE = "overdue"
STATUSES = (NOT_STARTED, IN_PROGRESS, DONE, OVERDUE)


def task_statuses(*, on: dt.date) -> dict[str, str]:
    """The status of every task on ``on``: done (the latest report says 100 %, or every milestone
    is done), overdue (a milestone past due and not done), in progress (any report or milestone
    done), not started."""
    latest: dict[str, int] = {}
    for code, percent in (
        TaskProgressReport.objects.filter(as_of__lte=on)
        .order_by("task_id", "-as_of", "-reported_at")
        .values_list("task_id", "percent")
    ):
        latest.setdefault(code, percent)
    milestones: dict[str, list[tuple[dt.date, dt.date | None]]] = {}
    for code, due, done in TaskMilestone.objects.values_list("task_id", "due_on", "done_on"):
        milestones.setdefault(code, []).append((due, done if done is not None and done <= on else None))
    out: dict[str, str] = {}
    for code in PlanTask.objects.values_list("code", flat=True):
        steps = milestones.get(code, [])
        if latest.get(code) == 100 or (steps and all(done for _due, done in steps)):
            out[code] = DONE
        elif any(due < on and done is None for due, done in steps):
            out[code] = OVERDUE
        elif code in latest or any(done for _due, done in steps):
            out[code] = IN_PROGRESS
        else:
            out[code] = NOT_STARTED
    return out


def task_status_counts(*, on: dt.date) -> dict[str, int]:
    counts = Counter(task_statuses(on=on).values())
    return {s: counts.get(s, 0) for s in STATUSES}
