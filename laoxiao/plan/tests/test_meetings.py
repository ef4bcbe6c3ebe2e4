"""Joint meetings: the agenda as of the meeting date (overdue tasks, indicators behind target) and
its export, read back with python-calamine."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from python_calamine import CalamineWorkbook

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.models import ChangeLog
from laoxiao.plan.actions import tasks as actions
from laoxiao.plan.calculators import MEASURE_KEYS
from laoxiao.plan.models import IndicatorValue, JointMeeting, TaskMilestone, TaskProgressReport
from laoxiao.plan.selectors import tasks as sel
from laoxiao.plan.tests.factories import task_of

pytestmark = pytest.mark.django_db

D = dt.date
CITY = "340600000000"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _value(code: str, value: str, period: str = "2021", region: str = CITY) -> None:
    IndicatorValue.objects.create(
        measure_id=MEASURE_KEYS[code],
        region_code=region,
        period=period,
        value=Decimal(value),
        numerator=Decimal(value),
        denominator=Decimal(100),
        computed_at=timezone.now(),
    )


@pytest.fixture
def agenda_city(city: dict[str, Any], admin_user: Any) -> JointMeeting:
    """On 2022-01-15: T01 overdue since 2021-12-01 (44 days, 20 % reported), T02 overdue since
    2022-01-10 (5 days, no report), T03's milestone done in time; E06 behind (40 against 49.6 expected
    for 2021), E04 achieved (90 ≥ 85); a county's values are not the city's."""
    reporter = make_user("mzj", ["bureau_reporter"], [], unit_id="civil_affairs")
    TaskMilestone.objects.create(task=task_of("T01"), title="出台高龄津贴办法", due_on=D(2021, 12, 1))
    TaskMilestone.objects.create(task=task_of("T01"), title="later", due_on=D(2022, 12, 1))
    TaskMilestone.objects.create(task=task_of("T02"), title="建成机构", due_on=D(2022, 1, 10))
    TaskMilestone.objects.create(
        task=task_of("T03"), title="done", due_on=D(2021, 12, 1), done_on=D(2021, 11, 1)
    )
    TaskMilestone.objects.create(task=task_of("T03"), title="ahead", due_on=D(2023, 12, 1))
    TaskProgressReport.objects.create(
        task=task_of("T01"),
        unit_id="civil_affairs",
        reported_by=reporter,
        reported_at=dt.datetime(2022, 1, 3, tzinfo=dt.UTC),
        as_of=D(2021, 12, 31),
        percent=20,
        text="x",
    )
    _value("E06", "40")
    _value("E04", "90")
    _value("E06", "30", region="340603000000")  # a county: not on the city's agenda
    _value("E04", "10", period="2022")  # 2022 had not ended on the meeting date
    return actions.meeting_create(actor=admin_user, held_on=D(2022, 1, 15), title="2022年第一次联席会议")


def test_agenda_gathers_overdue_tasks_and_indicators_behind(agenda_city: JointMeeting) -> None:
    agenda = sel.meeting_agenda(meeting=agenda_city)
    assert [(s.task.code, s.days_overdue, s.percent) for s in agenda.overdue] == [
        ("T01", 45, 20),
        ("T02", 5, None),
    ]
    assert agenda.overdue[0].overdue_milestone.title == "出台高龄津贴办法"
    assert agenda.period == "2021"
    assert [(r.indicator.code, r.value, r.status.expected) for r in agenda.behind] == [
        ("E06", Decimal("40"), Decimal("49.6"))
    ]
    assert agenda.unit_of(agenda.behind[0]).code == "civil_affairs"


def test_agenda_of_an_earlier_meeting_is_as_of_its_date(agenda_city: JointMeeting, admin_user: Any) -> None:
    early = actions.meeting_create(actor=admin_user, held_on=D(2021, 12, 5), title="早")
    agenda = sel.meeting_agenda(meeting=early)
    assert [(s.task.code, s.days_overdue) for s in agenda.overdue] == [("T01", 4)]
    assert agenda.period is None and agenda.behind == []  # 2021 had not ended; there are no 2020 values


def test_export_reads_back_with_chinese_headers(agenda_city: JointMeeting, admin_user: Any) -> None:
    r = _client(admin_user).get(f"/plan/meetings/{agenda_city.pk}/agenda.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
    assert book.sheet_names == ["逾期任务", "未达标指标"]
    tasks = book.get_sheet_by_name("逾期任务").to_python()
    assert "2022年第一次联席会议" in tasks[0][0]
    assert tasks[2][:4] == ["序号", "任务编号", "重点任务", "牵头单位"]
    assert tasks[3][1] == "T01" and tasks[3][3] == "市民政局" and tasks[3][5] == "出台高龄津贴办法"
    assert tasks[3][7] == 45 and tasks[3][8] == 20
    assert tasks[4][1] == "T02" and tasks[4][8] == ""
    inds = book.get_sheet_by_name("未达标指标").to_python()
    assert inds[2][:5] == ["指标编号", "具体指标", "单位", "年度", "当前值"]
    assert (
        inds[3][0] == "E06"
        and inds[3][4] == 40
        and inds[3][5] == pytest.approx(49.6)
        and inds[3][7] == "市民政局"
    )
    assert len([row for row in inds[3:] if row[0]]) == 1
    api = _client(admin_user).get(f"/api/v1/plan/meetings/{agenda_city.pk}/agenda.xlsx")
    assert api.status_code == 200 and api.content[:2] == b"PK"


def test_agenda_page_and_api(agenda_city: JointMeeting, admin_user: Any, xiangshan_officer: Any) -> None:
    html = _client(xiangshan_officer).get(f"/plan/meetings/{agenda_city.pk}/").content.decode()
    assert "出台高龄津贴办法" in html and "E06" in html and "E04 " not in html
    data = _client(admin_user).get(f"/api/v1/plan/meetings/{agenda_city.pk}/agenda").json()
    assert [t["code"] for t in data["overdue_tasks"]] == ["T01", "T02"]
    assert data["indicators_behind"][0] == {
        "code": "E06",
        "name": "护理型养老床位占比",
        "unit": "%",
        "period": "2021",
        "value": 40.0,
        "expected": 49.6,
        "target": 52.0,
        "comparator": "gte",
        "responsible_unit": "civil_affairs",
    }


def test_only_city_admins_call_meetings(admin_user: Any, xiangshan_officer: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.meeting_create(actor=xiangshan_officer, held_on=D(2022, 1, 15), title="x")
    with pytest.raises(ValidationError):
        actions.meeting_create(actor=admin_user, held_on=D(2022, 1, 15), title="  ")
    c = _client(admin_user)
    r = c.post("/plan/meetings/", {"held_on": "2022-03-01", "title": "第二次会议"})
    assert r.status_code == 302 and JointMeeting.objects.filter(title="第二次会议").exists()
    assert c.post("/plan/meetings/", {"held_on": "", "title": "x"}).status_code == 422
    api = _client(xiangshan_officer).post(
        "/api/v1/plan/meetings", {"held_on": "2022-03-01", "title": "x"}, content_type="application/json"
    )
    assert api.status_code == 403
    api = c.post("/api/v1/plan/meetings", {"held_on": "March", "title": "x"}, content_type="application/json")
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "held_on"
    assert "第二次会议" in _client(xiangshan_officer).get("/plan/meetings/").content.decode()


def test_meeting_changes_through_the_api_are_logged(
    agenda_city: JointMeeting, admin_user: Any, xiangshan_officer: Any
) -> None:
    url = f"/api/v1/plan/meetings/{agenda_city.pk}"
    r = _client(admin_user).patch(url, {"held_on": "2022-01-20"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["held_on"] == "2022-01-20"
    agenda = sel.meeting_agenda(meeting=JointMeeting.objects.get(pk=agenda_city.pk))
    assert [(s.task.code, s.days_overdue) for s in agenda.overdue] == [("T01", 50), ("T02", 10)]
    assert (
        _client(xiangshan_officer).patch(url, {"title": "x"}, content_type="application/json").status_code
        == 403
    )
    assert _client(admin_user).patch(url, {"title": ""}, content_type="application/json").status_code == 422
    assert _client(xiangshan_officer).get(url).json()["title"] == "2022年第一次联席会议"
    rows = ChangeLog.objects.filter(target_type="plan.jointmeeting", target_id=str(agenda_city.pk))
    assert list(rows.order_by("pk").values_list("action", flat=True)) == ["create", "update"]
