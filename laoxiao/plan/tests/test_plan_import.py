"""``laoxiao import plan``: a city's own plan from a workbook (XlsxWriter here, read back with
python-calamine), written as a draft; all or nothing; Chinese headers; the cockpit judges values
against the plan's own targets once it is in force."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.management import call_command
from django.test import Client

from laoxiao.accounts.actions import system_actor
from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.models import ChangeLog
from laoxiao.imports.base import run_import
from laoxiao.plan.actions.plans import plan_put_in_force
from laoxiao.plan.engine import indicators_compute
from laoxiao.plan.models import Indicator, Measure, Plan, PlanTask
from laoxiao.plan.tests.test_engine import CITY
from laoxiao.plan.tests.test_engine import sample_city as sample_city  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

HEADER = [
    "code", "name", "unit", "baseline_year", "baseline", "target_year", "target",
    "comparator", "measure", "responsible_unit", "continues",
]  # fmt: skip
ZH_HEADER = [
    "编码", "指标名称", "单位", "基期年份", "基期值", "目标年份", "目标值",
    "比较方式", "计算口径", "责任单位", "延续指标",
]  # fmt: skip
# the sample city (test_engine) in 2022: E06 50.0, C02 92.0, C05 3.5. The seed plan says E06 is
# behind (49 → ≥ 52: 50.2 expected in 2022) and C02 achieved (> 90); this plan says the opposite.
INDICATORS = [
    ["B1", "护理型床位占比", "%", 2021, 48, 2025, 50, "≥", "E06", "市民政局", ""],
    ["V1", "疫苗接种率", "%", 2021, 95, 2025, 98, "gte", "vaccination_rate", "health_commission", ""],
    ["S1", "每千人口托位数", "个", 2021, 3, 2025, 4.5, ">=", "childcare_slots_per_1000", "市卫健委", ""],
    ["R1", "老年志愿者占比", "%", 2021, "", 2025, 20, "≥", "报送", "市民政局", ""],
]
TASKS = [
    ["T1", "新增护理型床位", "市民政局、市卫健委"],
    ["T2", "发展普惠托育", "health_commission、市民政局"],
]
PLAN = [
    ["code", "test-2022-2025"],
    ["name", "测试市“一老一小”方案"],
    ["first_year", 2022],
    ["last_year", 2025],
]


def workbook(
    path: Path,
    *,
    indicators: list[list[Any]] = INDICATORS,
    tasks: list[list[Any]] = TASKS,
    plan: list[list[Any]] | None = PLAN,
    header: list[str] = HEADER,
    task_header: tuple[str, ...] = ("code", "text", "units"),
    sheets: tuple[str, str, str] = ("indicators", "tasks", "plan"),
) -> Path:
    book = xlsxwriter.Workbook(str(path))
    for name, head, rows in (
        (sheets[0], header, indicators),
        (sheets[1], list(task_header), tasks),
    ):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, head)
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, row)
    if plan is not None:
        sheet = book.add_worksheet(sheets[2])
        for r, row in enumerate(plan):
            sheet.write_row(r, 0, row)
    book.close()
    return path


def test_a_plan_file_is_imported_as_a_draft(city: Any, admin_user: Any, tmp_path: Path) -> None:
    report = run_import("plan", workbook(tmp_path / "p.xlsx"), actor=admin_user)
    assert report.ok and report.written, report.errors
    plan = Plan.objects.get(code="test-2022-2025")
    assert plan.status == Plan.Status.DRAFT and plan.name == "测试市“一老一小”方案"
    assert (plan.first_year, plan.last_year, plan.baseline_year) == (2022, 2025, 2021)
    inds = {i.code: i for i in plan.indicators.all()}
    assert list(inds) == ["B1", "V1", "S1", "R1"]
    assert inds["B1"].measure_id == "nursing_bed_share"  # by the seed's code (alias)
    assert (
        inds["V1"].measure_id == "vaccination_rate" and inds["V1"].responsible_unit_id == "health_commission"
    )
    assert str(inds["S1"].target) == "4.5000" and inds["S1"].comparator == "gte"
    assert inds["R1"].measure_id == "test-2022-2025.r1" and inds["R1"].kind == "reported"
    assert Measure.objects.get(pk="test-2022-2025.r1").kind == Measure.Kind.REPORTED
    assert inds["R1"].baseline is None
    t1 = PlanTask.objects.get(plan=plan, code="T1")
    assert [u.code for u in t1.ordered_units] == ["civil_affairs", "health_commission"]
    assert t1.task_units.get(order=0).is_lead
    t2 = PlanTask.objects.get(plan=plan, code="T2")
    assert t2.lead_unit is not None and t2.lead_unit.code == "health_commission"
    assert ChangeLog.objects.filter(target_type="plan.plan", target_id=plan.code, action="create").exists()


def test_a_bad_file_writes_nothing_and_reports_every_bad_cell(
    city: Any, admin_user: Any, tmp_path: Path
) -> None:
    bad = [
        ["B1", "护理型床位占比", "%", 2021, "四十八", 2025, 50, "约", "E06", "市民政局", ""],
        ["V1", "疫苗接种率", "%", "21", 95, 2025, 98, "gte", "no_such_measure", "市教育局X", ""],
        ["B1", "", "%", 2021, 1, 2025, "", "≥", "报送", "", "nowhere:E01"],
    ]
    tasks = [["T1", "新增护理型床位", "市民政局、某某局"], ["T1", "", "市民政局"]]
    report = run_import(
        "plan", workbook(tmp_path / "bad.xlsx", indicators=bad, tasks=tasks), actor=admin_user
    )
    assert not report.ok and not report.written
    assert not Plan.objects.filter(code="test-2022-2025").exists()
    got = {(e.row, e.column) for e in report.errors}
    assert got == {
        (2, "indicators:baseline"),
        (2, "indicators:comparator"),
        (3, "indicators:baseline_year"),
        (3, "indicators:measure"),
        (3, "indicators:responsible_unit"),
        (4, "indicators:code"),  # duplicate of row 2
        (4, "indicators:name"),
        (4, "indicators:target"),
        (4, "indicators:continues"),
        (2, "tasks:units"),
        (3, "tasks:code"),  # duplicate of row 2
        (3, "tasks:text"),
    }, sorted(got)
    by_cell = {(e.row, e.column): e for e in report.errors}
    assert by_cell[(2, "indicators:baseline")].value == "四十八"
    assert by_cell[(2, "indicators:baseline")].reason_en == "Not a number."
    assert "某某局" in by_cell[(2, "tasks:units")].reason_en


def test_chinese_headers_and_sheet_names(city: Any, admin_user: Any, tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "zh.xlsx",
        header=ZH_HEADER,
        task_header=("任务编码", "任务内容", "责任单位"),
        sheets=("指标", "任务", "规划"),
        plan=[["编码", "zh-plan"], ["名称", "中文方案"], ["起始年份", 2022], ["终止年份", 2025]],
    )
    report = run_import("plan", path, actor=admin_user)
    assert report.ok, report.errors
    plan = Plan.objects.get(code="zh-plan")
    assert plan.name == "中文方案" and plan.indicators.count() == 4 and plan.tasks.count() == 2


def test_without_a_plan_sheet_the_code_comes_from_the_options_or_the_file(
    city: Any, admin_user: Any, tmp_path: Path
) -> None:
    report = run_import("plan", workbook(tmp_path / "Suzhou-2026.xlsx", plan=None), actor=admin_user)
    assert report.ok, report.errors
    plan = Plan.objects.get(code="suzhou-2026")
    assert (plan.baseline_year, plan.first_year, plan.last_year) == (2021, 2022, 2025)
    report = run_import(
        "plan",
        workbook(tmp_path / "x.xlsx", plan=None),
        actor=admin_user,
        options={"plan_code": "opt-plan", "name": "选项方案"},
    )
    assert report.ok, report.errors
    assert Plan.objects.get(code="opt-plan").name == "选项方案"


def test_reimporting_a_draft_replaces_it_and_a_plan_in_force_is_refused(
    city: Any, admin_user: Any, tmp_path: Path
) -> None:
    assert run_import("plan", workbook(tmp_path / "p.xlsx"), actor=admin_user).ok
    fewer = workbook(tmp_path / "p2.xlsx", indicators=INDICATORS[:2], tasks=TASKS[:1])
    report = run_import("plan", fewer, actor=admin_user)
    assert report.ok and report.written
    plan = Plan.objects.get(code="test-2022-2025")
    assert plan.indicators.count() == 2 and plan.tasks.count() == 1
    plan_put_in_force(admin_user, plan)
    report = run_import("plan", workbook(tmp_path / "p3.xlsx"), actor=admin_user)
    assert not report.ok and not report.written
    assert "new version" in report.errors[0].reason_en
    assert Plan.objects.get(code="test-2022-2025").indicators.count() == 2


def test_continues_reuses_the_measure_of_the_indicator_it_names(
    city: Any, admin_user: Any, tmp_path: Path
) -> None:
    rows = [
        [
            "R1",
            "基本养老保险参保率",
            "%",
            2025,
            95,
            2030,
            96,
            "≥",
            "",
            "市人力社保局",
            "huaibei-2021-2025:E01",
        ],
        ["R2", "老年教育参与率", "%", 2025, "", 2030, 25, "≥", "reported", "", "E14"],
    ]
    plan = [["code", "next"], ["name", "十五五"], ["follows", "huaibei-2021-2025"]]
    report = run_import("plan", workbook(tmp_path / "n.xlsx", indicators=rows, plan=plan), actor=admin_user)
    assert report.ok, report.errors
    inds = {i.code: i for i in Indicator.objects.filter(plan_id="next")}
    assert inds["R1"].measure_id == "pension_insurance_coverage"
    assert inds["R1"].responsible_unit_id == "human_resources"  # by the alias 市人力社保局
    assert inds["R2"].measure_id == "elder_education_participation"
    assert inds["R2"].continues is not None and inds["R2"].continues.plan_id == "huaibei-2021-2025"


def test_only_city_administrators_import_plans(city: Any, xiangshan_officer: Any, tmp_path: Path) -> None:
    report = run_import("plan", workbook(tmp_path / "p.xlsx"), actor=xiangshan_officer)
    assert not report.ok and not Plan.objects.filter(code="test-2022-2025").exists()


def test_the_import_command_takes_a_plan_code_and_name(city: Any, tmp_path: Path) -> None:
    system_actor()
    call_command(
        "import", "plan", str(workbook(tmp_path / "p.xlsx", plan=None)), plan_code="cmd", name="命令"
    )
    assert Plan.objects.get(code="cmd").name == "命令"


def _cockpit(client: Client, plan: str, period: str) -> dict[str, Any]:
    response = client.get(f"/plan/cockpit/?plan={plan}&period={period}")
    assert response.status_code == 200
    html = response.content.decode()
    m = re.search(r'<script id="cockpit-data" type="application/json">(.*?)</script>', html, re.S)
    assert m
    data: dict[str, Any] = json.loads(m.group(1))
    return data


def _statuses(data: dict[str, Any]) -> dict[str, Any]:
    return {c["code"]: c.get("status") for c in data["indicators"]}


def test_the_cockpit_judges_against_this_plans_targets(
    sample_city: None, client: Client, tmp_path: Path
) -> None:
    admin_user = make_user("admin", ["city_admin"], [CITY])
    assert run_import("plan", workbook(tmp_path / "p.xlsx"), actor=admin_user).ok
    plan_put_in_force(admin_user, Plan.objects.get(code="test-2022-2025"))
    indicators_compute(period="2022", region_codes=[CITY])
    client.force_login(admin_user)
    mine = _statuses(_cockpit(client, "test-2022-2025", "2022"))
    seed = _statuses(_cockpit(client, "huaibei-2021-2025", "2022"))
    assert set(mine) == {"B1", "V1", "S1", "R1"}
    assert mine["B1"] == "achieved" and seed["E06"] == "behind"  # 50.0 against ≥ 50 / 49 → ≥ 52
    assert mine["V1"] == "behind" and seed["C02"] == "achieved"  # 92.0 against 95 → ≥ 98 / > 90
    assert mine["R1"] is None  # reported, nothing filed
