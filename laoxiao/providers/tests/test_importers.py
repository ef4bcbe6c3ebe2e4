"""Imports of providers, classes, staff, prices and reference prices: every bad cell reported,
nothing written; re-import changes nothing; exports are scoped and mask ID numbers."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from laoxiao.accounts.actions import system_actor
from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.models import ChangeLog
from laoxiao.imports.base import ImportReport, get_kind, run_import
from laoxiao.providers import compliance
from laoxiao.providers.models import (
    Certificate,
    ChildcareClass,
    MarketReferencePrice,
    Price,
    Provider,
    StaffMember,
)
from laoxiao.providers.tests.factories import make_id_number, make_uscc, provider

# rows copied from the acceptance sample (../shared/acceptance/sample-city)
REGIONS = """code,name,level,parent_code,is_rural,lon,lat
340600000000,淮北市,city,,0,116.8,33.96
340604000000,烈山区,county,340600000000,0,116.81,33.89
340604001000,任楼街道,township,340604000000,0,116.82,33.88
340604001001,甲社区,community,340604001000,0,116.821,33.881
340604001002,乙社区,community,340604001000,0,116.825,33.876
"""
PROVIDERS = """uscc,name,kind,ownership,supply_tier,region_code,address,lon,lat,beds,nursing_beds,inclusive_slots,has_medical_room,is_medical_integrated,is_demonstration,is_backbone,filing_status,filed_on
52340604000001011D,烈山区颐养中心,eldercare_home,public,safety_net,340604001001,甲路1号,116.821,33.881,60,40,0,1,0,0,1,filed,2021-06-01
5234060400000102X5,乙社区养老院,eldercare_home,private,market,340604001002,乙路2号,116.825,33.876,40,10,0,0,0,0,0,filed,2021-09-01
523406040000010385,甲社区养老服务站,community_centre,public,safety_net,340604001001,甲路3号,116.822,33.882,0,0,0,0,0,0,0,filed,2021-01-15
523406040000010460,乙社区普惠托育园,childcare_centre,private,inclusive,340604001002,乙路4号,116.826,33.877,0,0,35,0,0,1,0,filed,2021-08-01
"""
CLASSES = """provider_uscc,name,class_type,capacity,carers
523406040000010460,托小班,toddler,15,3
523406040000010460,托大班,older_toddler,20,3
"""
STAFF = """provider_uscc,id_number,name,role,hired_on,left_on,certificate_kind,certificate_number,certificate_expires_on
52340604000001011D,340604198801014000,员工0,eldercare_worker,2021-01-01,,职业资格证,ZG000,2023-12-31
52340604000001011D,340604198802204033,员工1,eldercare_worker,2021-01-01,,,,
52340604000001011D,340604198804104044,员工2,social_worker,2021-01-01,,,,
5234060400000102X5,340604198805304072,员工3,eldercare_worker,2021-01-01,,职业资格证,ZG003,2024-06-30
523406040000010460,340604198807194081,员工4,nursery_nurse,2021-01-01,,职业资格证,ZG004,2025-01-01
523406040000010460,340604198809074112,员工5,infant_carer,2021-01-01,,职业资格证,ZG005,2025-01-01
523406040000010460,34060419881027412X,员工6,teacher,2021-01-01,,,,
"""


def _run(kind: str, text: str, actor: Any) -> ImportReport:
    return run_import(kind, io.BytesIO(text.encode("utf-8")), actor=actor, filename=f"{kind}.csv")


def _errors(report: ImportReport) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in report.errors}


@pytest.fixture
def sample(db: Any) -> Any:
    actor = system_actor()
    for kind, text in (
        ("regions", REGIONS),
        ("providers", PROVIDERS),
        ("classes", CLASSES),
        ("staff", STAFF),
    ):
        report = _run(kind, text, actor)
        assert report.ok and report.written, (kind, [e.as_dict() for e in report.errors])
    return actor


def test_the_acceptance_sample_imports_cleanly(sample: Any) -> None:
    assert Provider.objects.count() == 4 and Provider.objects.filed().count() == 4
    centre = Provider.objects.get(uscc="523406040000010460")
    assert compliance.slots(centre) == 35 and compliance.inclusive_slots_ok(centre)
    assert StaffMember.objects.count() == 7 and Certificate.objects.count() == 4
    assert StaffMember.objects.get(name="员工6").id_number == "34060419881027412X"
    home = Provider.objects.get(uscc="52340604000001011D")
    assert home.filed_on == dt.date(2021, 6, 1) and home.has_medical_room and home.is_backbone
    assert compliance.staff_certified(StaffMember.objects.get(name="员工0"), dt.date(2023, 12, 31))


def test_reimporting_the_same_files_changes_nothing(sample: Any) -> None:
    logs = ChangeLog.objects.count()
    for kind, text in (("providers", PROVIDERS), ("classes", CLASSES), ("staff", STAFF)):
        report = _run(kind, text, sample)
        assert report.ok and report.result.created == 0 and report.result.updated == 0, kind
    assert ChangeLog.objects.count() == logs


def test_an_export_imports_back_unchanged(sample: Any) -> None:
    import csv

    for kind in ("providers", "classes"):
        rows = list(get_kind(kind).export_rows(actor=sample))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        report = _run(kind, out.getvalue(), sample)
        assert report.ok and report.result.updated == 0 and report.result.created == 0, kind


def test_bad_credit_code_unknown_kind_and_nursing_beds_are_each_reported(sample: Any) -> None:
    text = (
        "uscc,name,kind,ownership,supply_tier,region_code,beds,nursing_beds\n"
        "52340604000001011E,坏代码,eldercare_home,public,market,340604001001,10,5\n"
        f"{make_uscc()},怪类型,spaceship,public,market,340604001001,10,5\n"
        f"{make_uscc()},床位,eldercare_home,public,market,340604001001,10,11\n"
        f"{make_uscc()},托育床位,childcare_centre,public,market,340604001001,3,0\n"
        f"{make_uscc()},街道,eldercare_home,public,market,340604001000,10,5\n"
        f"{make_uscc()},无此社区,eldercare_home,public,market,340604001009,10,5\n"
    )
    before = Provider.objects.count()
    report = _run("providers", text, sample)
    assert not report.written
    assert _errors(report) == {
        (2, "uscc"),
        (3, "kind"),
        (4, "nursing_beds"),
        (5, "beds"),
        (6, "region_code"),
        (7, "region_code"),
    }
    assert all(e.reason_zh and e.reason_en for e in report.errors)
    assert Provider.objects.count() == before


def test_chinese_headers_and_labels_are_accepted(sample: Any) -> None:
    text = (
        "统一社会信用代码,机构名称,机构类型,举办性质,供给类型,所在社区区划代码,床位数,护理型床位数\n"
        f"{make_uscc()},中文表头,养老机构,民办,普惠性,340604001001,30,10\n"
    )
    report = _run("providers", text, sample)
    assert report.ok, [e.as_dict() for e in report.errors]
    assert Provider.objects.get(name="中文表头").supply_tier == "inclusive"


def test_providers_outside_the_importers_regions_or_sector(city: Any, xiangshan_officer: Any) -> None:
    suixi = provider(region="340621100001")
    text = (
        "uscc,name,kind,ownership,supply_tier,region_code\n"
        f"{make_uscc()},濉溪,eldercare_home,public,market,340621100001\n"
        f"{make_uscc()},托育,childcare_centre,public,market,340603001001\n"
        f"{suixi.uscc},别人的,eldercare_home,public,market,340603001001\n"
    )
    report = _run("providers", text, xiangshan_officer)
    assert _errors(report) == {(2, "region_code"), (3, "kind"), (4, "uscc")}


def test_inclusive_slots_above_the_slots_once_classes_are_known(sample: Any) -> None:
    text = "uscc,name,kind,ownership,supply_tier,region_code,inclusive_slots\n"
    text += "523406040000010460,乙社区普惠托育园,childcare_centre,private,inclusive,340604001002,36\n"
    assert _errors(_run("providers", text, sample)) == {(2, "inclusive_slots")}
    fewer = "provider_uscc,name,class_type,capacity,carers\n523406040000010460,托大班,older_toddler,19,3\n"
    assert _errors(_run("classes", fewer, sample)) == {(2, "capacity")}


def test_class_rules_and_unknown_providers(sample: Any) -> None:
    text = (
        "provider_uscc,name,class_type,capacity,carers\n"
        "523406040000010460,乳儿班,infant,11,4\n"
        "523406040000010460,托小班,toddler,15,2\n"
        "523406040000010460,混合班,mixed,18,3\n"
        f"{make_uscc()},某班,toddler,10,2\n"
        "52340604000001011D,养老院班,toddler,10,2\n"
        "523406040000010460,托大班,teenager,10,2\n"
    )
    report = _run("classes", text, sample)
    assert _errors(report) == {
        (2, "capacity"),
        (3, "carers"),
        (5, "provider_uscc"),
        (6, "provider_uscc"),
        (7, "class_type"),
    }
    assert ChildcareClass.objects.count() == 2


def test_home_point_totals_are_checked_across_rows(city: Any, admin_user: Any) -> None:
    home = provider(kind="home_childcare")
    text = (
        f"provider_uscc,name,class_type,capacity,carers\n{home.uscc},A,mixed,3,1\n{home.uscc},B,mixed,3,1\n"
    )
    report = _run("classes", text, admin_user)
    assert _errors(report) == {(3, "capacity")}


def test_staff_checks(sample: Any) -> None:
    good = make_id_number(county="340604", seq=7)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    text = (
        "provider_uscc,id_number,name,role,hired_on,left_on,certificate_kind,certificate_number,certificate_expires_on\n"
        f"52340604000001011D,{bad},坏号,eldercare_worker,2021-01-01,,,,\n"
        "52340604000001011D,340604********4000,掩码,eldercare_worker,2021-01-01,,,,\n"
        f"{make_uscc()},{good},无机构,eldercare_worker,2021-01-01,,,,\n"
        f"52340604000001011D,{good},日期,eldercare_worker,2021-01-01,2020-01-01,,,\n"
        f"52340604000001011D,{good},日期,pilot,2021-01-01,,,X1,\n"
    )
    report = _run("staff", text, sample)
    assert _errors(report) == {
        (2, "id_number"),
        (3, "id_number"),
        (4, "provider_uscc"),
        (5, "left_on"),
        (6, "role"),
    }
    masked = next(e for e in report.errors if e.row == 3)
    assert "masked" in masked.reason_en
    assert StaffMember.objects.count() == 7


def test_staff_rows_of_one_person_agree_and_add_certificates(sample: Any) -> None:
    number = make_id_number(county="340604", seq=9)
    head = "provider_uscc,id_number,name,role,certificate_kind,certificate_number,certificate_expires_on\n"
    text = head + (
        f"52340604000001011D,{number},新人,eldercare_worker,职业资格证,A1,2030-01-01\n"
        f"52340604000001011D,{number},新人,eldercare_worker,健康证,H1,2025-01-01\n"
    )
    report = _run("staff", text, sample)
    assert report.ok and report.result.created == 3
    member = StaffMember.objects.get(name="新人")
    assert member.certificates.count() == 2
    clash = (
        head
        + f"52340604000001011D,{number},新人,eldercare_worker,,,\n52340604000001011D,{number},旧人,eldercare_worker,,,\n"
    )
    assert _errors(_run("staff", clash, sample)) == {(3, "name")}


def test_staff_export_masks_id_numbers_and_is_scoped(sample: Any) -> None:
    rows = list(get_kind("staff").export_rows(actor=sample))
    assert len(rows) == 7
    assert {r["id_number"] for r in rows if r["name"] == "员工6"} == {"340604********412X"}
    assert not any(r["id_number"] == "34060419881027412X" for r in rows)
    officer = make_user("jia_mz", ["civil_affairs_community"], ["340604001001"])  # 甲社区, elder care
    assert {r["name"] for r in get_kind("staff").export_rows(actor=officer)} == {"员工0", "员工1", "员工2"}
    assert {r["uscc"] for r in get_kind("providers").export_rows(actor=officer)} == {
        "52340604000001011D",
        "523406040000010385",
    }


def test_provider_export_follows_region_and_sector(
    city: Any, xiangshan_officer: Any, suixi_officer: Any
) -> None:
    home, centre = provider(), provider(kind="childcare_centre", region="340621100001")
    assert [r["uscc"] for r in get_kind("providers").export_rows(actor=xiangshan_officer)] == [home.uscc]
    assert [r["uscc"] for r in get_kind("providers").export_rows(actor=suixi_officer)] == [centre.uscc]


def test_prices_and_reference_prices(sample: Any) -> None:
    refs = (
        "item,year,price,source\nchildcare_full_day_month,2022,2500,物价调查\nbed_shared_month,2022,1000,\n"
    )
    assert _run("reference-prices", refs, sample).result.created == 2
    prices = (
        "provider_uscc,item,price,effective_from\n"
        "523406040000010460,childcare_full_day_month,2100,2022-01-01\n"
        "52340604000001011D,bed_shared_month,900,2022-01-01\n"
    )
    report = _run("prices", prices, sample)
    assert report.ok and report.result.created == 2 and Price.objects.count() == 2
    assert _run("prices", prices, sample).result.unchanged == 2
    centre = Provider.objects.get(uscc="523406040000010460")
    flags = compliance.price_flags(centre, dt.date(2022, 6, 1))
    assert [f["item"] for f in flags] == ["childcare_full_day_month"]  # 2100 > 80% of 2500
    bad = (
        "provider_uscc,item,price,effective_from\n"
        "523406040000010460,bed_shared_month,100,2022-01-01\n"
        "523406040000010460,caviar,100,2022-01-01\n"
        "523406040000010460,meal,-5,2022-01-01\n"
    )
    assert _errors(_run("prices", bad, sample)) == {(2, "item"), (3, "item"), (4, "price")}


def test_reference_prices_need_a_city_administrator(city: Any, xiangshan_officer: Any) -> None:
    report = _run("reference-prices", "item,year,price\nmeal,2022,15\n", xiangshan_officer)
    assert not report.ok and not MarketReferencePrice.objects.exists()
