"""The final evaluation of the seed plan (2021–2025) and the next plan started from it: stored
2025 values (computed ones and approved reported ones), the evaluation's figures against the
cockpit's, the xlsx read back with python-calamine, the pages, the API and the command."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from python_calamine import CalamineWorkbook

from laoxiao.core.models import ChangeLog
from laoxiao.plan.actions.next_plan import NO_BASELINE_NOTE, plan_start_next
from laoxiao.plan.actions.values import reported_value_approve, reported_value_submit
from laoxiao.plan.evaluation import NO_APPROVED, NOT_COMPUTED, plan_evaluation, relative_gap
from laoxiao.plan.exports.evaluation import evaluation_bytes
from laoxiao.plan.models import (
    Indicator,
    Plan,
    PlanTask,
    TaskEvidence,
    TaskMilestone,
    TaskProgressReport,
)
from laoxiao.plan.selectors.cockpit import cockpit
from laoxiao.plan.table1 import display_number
from laoxiao.plan.tests.factories import CITY, SEED_PLAN, SX, XS, indicator_of, make_stored_value, task_of
from laoxiao.regions.models import Region

pytestmark = pytest.mark.django_db

COMPUTED = [
    # code, region, value, numerator, denominator
    ("E03", CITY, 62, 62, 100),  # ≥ 60: achieved
    ("E06", CITY, 50, 50, 100),  # ≥ 52: gap 2/52
    ("C01", CITY, 90, 90, 100),  # > 90: not achieved (equal is not more), gap 0
    ("C02", CITY, 95, 95, 100),  # > 90: achieved
    ("E11", CITY, 12, None, None),  # ≥ 17 (a count): gap 5/17
    ("E12", CITY, 600, None, None),  # ≥ 694: gap 94/694
    ("E03", XS, 55, 55, 100),  # a county below the target
    ("E11", XS, 5, None, None),  # a count in a county: its target is the city's
    ("E03", SX, 70, 70, 100),
]
REPORTED = [("E01", CITY, "96"), ("E09", CITY, "78"), ("E01", SX, "94")]  # ≥ 95; ≥ 79 (gap 1/79); ≥ 95


@pytest.fixture
def plan() -> Plan:
    return Plan.objects.get(code=SEED_PLAN)


@pytest.fixture
def stored(city: dict[str, Any], admin_user: Any) -> None:
    for code, region, value, num, den in COMPUTED:
        make_stored_value(code, region, "2025", value, num, den)
    for code, region, value in REPORTED:
        row = reported_value_submit(
            actor=admin_user,
            indicator=indicator_of(code),
            region_code=region,
            period="2025",
            value=value,
            source="2025年统计年报",
        )
        reported_value_approve(actor=admin_user, reported=row)
    # a task done with evidence, one behind
    t1, t2 = task_of("T01"), task_of("T02")
    m = TaskMilestone.objects.create(
        task=t1, title="全面建成", due_on=dt.date(2025, 6, 30), done_on=dt.date(2025, 6, 1)
    )
    TaskMilestone.objects.create(task=t2, title="建设完成", due_on=dt.date(2025, 9, 30))
    report = TaskProgressReport.objects.create(
        task=t1,
        unit=t1.lead_unit,
        reported_by=admin_user,
        reported_at=timezone.now(),
        as_of=dt.date(2025, 12, 1),
        percent=100,
        text="已全面完成",
        milestone=m,
    )
    TaskEvidence.objects.create(
        report=report,
        file="evidence/2025/12/t01.pdf",
        name="验收报告.pdf",
        size=10,
        sha256="0" * 64,
        uploaded_at=timezone.now(),
    )


def _by_code(e: Any) -> dict[str, Any]:
    return {r.indicator.code: r for r in e.indicators}


def test_every_indicator_has_a_2025_value_or_a_reason(plan: Plan, stored: None) -> None:
    e = plan_evaluation(plan=plan)
    assert e.year == 2025 and e.on == dt.date(2025, 12, 31)
    assert [c.code for c in e.counties] == [XS, SX]
    rows = _by_code(e)
    assert len(rows) == Indicator.objects.filter(plan=plan).count() == 26
    for r in e.indicators:
        assert (r.city.value is None) != (r.city.reason == "")
    assert rows["E03"].city.value == Decimal("62")
    assert rows["E01"].city.value == Decimal("96")  # an approved reported figure
    assert rows["E02"].city.reason == NO_APPROVED  # reported, none approved
    assert rows["E04"].city.reason == NOT_COMPUTED  # computed, none stored
    assert rows["E03"].counties[0].value == Decimal("55") and rows["E03"].counties[1].value == Decimal("70")
    assert rows["E01"].counties[1].value == Decimal("94")
    assert rows["E01"].counties[0].reason == NO_APPROVED


def test_achieved_flags_and_the_gaps_largest_first(plan: Plan, stored: None) -> None:
    e = plan_evaluation(plan=plan)
    rows = _by_code(e)
    assert rows["E03"].city.achieved is True
    assert rows["E06"].city.achieved is False
    assert rows["C01"].city.achieved is False  # > 90 and the value is 90
    assert rows["C02"].city.achieved is True
    assert rows["E01"].city.achieved is True and rows["E09"].city.achieved is False
    assert rows["E04"].city.achieved is None  # no value
    assert rows["E03"].counties[0].achieved is False and rows["E03"].counties[1].achieved is True
    assert rows["E11"].counties[0].achieved is None  # a count in a county
    assert rows["E01"].counties[1].achieved is False
    assert (e.achieved, e.total) == (3, 26)
    assert [r.indicator.code for r in e.gaps] == ["E11", "E12", "E06", "E09", "C01"]
    assert rows["E11"].gap == Decimal(5) / Decimal(17)
    assert rows["C01"].gap == 0
    assert rows["E03"].gap is None  # achieved: no gap


def test_the_gap_turns_for_at_most_targets(plan: Plan, city: dict[str, Any]) -> None:
    i = indicator_of("E06")
    i.comparator, i.target = Indicator.Comparator.LTE, Decimal(10)
    assert relative_gap(i, Decimal(12)) == Decimal("0.2")  # 20 % above an at-most target
    i.comparator = Indicator.Comparator.GTE
    assert relative_gap(i, Decimal(8)) == Decimal("0.2")
    assert relative_gap(i, None) is None


def test_tasks_on_the_last_day_with_their_evidence(plan: Plan, stored: None) -> None:
    e = plan_evaluation(plan=plan)
    tasks = {t.state.task.code: t for t in e.tasks}
    assert len(tasks) == PlanTask.objects.filter(plan=plan).count()
    assert tasks["T01"].state.status == "done" and tasks["T01"].percent == 100
    assert tasks["T01"].evidence == ["验收报告.pdf"] and tasks["T01"].report_text == "已全面完成"
    assert tasks["T02"].state.status == "overdue"
    assert e.tasks_done == 1


def read(data: bytes | Path) -> CalamineWorkbook:
    if isinstance(data, bytes):
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    return CalamineWorkbook.from_path(str(data))


def check_workbook(wb: CalamineWorkbook, plan: Plan) -> None:
    """The workbook's city figures are the cockpit's for 2025, the counties' its sub-regions'."""
    assert wb.sheet_names == ["汇总", "指标", "任务"]
    summary = wb.get_sheet_by_name("汇总").to_python()
    assert summary[0][0] == f"{plan.name}终期评估"
    assert any(r[0] == "全市指标达标" and r[3] == "3 / 26" for r in summary)
    gap_rows = [r for r in summary if r and r[0] in {"E11", "E12", "E06", "E09", "C01"}]
    assert [r[0] for r in gap_rows] == ["E11", "E12", "E06", "E09", "C01"]
    assert gap_rows[0][5] == pytest.approx(29.4)
    sheet = wb.get_sheet_by_name("指标").to_python()
    assert sheet[0][0] == f"{plan.name}终期评估"
    assert sheet[2][6] == "淮北市" and sheet[2][8] == "相山区" and sheet[2][10] == "濉溪县"
    body = {r[1]: r for r in sheet[4:] if r and r[1]}
    c = cockpit(region=Region.objects.get(code=CITY), period="2025", plan=plan)
    assert len(c.cards) == len(body) == 26
    for card in c.cards:
        row = body[card.indicator.code]
        if card.value is None:
            assert isinstance(row[6], str) and row[7] == "—"
        else:
            assert row[6] == display_number(card.value)
            assert row[7] == ("已达标" if card.status.code == "achieved" else "未达标")
        county = c.child_values[card.indicator.code]
        for col, code in ((8, XS), (10, SX)):
            if county.get(code) is not None:
                assert row[col] == display_number(county[code])
    assert body["E04"][6] == "尚未计算" and body["E02"][6] == "无审核通过的填报值"
    assert body["E11"][9] == "—"  # a count in a county: no flag
    tasks = {r[0]: r for r in wb.get_sheet_by_name("任务").to_python()[3:] if r and r[0]}
    assert tasks["T01"][3] == "已完成" and tasks["T01"][5] == 100 and tasks["T01"][7] == "验收报告.pdf"
    assert tasks["T02"][3] == "逾期"


def test_the_workbook_has_the_cockpits_figures(plan: Plan, stored: None) -> None:
    check_workbook(read(evaluation_bytes(plan_evaluation(plan=plan))), plan)


def test_the_command(plan: Plan, stored: None, tmp_path: Path) -> None:
    out = tmp_path / "终期评估.xlsx"
    call_command("plan-evaluation", plan=SEED_PLAN, out=str(out))
    check_workbook(read(out), plan)
    with pytest.raises(CommandError):
        call_command("plan-evaluation", plan="no-such-plan", out=str(out))
    with pytest.raises(CommandError):
        call_command("plan-evaluation", plan=SEED_PLAN, out=str(tmp_path / "x.csv"))


URL = f"/plan/plans/{SEED_PLAN}/evaluation/"


def test_the_page_the_print_page_and_the_download(
    client: Client, plan: Plan, stored: None, xiangshan_officer: Any, admin_user: Any
) -> None:
    client.force_login(xiangshan_officer)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert f"{plan.name}终期评估" in html
    assert 'id="ind-E03"' in html and "62" in html
    assert 'id="evaluation-next"' not in html  # not an administrator
    for url in (URL + "?print=1", URL + "print/"):
        printed = client.get(url).content.decode()
        assert "@media print" in printed and "<nav" not in printed and "淮北市" in printed
        assert 'id="ind-E03"' in printed
    r = client.get(URL + "download/")
    assert r.status_code == 200
    check_workbook(read(r.content), plan)
    assert client.post(URL + "next/").status_code == 403
    assert client.get("/plan/plans/no-such-plan/evaluation/").status_code == 404
    client.force_login(admin_user)
    assert 'id="evaluation-next"' in client.get(URL).content.decode()
    r = client.post(URL + "next/")
    assert r.status_code == 302 and r["Location"] == "/plan/plans/huaibei-2026-2030/evaluation/"
    assert Plan.objects.get(code="huaibei-2026-2030").status == Plan.Status.DRAFT


def test_the_page_needs_a_sign_in(client: Client, city: dict[str, Any]) -> None:
    assert client.get(URL).status_code == 302


def test_start_the_next_plan(plan: Plan, stored: None, admin_user: Any, xiangshan_officer: Any) -> None:
    with pytest.raises(PermissionDenied):
        plan_start_next(xiangshan_officer, plan)
    assert not Plan.objects.filter(follows=plan).exists()
    new = plan_start_next(admin_user, plan)
    assert (new.code, new.first_year, new.last_year, new.baseline_year) == (
        "huaibei-2026-2030",
        2026,
        2030,
        2025,
    )
    assert new.status == Plan.Status.DRAFT and new.follows == plan and new.targets_are_examples
    finals = {r.indicator.code: r.city.value for r in plan_evaluation(plan=plan).indicators}
    rows = {i.code: i for i in Indicator.objects.filter(plan=new)}
    assert len(rows) == 26
    for code, i in rows.items():
        old = indicator_of(code)
        assert i.continues_id == old.pk and i.measure_id == old.measure_id
        assert i.baseline == finals[code] and i.baseline_year == 2025 and i.target_year == 2030
        assert i.target == old.target
        assert (i.note == NO_BASELINE_NOTE) == (finals[code] is None)
    assert rows["E03"].baseline == Decimal("62") and rows["E01"].baseline == Decimal("96")
    tasks = {t.code: t for t in PlanTask.objects.filter(plan=new)}
    assert len(tasks) == PlanTask.objects.filter(plan=plan).count()
    assert tasks["T01"].continues == task_of("T01") and "Done by the end" in tasks["T01"].note
    assert "Done by the end" not in tasks["T02"].note
    assert tasks["T01"].lead_unit == task_of("T01").lead_unit
    assert ChangeLog.objects.filter(target_id=new.code).count() == 2
    with pytest.raises(ValidationError) as exc:
        plan_start_next(admin_user, plan)  # the code is taken
    assert "code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        plan_start_next(admin_user, plan, first_year=2024, code="x-2024")
    assert "first_year" in exc.value.message_dict


def test_the_api(client: Client, plan: Plan, stored: None, admin_user: Any, xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    r = client.get(f"/api/v1/plan/plans/{SEED_PLAN}/evaluation")
    assert r.status_code == 200
    body = r.json()
    assert body["summary"]["achieved"] == 3 and body["summary"]["total"] == 26
    assert [g["code"] for g in body["summary"]["gaps"]] == ["E11", "E12", "E06", "E09", "C01"]
    e03 = next(i for i in body["indicators"] if i["code"] == "E03")
    assert e03["city"] == {"region_code": CITY, "value": 62, "reason": None, "achieved": True}
    assert (
        client.post(f"/api/v1/plan/plans/{SEED_PLAN}/next", {}, content_type="application/json").status_code
        == 403
    )
    assert client.get("/api/v1/plan/plans/nope/evaluation").status_code == 404
    client.force_login(admin_user)
    r = client.post(
        f"/api/v1/plan/plans/{SEED_PLAN}/next", {"last_year": 2035}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    assert r.json()["code"] == "huaibei-2026-2035" and r.json()["follows"] == SEED_PLAN
    r = client.post(
        f"/api/v1/plan/plans/{SEED_PLAN}/next", {"code": "Bad Code"}, content_type="application/json"
    )
    assert r.status_code == 422 and "code" in r.content.decode()
    r = client.post(
        f"/api/v1/plan/plans/{SEED_PLAN}/next", {"first_year": "soon"}, content_type="application/json"
    )
    assert r.status_code == 422 and "first_year" in r.content.decode()
    assert Plan.objects.filter(follows=plan).count() == 1
