"""Plan tasks: status with known answers, who sees and writes what, progress reports with evidence."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog, RuleVersion
from laoxiao.plan.actions import tasks as actions
from laoxiao.plan.models import PlanTask, TaskEvidence, TaskMilestone, TaskProgressReport
from laoxiao.plan.selectors import tasks as sel
from laoxiao.plan.tests.factories import task_of

pytestmark = pytest.mark.django_db

D = dt.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 20


@pytest.fixture
def mzj(city: dict[str, Any]) -> Any:
    """A reporter of 市民政局 (civil_affairs): leads T02, co-responsible for T03, not named in T18."""
    return make_user("mzj", ["bureau_reporter"], [], unit_id="civil_affairs")


@pytest.fixture
def wjw(city: dict[str, Any]) -> Any:
    """A reporter of 市卫健委 (health_commission): co-responsible for T02, leads T03."""
    return make_user("wjw", ["bureau_reporter"], [], unit_id="health_commission")


def _milestone(code: str, due: dt.date, done: dt.date | None = None, title: str = "step") -> TaskMilestone:
    return TaskMilestone.objects.create(task=task_of(code), title=title, due_on=due, done_on=done)


def _report(code: str, user: Any, as_of: dt.date, percent: int) -> TaskProgressReport:
    return TaskProgressReport.objects.create(
        task=task_of(code),
        unit_id=user.unit_id,
        reported_by=user,
        reported_at=dt.datetime(2022, 1, 1, tzinfo=dt.UTC),
        as_of=as_of,
        percent=percent,
        text="done some",
    )


# --- status -----------------------------------------------------------------------------------------


def test_status_with_known_answers(mzj: Any) -> None:
    on = D(2021, 12, 31)
    _milestone("T01", D(2021, 12, 30))  # due yesterday, not done → overdue
    _milestone("T02", D(2021, 12, 31))  # due today, not done → not yet overdue
    _report("T02", mzj, D(2021, 6, 30), 40)  # a report → in progress
    _milestone("T03", D(2021, 6, 1))  # overdue, but the latest report says 100 % → done
    _report("T03", mzj, D(2021, 12, 1), 100)
    _milestone("T04", D(2021, 3, 1), done=D(2021, 3, 5))  # every milestone done → done
    _milestone("T05", D(2021, 3, 1), done=D(2021, 3, 5))  # one done, one ahead → in progress
    _milestone("T05", D(2022, 3, 1))
    _milestone("T06", D(2021, 3, 1), done=D(2022, 1, 10))  # done after the date → overdue on the date
    _report("T07", mzj, D(2022, 1, 5), 100)  # a report after the date does not count → not started

    statuses = sel.task_statuses(on=on)

    assert statuses["T01"] == sel.OVERDUE
    assert statuses["T02"] == sel.IN_PROGRESS
    assert statuses["T03"] == sel.DONE
    assert statuses["T04"] == sel.DONE
    assert statuses["T05"] == sel.IN_PROGRESS
    assert statuses["T06"] == sel.OVERDUE
    assert statuses["T07"] == sel.NOT_STARTED
    assert len(statuses) == 37
    counts = sel.task_status_counts(on=on)
    assert counts == {"not_started": 31, "in_progress": 2, "done": 2, "overdue": 2}
    # a day later T02's milestone is overdue too; and T06 was done by 2022-01-10
    assert sel.task_statuses(on=D(2022, 1, 1))["T02"] == sel.OVERDUE
    assert sel.task_statuses(on=D(2022, 1, 10))["T06"] == sel.DONE
    assert sel.task_statuses(on=D(2022, 1, 5))["T07"] == sel.DONE


def test_overdue_state_names_the_earliest_late_milestone_and_days(admin_user: Any) -> None:
    _milestone("T09", D(2021, 11, 30), title="late")
    _milestone("T09", D(2021, 12, 20), title="later")
    _milestone("T09", D(2022, 6, 30), title="ahead")
    state = sel.task_overview(actor=admin_user, on=D(2021, 12, 31), overdue_first=True)[0]
    assert state.task.code == "T09"
    assert state.status == sel.OVERDUE
    assert state.overdue_milestone is not None and state.overdue_milestone.title == "late"
    assert state.days_overdue == 31
    assert state.next_milestone is not None and state.next_milestone.title == "late"


def test_status_counts_take_few_queries(django_assert_max_num_queries: Any, mzj: Any) -> None:
    for t in PlanTask.objects.all():
        _milestone(t.code, D(2021, 6, 30))
        _report(t.code, mzj, D(2021, 6, 30), 20)
    with django_assert_max_num_queries(7):
        sel.task_status_counts(on=D(2021, 12, 31))


# --- who sees what ----------------------------------------------------------------------------------


def test_reporters_see_their_units_tasks_staff_see_all_others_none(
    mzj: Any, admin_user: Any, xiangshan_officer: Any, city: dict[str, Any]
) -> None:
    civil = set(PlanTask.objects.filter(task_units__unit_id="civil_affairs").values_list("code", flat=True))
    assert {t.code for t in sel.visible_tasks(mzj)} == civil
    assert "T18" not in civil
    with pytest.raises(NotFound):
        sel.task_get_for(actor=mzj, code="T18")
    assert sel.visible_tasks(admin_user).count() == 37
    assert sel.visible_tasks(xiangshan_officer).count() == 37
    operator = make_user("op", ["provider_operator"], [])
    assert sel.visible_tasks(operator).count() == 0
    no_unit = make_user("rep", ["bureau_reporter"], [])
    assert sel.visible_tasks(no_unit).count() == 0


# --- milestones -------------------------------------------------------------------------------------


def test_admin_and_lead_unit_set_milestones_co_units_may_not(mzj: Any, wjw: Any, admin_user: Any) -> None:
    t02 = PlanTask.objects.get(code="T02")  # lead civil_affairs, co health_commission
    m = actions.milestone_create(actor=mzj, task=t02, title="出台方案", due_on=D(2022, 6, 30))
    assert m.order == 1
    with pytest.raises(PermissionDenied):
        actions.milestone_create(actor=wjw, task=t02, title="x", due_on=D(2022, 6, 30))
    actions.milestone_update(actor=admin_user, milestone=m, data={"due_on": D(2022, 9, 30)})
    actions.milestone_complete(actor=mzj, milestone=m, done_on=D(2022, 9, 1))
    m.refresh_from_db()
    assert (m.due_on, m.done_on) == (D(2022, 9, 30), D(2022, 9, 1))
    with pytest.raises(ValidationError) as exc:
        actions.milestone_create(actor=admin_user, task=t02, title=" ", due_on=D(2022, 6, 30))
    assert "title" in exc.value.message_dict
    with pytest.raises(NotFound):  # T18 does not name civil affairs: not even visible
        actions.milestone_create(
            actor=mzj, task=PlanTask.objects.get(code="T18"), title="x", due_on=D(2022, 1, 1)
        )
    logged = ChangeLog.objects.filter(target_type="plan.taskmilestone", target_id=str(m.pk))
    assert list(logged.order_by("pk").values_list("action", flat=True)) == ["create", "update", "update"]


# --- progress reports and evidence ------------------------------------------------------------------


def test_co_unit_reporter_submits_a_report_with_evidence(wjw: Any) -> None:
    t02 = PlanTask.objects.get(code="T02")
    m = _milestone("T02", D(2021, 12, 31))
    report = actions.progress_report_submit(
        actor=wjw,
        task=t02,
        as_of=D(2021, 12, 31),
        percent=35,
        text="完成摸底调查",
        milestone=m,
        files=[ContentFile(PDF, name="方案.pdf"), ContentFile(PNG, name="photo.PNG")],
    )
    assert report.unit_id == "health_commission"
    evidence = list(report.evidence.order_by("pk"))
    assert [e.name for e in evidence] == ["方案.pdf", "photo.PNG"]
    assert evidence[0].sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence[0].size == len(PDF) and evidence[0].content_type == "application/pdf"
    with evidence[0].file.open("rb") as fh:
        assert fh.read() == PDF
    m.refresh_from_db()
    assert m.done_on is None  # a co-unit's report does not complete the lead unit's milestone
    assert ChangeLog.objects.filter(target_type="plan.taskevidence").count() == 2
    assert ChangeLog.objects.filter(target_type="plan.taskprogressreport").count() == 1


def test_lead_unit_report_reaching_a_milestone_completes_it(mzj: Any) -> None:
    m = _milestone("T02", D(2021, 12, 31))
    actions.progress_report_submit(
        actor=mzj,
        task=PlanTask.objects.get(code="T02"),
        as_of=D(2021, 12, 20),
        percent=100,
        text="ok",
        milestone=m,
    )
    m.refresh_from_db()
    assert m.done_on == D(2021, 12, 20)
    assert sel.task_statuses(on=D(2021, 12, 31))["T02"] == sel.DONE


@pytest.mark.parametrize(
    ("files", "percent", "field"),
    [
        ([ContentFile(b"hello", name="notes.exe")], 10, "files"),
        ([ContentFile(b"not a pdf", name="fake.pdf")], 10, "files"),
        ([ContentFile(b"", name="empty.pdf")], 10, "files"),
        ([], 101, "percent"),
        ([], -1, "percent"),
    ],
)
def test_bad_reports_are_refused_and_write_nothing(
    mzj: Any, files: list[Any], percent: int, field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.progress_report_submit(
            actor=mzj,
            task=PlanTask.objects.get(code="T02"),
            as_of=D(2021, 12, 31),
            percent=percent,
            text="x",
            files=files,
        )
    assert field in exc.value.message_dict
    assert not TaskProgressReport.objects.exists() and not TaskEvidence.objects.exists()


def test_evidence_larger_than_the_rule_is_refused(mzj: Any) -> None:
    big = ContentFile(PDF + b"0" * (20 * 1024 * 1024), name="big.pdf")
    with translation.override("en"):
        assert actions.evidence_problems([big], on=D(2021, 12, 31)) == ["big.pdf: larger than 20 MB."]
    with translation.override("zh-hans"):
        assert actions.evidence_problems([big], on=D(2021, 12, 31)) == ["big.pdf：文件超过20 MB。"]


def test_only_responsible_units_report(mzj: Any, admin_user: Any, xiangshan_officer: Any) -> None:
    t03 = PlanTask.objects.get(code="T03")
    with pytest.raises(PermissionDenied):
        actions.progress_report_submit(actor=admin_user, task=t03, as_of=D(2021, 12, 31), percent=1, text="x")
    with pytest.raises(PermissionDenied):
        actions.progress_report_submit(
            actor=xiangshan_officer, task=t03, as_of=D(2021, 12, 31), percent=1, text="x"
        )
    with pytest.raises(NotFound):
        actions.progress_report_submit(
            actor=mzj, task=PlanTask.objects.get(code="T18"), as_of=D(2021, 12, 31), percent=1, text="x"
        )


def test_evidence_is_found_only_by_those_who_see_the_task(mzj: Any, wjw: Any, admin_user: Any) -> None:
    report = actions.progress_report_submit(
        actor=wjw,
        task=PlanTask.objects.get(code="T18"),  # education lead, health co; civil affairs not named
        as_of=D(2021, 12, 31),
        percent=10,
        text="x",
        files=[ContentFile(PDF, name="a.pdf")],
    )
    ev = report.evidence.get()
    assert sel.evidence_get_for(actor=admin_user, pk=ev.pk) == ev
    with pytest.raises(NotFound):
        sel.evidence_get_for(actor=mzj, pk=ev.pk)


def test_task_indicator_links_are_loaded() -> None:
    assert set(PlanTask.objects.get(code="T02").indicators.values_list("code", flat=True)) == {"E03", "E06"}
    assert set(PlanTask.objects.get(code="T25").indicators.values_list("code", flat=True)) == {
        "C01",
        "C02",
        "C10",
    }
    linked = set(PlanTask.indicators.through.objects.values_list("indicator__code", flat=True))
    # every indicator of Table 1 is moved by at least one task
    assert {f"E{i:02d}" for i in range(1, 17)} | {f"C{i:02d}" for i in range(1, 11)} <= linked


def test_the_status_rule_is_data(mzj: Any) -> None:
    """A city's own version of ``tasks.status`` (a week's grace, done at 90 %) changes the answers."""

    _milestone("T01", D(2021, 12, 27))
    _report("T02", mzj, D(2021, 12, 1), 90)
    on = D(2021, 12, 31)
    assert (sel.task_statuses(on=on)["T01"], sel.task_statuses(on=on)["T02"]) == (
        sel.OVERDUE,
        sel.IN_PROGRESS,
    )
    RuleVersion.objects.create(
        key="tasks.status", effective_from=D(2021, 12, 1), data={"done_percent": 90, "overdue_grace_days": 7}
    )
    assert (sel.task_statuses(on=on)["T01"], sel.task_statuses(on=on)["T02"]) == (sel.NOT_STARTED, sel.DONE)
    assert sel.task_statuses(on=D(2022, 1, 4))["T01"] == sel.OVERDUE


def test_a_failed_report_leaves_no_evidence_file_behind(wjw: Any, monkeypatch: Any) -> None:

    def fail(entries: Any) -> None:
        raise RuntimeError("the log could not be written")

    stored: list[str] = []
    real_save = default_storage.save

    def save(name: str, content: Any, **kwargs: Any) -> str:
        stored.append(real_save(name, content, **kwargs))
        return stored[-1]

    monkeypatch.setattr(default_storage, "save", save)
    monkeypatch.setattr(actions, "log_many", fail)
    with pytest.raises(RuntimeError):
        actions.progress_report_submit(
            actor=wjw,
            task=PlanTask.objects.get(code="T02"),
            as_of=D(2021, 12, 31),
            percent=35,
            text="完成摸底调查",
            files=[ContentFile(PDF, name="方案.pdf"), ContentFile(PNG, name="photo.PNG")],
        )
    assert len(stored) == 2 and not any(default_storage.exists(name) for name in stored)
    assert not TaskProgressReport.objects.exists() and not TaskEvidence.objects.exists()
