"""Task pages and the task API: what each user sees, forms for those allowed, evidence downloads."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.models import ChangeLog
from laoxiao.plan.actions import tasks as actions
from laoxiao.plan.actions.tasks import meeting_create
from laoxiao.plan.models import PlanTask, TaskMilestone, TaskProgressReport
from laoxiao.plan.tests.factories import task_of

pytestmark = pytest.mark.django_db

D = dt.date
PDF = b"%PDF-1.4\n%%EOF\n"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def mzj(city: dict[str, Any]) -> Any:
    return make_user("mzj", ["bureau_reporter"], [], unit_id="civil_affairs")


@pytest.fixture
def wjw(city: dict[str, Any]) -> Any:
    return make_user("wjw", ["bureau_reporter"], [], unit_id="health_commission")


def test_task_list_shows_status_next_milestone_and_progress(admin_user: Any, mzj: Any) -> None:
    TaskMilestone.objects.create(task=task_of("T01"), title="出台办法", due_on=D(2021, 11, 30))
    TaskMilestone.objects.create(task=task_of("T02"), title="建成机构", due_on=D(2022, 6, 30))
    TaskProgressReport.objects.create(
        task=task_of("T02"),
        unit_id="civil_affairs",
        reported_by=mzj,
        reported_at=dt.datetime(2022, 1, 3, tzinfo=dt.UTC),
        as_of=D(2021, 12, 31),
        percent=45,
        text="x",
    )
    c = _client(admin_user)
    r = c.get("/plan/tasks/?on=2021-12-31&overdue_first=1", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    html = r.content.decode()
    assert html.index('id="T01"') < html.index('id="T02"') < html.index('id="T03"')  # overdue first
    assert "31 days overdue" in html and "出台办法" in html
    assert "建成机构" in html and "45%" in html
    only_overdue = c.get("/plan/tasks/?on=2021-12-31&status=overdue").content.decode()
    assert 'id="T01"' in only_overdue and 'id="T02"' not in only_overdue
    by_unit = c.get("/plan/tasks/?unit=education").content.decode()
    assert 'id="T18"' in by_unit and 'id="T01"' not in by_unit


def test_reporter_sees_only_their_units_tasks_in_list_detail_and_api(mzj: Any) -> None:
    c = _client(mzj)
    html = c.get("/plan/tasks/").content.decode()
    assert 'id="T02"' in html and 'id="T18"' not in html
    assert c.get("/plan/tasks/T18/").status_code == 404
    assert c.get("/plan/tasks/T02/").status_code == 200
    codes = [t["code"] for t in c.get("/api/v1/plan/progress").json()]
    assert "T02" in codes and "T18" not in codes
    assert c.get("/api/v1/plan/tasks/T18/progress").status_code == 404


def test_provider_operator_sees_no_task(city: dict[str, Any]) -> None:
    c = _client(make_user("op", ["provider_operator"], []))
    assert c.get("/plan/tasks/").status_code == 404
    assert c.get("/api/v1/plan/progress").json() == []


def test_detail_forms_only_for_allowed_users(
    admin_user: Any, mzj: Any, wjw: Any, xiangshan_officer: Any
) -> None:
    lead = _client(mzj).get("/plan/tasks/T02/").content.decode()  # civil affairs leads T02
    assert "/plan/tasks/T02/milestones/" in lead and "/plan/tasks/T02/reports/" in lead
    co = _client(wjw).get("/plan/tasks/T02/").content.decode()
    assert "/plan/tasks/T02/milestones/" not in co and "/plan/tasks/T02/reports/" in co
    admin = _client(admin_user).get("/plan/tasks/T02/").content.decode()
    assert "/plan/tasks/T02/milestones/" in admin and "/plan/tasks/T02/reports/" not in admin
    staff = _client(xiangshan_officer).get("/plan/tasks/T02/").content.decode()
    assert "/plan/tasks/T02/milestones/" not in staff and "/plan/tasks/T02/reports/" not in staff
    # and the server refuses what the page does not offer
    r = _client(wjw).post("/plan/tasks/T02/milestones/", {"title": "x", "due_on": "2022-01-01"})
    assert r.status_code == 422 and not TaskMilestone.objects.exists()


def test_milestone_add_and_complete_through_htmx(mzj: Any) -> None:
    c = _client(mzj)
    r = c.post(
        "/plan/tasks/T02/milestones/", {"title": "出台方案", "due_on": "2022-06-30"}, HTTP_HX_REQUEST="true"
    )
    assert (
        r.status_code == 200 and 'id="milestones"' in r.content.decode() and "<html" not in r.content.decode()
    )
    m = TaskMilestone.objects.get(task__code="T02")
    r = c.post(f"/plan/milestones/{m.pk}/", {"done_on": "2021-12-20"}, HTTP_HX_REQUEST="true")
    m.refresh_from_db()
    assert m.done_on == D(2021, 12, 20)
    bad = c.post("/plan/tasks/T02/milestones/", {"title": "", "due_on": "soon"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and "error" in bad.content.decode()
    assert TaskMilestone.objects.count() == 1


def test_report_form_with_evidence_and_download(mzj: Any, xiangshan_officer: Any, wjw: Any) -> None:
    c = _client(mzj)
    upload = ContentFile(PDF, name="方案.pdf")
    r = c.post(
        "/plan/tasks/T02/reports/",
        {"as_of": "2021-12-31", "percent": "40", "text": "完成摸底", "milestone": "", "files": [upload]},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    report = TaskProgressReport.objects.get()
    ev = report.evidence.get()
    detail = c.get("/plan/tasks/T02/").content.decode()
    assert f"/plan/evidence/{ev.pk}/" in detail and "完成摸底" in detail
    download = _client(xiangshan_officer).get(f"/plan/evidence/{ev.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    other = make_user("jyj", ["bureau_reporter"], [], unit_id="education")  # education is not named in T02
    assert _client(other).get(f"/plan/evidence/{ev.pk}/").status_code == 404
    bad = c.post(
        "/plan/tasks/T02/reports/",
        {
            "as_of": "2021-12-31",
            "percent": "40",
            "text": "x",
            "files": [ContentFile(b"MZ..", name="virus.exe")],
        },
    )
    assert bad.status_code == 422 and "virus.exe" in bad.content.decode()
    assert TaskProgressReport.objects.count() == 1


def test_api_milestones_reports_and_422(mzj: Any, wjw: Any) -> None:
    c = _client(mzj)
    r = c.post(
        "/api/v1/plan/tasks/T02/milestones",
        {"title": "出台方案", "due_on": "2021-11-30"},
        content_type="application/json",
    )
    assert r.status_code == 201
    mid = r.json()["id"]
    r = c.post(
        "/api/v1/plan/tasks/T02/milestones",
        {"title": "x", "due_on": "not a date"},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "due_on"
    assert (
        _client(wjw)
        .patch(f"/api/v1/plan/milestones/{mid}", {"done_on": "2021-12-01"}, content_type="application/json")
        .status_code
        == 403
    )
    r = _client(wjw).post(
        "/api/v1/plan/tasks/T02/reports",
        {"as_of": "2021-12-31", "percent": "30", "text": "配合推进", "files": [io.BytesIO(PDF)]},
    )
    # a BytesIO without a name has no type: refused, nothing written
    assert r.status_code == 422 and not TaskProgressReport.objects.exists()
    r = _client(wjw).post(
        "/api/v1/plan/tasks/T02/reports",
        {
            "as_of": "2021-12-31",
            "percent": "30",
            "text": "配合推进",
            "files": [ContentFile(PDF, name="a.pdf")],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["unit"] == "health_commission" and body["evidence"][0]["name"] == "a.pdf"
    got = c.get(body["evidence"][0]["url"])
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    r = _client(wjw).post(
        "/api/v1/plan/tasks/T02/reports", {"as_of": "2021-12-31", "percent": "130", "text": "x"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "percent"
    progress = c.get("/api/v1/plan/tasks/T02/progress?on=2021-12-31").json()
    assert progress["status"] == "overdue" and progress["days_overdue"] == 31 and progress["percent"] == 30
    assert {i["code"] for i in progress["indicators"]} == {"E03", "E06"}
    assert ChangeLog.objects.filter(target_type="plan.taskprogressreport").count() == 1


def test_progress_report_action_and_page_agree_on_status(mzj: Any, admin_user: Any) -> None:
    actions.progress_report_submit(
        actor=mzj, task=PlanTask.objects.get(code="T01"), as_of=D(2021, 12, 31), percent=100, text="完成"
    )
    html = _client(admin_user).get("/plan/tasks/?on=2021-12-31&status=done").content.decode()
    assert 'id="T01"' in html


def test_nothing_reaches_users_without_a_reading_role(city: dict[str, Any], admin_user: Any) -> None:

    meeting = meeting_create(actor=admin_user, held_on=D(2022, 1, 15), title="会议")
    c = _client(make_user("op", ["provider_operator"], []))
    for url in (
        "/plan/tasks/T01/",
        "/plan/meetings/",
        f"/plan/meetings/{meeting.pk}/",
        f"/plan/meetings/{meeting.pk}/agenda.xlsx",
        "/plan/major-projects/",
        "/plan/major-projects/export.xlsx",
        f"/api/v1/plan/meetings/{meeting.pk}/agenda",
        f"/api/v1/plan/meetings/{meeting.pk}/agenda.xlsx",
    ):
        assert c.get(url).status_code == 404, url
    assert c.get("/api/v1/plan/major-projects").json()["count"] == 0
    assert c.get("/api/v1/plan/meetings").json()["count"] == 0
