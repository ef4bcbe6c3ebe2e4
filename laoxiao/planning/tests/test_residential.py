"""Residential projects: the standards check (pure), the actions (scope, permission, log), the
selectors, the import kind and indicator E05, on projects built by hand with known answers."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from laoxiao.accounts.actions import system_actor
from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog, RuleVersion
from laoxiao.demo.generator import DemoContext, DemoRegion
from laoxiao.demo.residential import plan_projects, residential_step
from laoxiao.imports.base import run_import
from laoxiao.plan.calculators import MEASURE_KEYS, REGISTRY, Period, Scope
from laoxiao.planning import actions
from laoxiao.planning.analysis import residential as r
from laoxiao.planning.indicators import DEFINITION as E05
from laoxiao.planning.models import ResidentialProject
from laoxiao.planning.selectors import residential as projects

RULE = {
    "new": {"floor_area_per_100_households": 30, "slots_per_1000_residents": 10},
    "existing": {"floor_area_per_100_households": 20, "slots_per_1000_residents": 8},
    "single_facility_min_area": 350,
    "single_facility_area_types": ["new"],
}
STANDARDS = r.Standards.from_rule(RULE)


def project(area_type: str = "new", households: int = 1000, residents: int = 3000, **kw: Any) -> r.Project:
    values = {"eldercare_floor_area": 400.0, "largest_facility_area": 400.0, "childcare_slots": 30} | kw
    return r.Project("P1", "锦湖苑", area_type, households, residents, **values)


# --- the check (pure) ---------------------------------------------------------------------------


def test_exactly_at_every_standard_passes():
    result = r.check(
        project(
            eldercare_floor_area=350.0,
            largest_facility_area=350.0,
            households=1000,
            residents=3000,
            childcare_slots=30,
        ),
        STANDARDS,
    )
    assert result.passed
    assert [c.standard for c in result.checks] == ["floor_area", "slots", "single_facility"]
    assert result.by_standard()["floor_area"].actual == pytest.approx(35.0)


def test_floor_space_short_with_its_reason():
    result = r.check(
        project(
            households=500,
            eldercare_floor_area=92.5,
            largest_facility_area=92.5,
            residents=1000,
            childcare_slots=10,
        ),
        STANDARDS,
    )
    assert not result.passed
    assert result.reasons_zh() == [
        "新建居住区每百户养老服务设施建筑面积不足30平方米（实有18.5）",
        "新建居住区单处养老服务设施建筑面积不足350平方米（实有92.5）",
    ]
    assert (
        result.reasons_en()[0]
        == "new residential area: elder-care floor space below 30 m² per 100 households (actual 18.5)"
    )


def test_slots_short_and_just_enough():
    assert not r.check(project(residents=3001, childcare_slots=30), STANDARDS).by_standard()["slots"].passed
    assert r.check(project(residents=3000, childcare_slots=30), STANDARDS).by_standard()["slots"].passed
    assert r.check(project(residents=3001, childcare_slots=30), STANDARDS).reasons_zh() == [
        "新建居住区每千人口托位数不足10个（实有10）"
    ]


def test_existing_areas_have_the_lower_standard_and_no_single_facility_rule():
    result = r.check(
        project(
            "existing",
            households=1000,
            residents=1000,
            eldercare_floor_area=200.0,
            largest_facility_area=100.0,
            childcare_slots=8,
        ),
        STANDARDS,
    )
    assert result.passed
    assert "single_facility" not in result.by_standard()
    short = r.check(
        project(
            "existing",
            households=1000,
            residents=1000,
            eldercare_floor_area=199.0,
            largest_facility_area=100.0,
            childcare_slots=7,
        ),
        STANDARDS,
    )
    assert short.reasons_zh() == [
        "已建成居住区每百户养老服务设施建筑面积不足20平方米（实有19.9）",
        "已建成居住区每千人口托位数不足8个（实有7）",
    ]


def test_no_households_or_residents_cannot_pass():
    result = r.check(project(households=0, residents=0), STANDARDS)
    assert not result.passed
    assert result.reasons_zh() == [
        "新建居住区未填户数，无法核算每百户养老服务设施建筑面积",
        "新建居住区未填居住人口，无法核算每千人口托位数",
    ]


def test_single_facility_rule_can_be_switched_off_by_the_rule():
    standards = r.Standards.from_rule(RULE | {"single_facility_area_types": []})
    assert r.check(project(largest_facility_area=100.0), standards).passed


def test_e05_pure_counts_new_areas_only():
    results = [
        r.check(project(), STANDARDS),
        r.check(project(eldercare_floor_area=10.0, largest_facility_area=10.0), STANDARDS),
        r.check(project("existing"), STANDARDS),
    ]
    e = r.e05(results)
    assert (e.numerator, e.denominator, e.value) == (1, 2, 50.0)
    assert r.e05([]).value is None


# --- actions, selectors, import -------------------------------------------------------------------

XS1, XS2, SX1 = "340603001001", "340603001002", "340621100001"


def data(code: str = "JZ-1", region: str = XS1, **kw: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": "锦湖苑",
        "region_code": region,
        "area_type": "new",
        "households": 1000,
        "residents": 2800,
        "eldercare_floor_area": 400,
        "largest_facility_area": 400,
        "childcare_slots": 28,
        "delivery_date": dt.date(2021, 6, 30),
    } | kw


def test_create_logs_and_update_logs_the_change(xiangshan_officer):
    p = actions.residential_project_create(actor=xiangshan_officer, data=data())
    assert p.eldercare_floor_area == 400 and p.acceptance == "pending"
    log = ChangeLog.objects.get(target_id=str(p.pk), action="create")
    assert log.region_code == XS1 and log.changes["households"] == [None, 1000]
    with pytest.raises(ValidationError):  # the largest facility (400) would exceed the total
        actions.residential_project_update(
            actor=xiangshan_officer, project=p, data={"eldercare_floor_area": 250}
        )
    actions.residential_project_update(
        actor=xiangshan_officer, project=p, data={"eldercare_floor_area": 250, "largest_facility_area": 250}
    )
    upd = ChangeLog.objects.get(target_id=str(p.pk), action="update")
    assert upd.changes == {
        "eldercare_floor_area": ["400.00", "250.00"],
        "largest_facility_area": ["400.00", "250.00"],
    }
    # the same value again: nothing changes, nothing logged
    actions.residential_project_update(
        actor=xiangshan_officer, project=p, data={"eldercare_floor_area": "250.00"}
    )
    assert ChangeLog.objects.filter(target_id=str(p.pk)).count() == 2


def test_scope_and_permission(xiangshan_officer, suixi_officer, nobody):
    with pytest.raises(NotFound):
        actions.residential_project_create(actor=xiangshan_officer, data=data(region=SX1))
    with pytest.raises(NotFound):
        actions.residential_project_create(actor=nobody, data=data())
    # a health officer manages childcare: may record projects in their county
    p = actions.residential_project_create(actor=suixi_officer, data=data("JZ-2", SX1))
    with pytest.raises(NotFound):
        actions.residential_project_update(actor=xiangshan_officer, project=p, data={"households": 5})
    with pytest.raises(NotFound):  # moving a project out of one's regions
        q = actions.residential_project_create(actor=xiangshan_officer, data=data("JZ-3"))
        actions.residential_project_update(actor=xiangshan_officer, project=q, data={"region_code": SX1})


def test_a_role_without_a_sector_may_not_write(city):

    reporter = make_user("rep", ["bureau_reporter"], ["340603000000"])
    with pytest.raises(PermissionDenied):
        actions.residential_project_create(actor=reporter, data=data())


def test_bad_content_names_the_field(xiangshan_officer):
    with pytest.raises(ValidationError) as exc:
        actions.residential_project_create(
            actor=xiangshan_officer, data=data(largest_facility_area=500, households=-1)
        )
    assert set(exc.value.message_dict) == {"largest_facility_area", "households"}
    actions.residential_project_create(actor=xiangshan_officer, data=data())
    with pytest.raises(ValidationError) as exc:
        actions.residential_project_create(actor=xiangshan_officer, data=data())
    assert "code" in exc.value.message_dict


def test_selectors_are_scoped(admin_user, xiangshan_officer, suixi_officer):
    a = actions.residential_project_create(actor=admin_user, data=data("A", XS1))
    b = actions.residential_project_create(actor=admin_user, data=data("B", SX1, area_type="existing"))
    assert [p.code for p in projects.residential_project_list(actor=xiangshan_officer)] == ["A"]
    assert [p.code for p in projects.residential_project_list(actor=admin_user, area_type="existing")] == [
        "B"
    ]
    assert [p.code for p in projects.residential_project_list(actor=admin_user, region="340621000000")] == [
        "B"
    ]
    assert projects.residential_project_get(actor=xiangshan_officer, pk=a.pk) == a
    with pytest.raises(NotFound):
        projects.residential_project_get(actor=xiangshan_officer, pk=b.pk)
    checked = projects.residential_checks([a, b])
    assert [c.result.passed for c in checked] == [True, True]


CSV = """项目编号,项目名称,区划代码,居住区类型,户数,居住人口,养老服务设施建筑面积,最大单处设施面积,托位数,交付日期,验收结果
JZ-1,锦湖苑,340603001001,新建居住区,1000,2800,400,400,28,2021-06-30,验收合格
JZ-2,老城改造,340603001002,existing,800,2300,120,200,19,,
"""


def test_import_checks_every_cell_then_writes_and_reimports_unchanged(xiangshan_officer):
    report = run_import(
        "residential_projects", io.BytesIO(CSV.encode()), actor=xiangshan_officer, filename="p.csv"
    )
    assert not report.written
    assert [(e.row, e.column) for e in report.errors] == [(3, "最大单处设施面积")]
    good = CSV.replace("120,200", "200,120")
    report = run_import(
        "residential_projects", io.BytesIO(good.encode()), actor=xiangshan_officer, filename="p.csv"
    )
    assert report.written and report.result.created == 2
    assert ResidentialProject.objects.get(code="JZ-1").acceptance == "passed"
    again = run_import(
        "residential_projects", io.BytesIO(good.encode()), actor=xiangshan_officer, filename="p.csv"
    )
    assert again.result.unchanged == 2 and again.result.created == 0


def test_import_refuses_regions_outside_the_actor(suixi_officer):
    report = run_import(
        "residential_projects", io.BytesIO(CSV.encode()), actor=suixi_officer, filename="p.csv"
    )
    assert {(e.row, e.column) for e in report.errors} >= {(2, "区划代码"), (3, "区划代码")}
    assert not ResidentialProject.objects.exists()


# --- E05 ------------------------------------------------------------------------------------------


def e05(region: str, period: str) -> tuple[Any, Any]:
    scope = Scope(region_code=region, period=Period.parse(period))
    result = E05.compute(scope.ctx(), [region])[region]
    return result.numerator, result.denominator


def test_e05_counts_new_areas_delivered_by_the_period_end(admin_user):
    make = actions.residential_project_create
    make(actor=admin_user, data=data("ok", XS1, delivery_date=dt.date(2021, 3, 1)))
    make(
        actor=admin_user,
        data=data(
            "short",
            XS2,
            delivery_date=dt.date(2021, 6, 1),
            eldercare_floor_area=200,
            largest_facility_area=200,
        ),
    )
    make(actor=admin_user, data=data("later", XS1, delivery_date=dt.date(2022, 1, 1)))
    make(actor=admin_user, data=data("undelivered", XS1, delivery_date=None))
    make(
        actor=admin_user,
        data=data("old", XS1, area_type="existing", eldercare_floor_area=10, largest_facility_area=10),
    )
    make(actor=admin_user, data=data("sx-ok", SX1, delivery_date=dt.date(2020, 12, 31)))
    assert e05("340600000000", "2021") == (2, 3)
    assert e05("340603000000", "2021") == (1, 2)
    assert e05("340603001001", "2021") == (1, 1)
    assert e05("340621000000", "2021") == (1, 1)
    assert e05("340600000000", "2020") == (1, 1)  # only what was delivered by 2020-12-31
    assert e05("340600000000", "2022") == (3, 4)
    assert e05("340600000000", "2019") == (0, 0)  # nothing delivered: no value


def test_e05_uses_the_standard_in_force_on_delivery(admin_user):
    RuleVersion.objects.create(
        key="planning.residential_standards",
        effective_from=dt.date(2021, 5, 1),
        data=RULE | {"new": {"floor_area_per_100_households": 45, "slots_per_1000_residents": 10}},
        certainty="?",
    )
    make = actions.residential_project_create
    make(
        actor=admin_user, data=data("before", XS1, delivery_date=dt.date(2021, 4, 30))
    )  # 40 per 100: ok then
    make(actor=admin_user, data=data("after", XS1, delivery_date=dt.date(2021, 5, 1)))  # 40 < 45: short
    assert e05("340600000000", "2021") == (1, 2)


def test_e05_is_registered_and_computed(city):

    assert REGISTRY[MEASURE_KEYS["E05"]].definition is E05


# --- the demo step --------------------------------------------------------------------------------


def test_demo_projects_are_deterministic_and_rerun_changes_nothing(city):

    regions = [
        DemoRegion(code, "x", "community", code[:9] + "000", code.startswith("340621"))
        for code in (XS1, XS2, SX1)
    ]
    ctx = DemoContext(seed=7, scale=0.25, years=(2021,), actor=system_actor(), regions=regions)
    residential_step(ctx, lambda n: None)
    assert ctx.summary["residential"].created == 10
    assert ResidentialProject.objects.filter(region_code=SX1).count() == 0  # villages get none
    residential_step(ctx, lambda n: None)
    assert ctx.summary["residential"].unchanged == 10
    assert plan_projects(regions, 7, 0.25) == plan_projects(regions, 7, 0.25)
    assert plan_projects(regions, 8, 0.25) != plan_projects(regions, 7, 0.25)
    big = plan_projects(regions, 1, 2.0)  # 80 projects: about a quarter short of a standard
    short = sum(not r.check(projects.as_project(ResidentialProject(**p)), STANDARDS).passed for p in big)
    assert 8 <= short <= 40
