"""The major project list (重大项目清单): actions, API, page, import (all or nothing) and export."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from python_calamine import CalamineWorkbook

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.models import ChangeLog
from laoxiao.imports.base import run_import
from laoxiao.plan.actions import tasks as actions
from laoxiao.plan.models import MajorProject
from laoxiao.plan.selectors import tasks as sel

pytestmark = pytest.mark.django_db

TOWN = "340603001000"  # 东街道, 相山区
SUIXI_TOWN = "340621100000"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def fgw(city: dict[str, Any]) -> Any:
    return make_user("fgw", ["bureau_reporter"], [], unit_id="development_reform")


def _data(**over: Any) -> dict[str, Any]:
    data = {
        "year": 2022,
        "name": "东街道养老服务中心建设项目",
        "kind": "eldercare_home",
        "region_code": TOWN,
        "investment": Decimal("5200.50"),
        "beds_added": 200,
        "nursing_beds_added": 140,
    }
    data.update(over)
    return data


def test_development_reform_reporters_and_admins_keep_the_list(
    fgw: Any, admin_user: Any, xiangshan_officer: Any
) -> None:
    p = actions.major_project_create(actor=fgw, data=_data())
    assert (p.status, p.slots_added, p.floor_area_added) == ("planned", 0, Decimal(0))
    actions.major_project_update(actor=admin_user, project=p, data={"status": "under_construction"})
    with pytest.raises(PermissionDenied):
        actions.major_project_create(actor=xiangshan_officer, data=_data(name="other"))
    mzj = make_user("mzj", ["bureau_reporter"], [], unit_id="civil_affairs")
    with pytest.raises(PermissionDenied):
        actions.major_project_update(actor=mzj, project=p, data={"beds_added": 1})
    logged = ChangeLog.objects.filter(target_type="plan.majorproject", target_id=str(p.pk))
    assert logged.count() == 2 and logged.filter(region_code=TOWN).count() == 2


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"nursing_beds_added": 201}, "nursing_beds_added"),
        ({"region_code": "340699999000"}, "region_code"),
        ({"kind": "castle"}, "kind"),
        ({"investment": Decimal("-1")}, "investment"),
        ({"name": "  "}, "name"),
        ({"unit_id": "nope"}, "unit_id"),
    ],
)
def test_bad_projects_are_refused(fgw: Any, over: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.major_project_create(actor=fgw, data=_data(**over))
    assert field in exc.value.message_dict
    assert not MajorProject.objects.exists()


def test_same_name_twice_in_a_year_is_refused(fgw: Any) -> None:
    actions.major_project_create(actor=fgw, data=_data())
    with pytest.raises(ValidationError) as exc:
        actions.major_project_create(actor=fgw, data=_data())
    assert "name" in exc.value.message_dict
    actions.major_project_create(actor=fgw, data=_data(year=2023))  # another year's list may repeat it


def test_api_list_create_update_and_422(fgw: Any, xiangshan_officer: Any) -> None:
    c = _client(fgw)
    body = {**_data(), "investment": "5200.50", "unit": "civil_affairs"}
    r = c.post("/api/v1/plan/major-projects", body, content_type="application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["unit"] == "civil_affairs" and r.json()["investment"] == "5200.50"
    r = c.post(
        "/api/v1/plan/major-projects",
        {**body, "name": "x", "region_code": "3406"},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "region_code"
    r = c.post(
        "/api/v1/plan/major-projects",
        {**body, "name": "y", "nursing_beds_added": 500},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "nursing_beds_added"
    r = c.patch(
        f"/api/v1/plan/major-projects/{pk}",
        {"slots_added": 60, "kind": "integrated"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["slots_added"] == 60 and r.json()["beds_added"] == 200
    staff = _client(xiangshan_officer)
    assert staff.get("/api/v1/plan/major-projects?year=2022").json()["count"] == 1
    assert staff.get("/api/v1/plan/major-projects?year=2021").json()["count"] == 0
    assert (
        staff.patch(
            f"/api/v1/plan/major-projects/{pk}", {"slots_added": 1}, content_type="application/json"
        ).status_code
        == 403
    )
    totals = staff.get("/api/v1/plan/major-projects/totals?year=2022&region=340603").json()
    assert totals["count"] == 1 and totals["beds_added"] == 200
    assert staff.get("/api/v1/plan/major-projects/totals?region=340621").json()["count"] == 0


def test_page_filters_by_year_with_totals(fgw: Any, xiangshan_officer: Any) -> None:
    actions.major_project_create(actor=fgw, data=_data())
    actions.major_project_create(
        actor=fgw,
        data=_data(
            name="濉溪镇托育服务中心",
            kind="childcare_centre",
            region_code=SUIXI_TOWN,
            investment=Decimal("800"),
            beds_added=0,
            nursing_beds_added=0,
            slots_added=150,
        ),
    )
    actions.major_project_create(actor=fgw, data=_data(year=2021, name="旧项目", investment=Decimal("1000")))
    html = _client(xiangshan_officer).get("/plan/major-projects/?year=2022").content.decode()
    assert "濉溪镇托育服务中心" in html and "旧项目" not in html
    assert (
        'id="total-investment">6000.50<' in html
        and 'id="total-slots">150<' in html
        and 'id="total-beds">200<' in html
    )
    assert "/plan/major-projects/" in html and '<form method="post"' not in html  # staff read, no form
    page = _client(fgw).get("/plan/major-projects/").content.decode()
    assert '<form method="post"' in page
    r = _client(fgw).post(
        "/plan/major-projects/",
        {
            "year": "2022",
            "name": "x",
            "kind": "eldercare_home",
            "region_code": TOWN,
            "investment": "10",
            "beds_added": "5",
            "nursing_beds_added": "9",
            "slots_added": "0",
            "floor_area_added": "0",
            "status": "planned",
        },
    )
    assert r.status_code == 422 and "护理型床位多于床位总数" in r.content.decode()  # the page speaks Chinese
    assert sel.capacity_added(region_prefix="340621", year=2022)["slots_added"] == 150


def _xlsx(rows: list[list[Any]]) -> io.BytesIO:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for i, row in enumerate(rows):
        sheet.write_row(i, 0, row)
    book.close()
    out.seek(0)
    return out


HEADER = [
    "年度",
    "项目名称",
    "项目类型",
    "区划代码",
    "总投资（万元）",
    "新增床位",
    "新增护理型床位",
    "新增托位",
    "项目状态",
    "责任单位",
]


def test_import_is_all_or_nothing_with_cell_errors(fgw: Any) -> None:
    bad = _xlsx(
        [
            HEADER,
            [2022, "甲项目", "养老机构", TOWN, 3000, 100, 80, 0, "在建", "市民政局"],
            [2022, "乙项目", "城堡", TOWN, 3000, 100, 120, 0, "在建", "市民政局"],
            [2022, "丙项目", "托育机构", TOWN, "-5", 0, 0, 80, "计划", "nobody"],
            [2022, "丁项目", "养老机构", "340699999000", 10, 10, 20, 0, "计划", ""],
            [2022, "甲项目", "养老机构", TOWN, 1, 0, 0, 0, "计划", ""],
        ]
    )
    report = run_import("major_projects", bad, actor=fgw, filename="list.xlsx")
    errors = {(e.row, e.column) for e in report.errors}
    assert errors == {
        (3, "项目类型"),
        (4, "总投资（万元）"),
        (4, "责任单位"),
        (5, "区划代码"),
        (5, "新增护理型床位"),
        (6, "年度"),  # the same (year, name) as row 2
    }
    assert not MajorProject.objects.exists()
    good = _xlsx(
        [
            HEADER,
            [2022, "甲项目", "养老机构", TOWN, 3000, 100, 80, 0, "在建", "市民政局"],
            [2022, "丙项目", "托育机构", SUIXI_TOWN, 800.5, 0, 0, 80, "计划", "health_commission"],
        ]
    )
    report = run_import("major_projects", good, actor=fgw, filename="list.xlsx")
    assert report.ok and (report.result.created, report.result.updated) == (2, 0)
    p = MajorProject.objects.get(name="丙项目")
    assert (p.investment, p.slots_added, p.unit_id, p.status) == (
        Decimal("800.50"),
        80,
        "health_commission",
        "planned",
    )
    good.seek(0)
    again = run_import("major_projects", good, actor=fgw, filename="list.xlsx")
    assert (again.result.created, again.result.updated, again.result.unchanged) == (0, 0, 2)


def test_import_refused_to_other_units(admin_user: Any, xiangshan_officer: Any) -> None:
    rows = _xlsx([HEADER, [2022, "甲项目", "养老机构", TOWN, 3000, 100, 80, 0, "在建", "市民政局"]])
    report = run_import("major_projects", rows, actor=xiangshan_officer, filename="list.xlsx")
    assert not report.ok and not MajorProject.objects.exists()
    mzj = make_user("mzj", ["bureau_reporter"], [], unit_id="civil_affairs")  # another bureau's reporter
    rows.seek(0)
    assert not run_import("major_projects", rows, actor=mzj, filename="list.xlsx").ok
    rows.seek(0)
    assert run_import("major_projects", rows, actor=admin_user, filename="list.xlsx").ok


def test_export_round_trip(fgw: Any, admin_user: Any) -> None:
    actions.major_project_create(
        actor=fgw, data=_data(unit_id="civil_affairs", floor_area_added=Decimal("350.5"))
    )
    assert "major_projects" in _client(fgw).get("/imports/").content.decode()  # offered on the upload page
    r = _client(fgw).get("/plan/major-projects/export.xlsx")
    assert r.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][:5] == ["年度", "项目名称", "项目类型", "区划代码", "总投资（万元）"]
    assert sheet[1][1] == "东街道养老服务中心建设项目" and sheet[1][3] == TOWN
    MajorProject.objects.all().delete()
    report = run_import("major_projects", io.BytesIO(r.content), actor=admin_user, filename="export.xlsx")
    assert report.ok, [e.as_dict() for e in report.errors]
    p = MajorProject.objects.get()
    assert (p.investment, p.nursing_beds_added, p.floor_area_added, p.unit_id) == (
        Decimal("5200.50"),
        140,
        Decimal("350.50"),
        "civil_affairs",
    )
