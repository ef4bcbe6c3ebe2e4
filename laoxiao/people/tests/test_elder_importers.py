"""Import kinds elders, assessments, welfare-visits and health-checks: the acceptance sample, every
bad cell reported with nothing written, idempotent re-import, masked exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.models import ChangeLog
from laoxiao.imports.base import ImportReport
from laoxiao.imports.exporters import render
from laoxiao.people.models import AbilityAssessment, Elder, ElderCategory, HealthCheck, WelfareVisit
from laoxiao.people.tests.factories import make_elder, make_elder_id, run_csv
from laoxiao.providers.models import Provider
from laoxiao.regions.models import Region

# rows copied from the acceptance sample (one district of Huaibei, two communities)
ELDERS = """id_number,name,phone,region_code,address,categories,support_mode,living_arrangement,provider_uscc,died_on
340604194203030213,赵大爷,13700000001,340604001001,甲路1号,extreme_poverty,institutional,institution,52340604000001011D,
340604194704040225,钱奶奶,13700000002,340604001002,乙路9号,extreme_poverty,dispersed,with_family,,
340604195005050250,孙大爷,13700000003,340604001002,乙路10号,,,alone,,
340604195106060263,李奶奶,13700000004,340604001002,乙路11号,,,empty_nest,,
"""
ITEM_HEADER = (
    "eating,grooming,bathing,dressing_upper,dressing_lower,urination,defecation,toileting,bed_mobility,transfer,"
    "walking,stairs,time_orientation,place_orientation,person_orientation,memory,comprehension,expression,"
    "aggression,depression,consciousness,vision,hearing,daily_affairs,transportation,social_interaction"
)
ASSESSMENTS = f"""id_number,assessed_on,reason,{ITEM_HEADER},coma,dementia,psychiatric,risk_events_30d
340604194203030213,2022-02-01,first,4,4,4,4,4,4,4,4,4,4,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0
340604194704040225,2022-02-02,first,4,4,4,4,4,4,4,4,4,4,4,3,4,4,4,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0
"""
VISITS = """id_number,visited_on,mode,visitor
340604195005050250,2022-03-10,home,网格员
340604194704040225,2022-03-15,phone,网格员
340604195106060263,2022-02-20,home,网格员
"""
CHECKS = """id_number,checked_on,complete
340604194203030213,2022-06-01,1
340604194704040225,2022-06-01,1
340604195005050250,2022-06-01,1
"""


@pytest.fixture
def sample(city: dict[str, Any]) -> dict[str, Any]:
    county = Region.objects.create(code="340604000000", name="烈山区", level="county", parent=city["city"])
    town = Region.objects.create(code="340604001000", name="任楼街道", level="township", parent=county)
    for code, name in (("340604001001", "甲社区"), ("340604001002", "乙社区")):
        Region.objects.create(code=code, name=name, level="community", parent=town)
    home = Provider.objects.create(
        uscc="52340604000001011D",
        name="烈山区颐养中心",
        kind="eldercare_home",
        ownership="public",
        supply_tier="safety_net",
        region_id="340604001001",
        region_code="340604001001",
        beds=60,
        nursing_beds=40,
    )
    Provider.objects.create(
        uscc="523406040000010460",
        name="乙社区普惠托育园",
        kind="childcare_centre",
        ownership="private",
        supply_tier="inclusive",
        region_id="340604001002",
        region_code="340604001002",
    )
    return {"home": home}


def errors(report: ImportReport) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in report.errors]


def load_sample(actor: Any) -> None:
    for kind, text in (
        ("elders", ELDERS),
        ("assessments", ASSESSMENTS),
        ("welfare-visits", VISITS),
        ("health-checks", CHECKS),
    ):
        report = run_csv(kind, text, actor)
        assert report.ok, (kind, [e.as_dict() for e in report.errors])


def test_the_sample_imports_cleanly_and_twice_changes_nothing(
    sample: dict[str, Any], admin_user: Any
) -> None:
    load_sample(admin_user)
    assert Elder.objects.count() == 4
    zhao = Elder.objects.get(name="赵大爷")
    assert (zhao.provider_id, zhao.sex, zhao.birth_date) == (sample["home"].pk, "M", dt.date(1942, 3, 3))
    assert AbilityAssessment.objects.get(elder=zhao).level == "severe"
    assert AbilityAssessment.objects.get(elder__name="钱奶奶").level == "moderate"
    assert (WelfareVisit.objects.count(), HealthCheck.objects.count()) == (3, 3)
    # categories of a person new to the registry hold from their 60th birthday
    cat = ElderCategory.objects.get(elder=zhao)
    assert (cat.category, cat.support_mode, cat.valid_from, cat.valid_to) == (
        "extreme_poverty",
        "institutional",
        dt.date(2002, 3, 3),
        None,
    )
    logs = ChangeLog.objects.count()
    for kind, text in (
        ("elders", ELDERS),
        ("assessments", ASSESSMENTS),
        ("welfare-visits", VISITS),
        ("health-checks", CHECKS),
    ):
        report = run_csv(kind, text, admin_user)
        assert report.ok and report.result.created == report.result.updated == 0
    assert ChangeLog.objects.count() == logs
    assert Elder.objects.count() == 4


def test_chinese_headers_are_accepted(sample: dict[str, Any], admin_user: Any) -> None:
    text = "身份证号,姓名,社区区划代码,居住情况\n340604195005050250,孙大爷,340604001002,独居\n"
    report = run_csv("elders", text, admin_user)
    assert report.ok, [e.as_dict() for e in report.errors]
    assert Elder.objects.get().living_arrangement == "alone"


def test_every_bad_elder_cell_is_reported_and_nothing_written(
    sample: dict[str, Any], admin_user: Any
) -> None:
    other = make_elder_id(dt.date(1945, 1, 1), 3, county="340604")
    young = make_elder_id(
        timezone.localdate().replace(year=timezone.localdate().year - 50), 1, county="340604"
    )
    text = (
        "id_number,name,region_code,categories,support_mode,living_arrangement,provider_uscc,died_on\n"
        "340604194203030214,赵大爷,340604001001,,,alone,,\n"  # 2: bad check digit
        f"{young},小王,340604001001,,,alone,,\n"  # 3: under 60
        "340604195005050250,孙大爷,340604001099,,,alone,,\n"  # 4: region unknown
        "340604195106060263,李奶奶,340604001000,dibao,dispersed,alone,,\n"  # 5: a township; mode without poverty
        "340604194704040225,钱奶奶,340604001002,extreme_poverty,,institution,523406040000010460,2099-01-01\n"  # 6
        "340604194704040225,钱奶奶,340604001002,,,,,\n"  # 7: duplicate of row 6
        f"{other},孙,340604001002,castle,,,,\n"  # 8: unknown category
    )
    report = run_csv("elders", text, admin_user)
    assert not report.written
    assert errors(report) == [
        (2, "id_number"),
        (3, "id_number"),
        (4, "region_code"),
        (5, "region_code"),
        (5, "support_mode"),
        (6, "died_on"),
        (6, "provider_uscc"),
        (6, "support_mode"),
        (7, "id_number"),
        (8, "categories"),
    ]
    assert not Elder.objects.exists()
    assert not ChangeLog.objects.exists()
    messages = {(e.row, e.column): e.reason_en for e in report.errors}
    assert "check digit" in messages[(2, "id_number")]
    assert "60" in messages[(3, "id_number")]
    assert "not an elder-care provider" in messages[(6, "provider_uscc")]


def test_regions_outside_the_importers_and_people_registered_elsewhere(
    sample: dict[str, Any], admin_user: Any, xiangshan_officer: Any
) -> None:
    make_elder(admin_user, seq=1, region="340621100001", birth=dt.date(1944, 1, 1))
    elsewhere = Elder.objects.get().id_number
    text = f"id_number,name,region_code\n340604195005050250,孙大爷,340621100001\n{elsewhere},老人1,340603001001\n"
    report = run_csv("elders", text, xiangshan_officer)
    assert errors(report) == [(2, "region_code"), (3, "id_number")]
    assert Elder.objects.count() == 1


def test_bad_assessments(sample: dict[str, Any], admin_user: Any) -> None:
    run_csv("elders", ELDERS, admin_user)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    ok_items = "4,4,4,4,4,4,4,4,4,4,4,3,4,4,4,1,0,0,0,0,0,0,0,0,0,0"
    text = (
        f"id_number,assessed_on,reason,{ITEM_HEADER}\n"
        "340604194203030213,2022-02-01,first,4,4,4,4,4,4,4,4,4,4,4,4,0,0,0,0,0,0,0,0,3,0,0,0,0,0\n"  # 2: stairs 4, consciousness 3
        f"340603194001010011,2022-02-01,first,{ok_items}\n"  # 3: not a valid ID
        f"{make_elder_id(dt.date(1944, 1, 1), 9, county='340604')},2022-02-01,first,{ok_items}\n"  # 4: not registered
        f"340604194704040225,{future},first,{ok_items}\n"  # 5: future
        f"340604195005050250,2022-02-01,someday,{ok_items}\n"  # 6: unknown reason
    )
    report = run_csv("assessments", text, admin_user)
    assert errors(report) == [
        (2, "consciousness"),
        (2, "stairs"),
        (3, "id_number"),
        (4, "id_number"),
        (5, "assessed_on"),
        (6, "reason"),
    ]
    assert not AbilityAssessment.objects.exists()


def test_bad_visits_and_checks(sample: dict[str, Any], admin_user: Any) -> None:
    run_csv(
        "elders", ELDERS.replace("乙路11号,,,empty_nest,,", "乙路11号,,,empty_nest,,2022-01-31"), admin_user
    )
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    text = (
        "id_number,visited_on,mode,visitor\n"
        "340604195005050250,1950-05-04,home,网格员\n"  # 2: before birth
        "340604195106060263,2022-02-20,home,网格员\n"  # 3: after death
        f"340604194704040225,{future},phone,网格员\n"  # 4: future
        "340604194704040226,2022-03-15,phone,网格员\n"  # 5: check digit
        "340604194704040225,2022-03-15,letter,网格员\n"  # 6: mode
    )
    report = run_csv("welfare-visits", text, admin_user)
    assert errors(report) == [
        (2, "visited_on"),
        (3, "visited_on"),
        (4, "visited_on"),
        (5, "id_number"),
        (6, "mode"),
    ]
    assert {e.reason_en for e in report.errors if e.row in (2, 3)} == {
        "The date is before the person was born.",
        "The date is after the person died.",
    }
    assert not WelfareVisit.objects.exists()
    checks = "id_number,checked_on,complete\n340604195005050250,2014-06-01,1\n340604195005050250,2022-06-01,maybe\n"
    report = run_csv("health-checks", checks, admin_user)
    assert errors(report) == [(2, "checked_on"), (3, "complete")]


def test_sectors(sample: dict[str, Any], admin_user: Any) -> None:

    run_csv("elders", ELDERS, admin_user)
    health = make_user("ls_wj", ["health_county"], ["340604000000"])
    assert errors(run_csv("welfare-visits", VISITS, health)) == [(1, "")]
    assert run_csv("health-checks", CHECKS, health).ok


def test_exports_mask_ids_and_carry_derived_fields(sample: dict[str, Any], admin_user: Any) -> None:
    load_sample(admin_user)
    text = render("elders", actor=admin_user, fmt="csv").decode("utf-8-sig")
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["赵大爷"]["id_number"] == "340604********0213"
    assert rows["赵大爷"]["phone"] == "137****0001"
    assert (rows["赵大爷"]["assessment_total"], rows["赵大爷"]["assessment_level"]) == ("40", "severe")
    assert (rows["钱奶奶"]["on_visit_list"], rows["钱奶奶"]["visit_reasons"]) == ("1", "disabled")
    assert (rows["孙大爷"]["on_visit_list"], rows["孙大爷"]["visit_reasons"]) == ("1", "alone")
    assert rows["赵大爷"]["categories"] == "extreme_poverty"
    visits = render("welfare-visits", actor=admin_user, fmt="csv").decode("utf-8-sig")
    assert "340604195005050250" not in visits and "340604********0250" in visits
    assessments = render("assessments", actor=admin_user, fmt="csv").decode("utf-8-sig")
    assert "severe" in assessments
    # a masked export cannot be imported again: every ID number is refused
    report = run_csv("elders", text, admin_user)
    assert not report.ok
    assert {c for _r, c in errors(report)} == {"id_number"}


def test_exports_are_scoped(sample: dict[str, Any], admin_user: Any, xiangshan_officer: Any) -> None:
    load_sample(admin_user)
    text = render("elders", actor=xiangshan_officer, fmt="csv").decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 1  # the header only
