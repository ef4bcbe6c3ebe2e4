"""The indicator engine on a small city worked by hand (the acceptance sample's rows, imported the
way a data officer imports them), plus edge cases: deaths, children born on the period's last day."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from laoxiao.accounts.actions import system_actor
from laoxiao.imports.base import run_import
from laoxiao.people.models import Elder
from laoxiao.plan.calculators import Period, Result
from laoxiao.plan.engine import REPORTED_REASON, indicators_compute, value_of
from laoxiao.plan.models import IndicatorValue
from laoxiao.plan.selectors.values import indicator_values

CITY = "340600000000"
YI = "340604001002"  # 乙社区

SAMPLE_CITY = {
    "regions": """\
code,name,level,parent_code,is_rural,lon,lat
340600000000,淮北市,city,,0,116.8,33.96
340604000000,烈山区,county,340600000000,0,116.81,33.89
340604001000,任楼街道,township,340604000000,0,116.82,33.88
340604001001,甲社区,community,340604001000,0,116.821,33.881
340604001002,乙社区,community,340604001000,0,116.825,33.876
""",
    "population": """\
region_code,year,population,households,age_0_2,age_60_plus,age_65_plus,age_80_plus
340604001001,2022,6000,2000,180,1200,900,200
340604001002,2022,4000,1400,120,800,600,150
340604001000,2022,10000,3400,300,2000,1500,350
340604000000,2022,10000,3400,300,2000,1500,350
340600000000,2022,10000,3400,300,2000,1500,350
""",
    "providers": """\
uscc,name,kind,ownership,supply_tier,region_code,address,lon,lat,beds,nursing_beds,inclusive_slots,has_medical_room,is_medical_integrated,is_demonstration,is_backbone,filing_status,filed_on
52340604000001011D,烈山区颐养中心,eldercare_home,public,safety_net,340604001001,甲路1号,116.821,33.881,60,40,0,1,0,0,1,filed,2021-06-01
5234060400000102X5,乙社区养老院,eldercare_home,private,market,340604001002,乙路2号,116.825,33.876,40,10,0,0,0,0,0,filed,2021-09-01
523406040000010385,甲社区养老服务站,community_centre,public,safety_net,340604001001,甲路3号,116.822,33.882,0,0,0,0,0,0,0,filed,2021-01-15
523406040000010460,乙社区普惠托育园,childcare_centre,private,inclusive,340604001002,乙路4号,116.826,33.877,0,0,35,0,0,1,0,filed,2021-08-01
""",
    "classes": """\
provider_uscc,name,class_type,capacity,carers
523406040000010460,托小班,toddler,15,3
523406040000010460,托大班,older_toddler,20,3
""",
    "staff": """\
provider_uscc,id_number,name,role,hired_on,left_on,certificate_kind,certificate_number,certificate_expires_on
52340604000001011D,340604198801014000,员工0,eldercare_worker,2021-01-01,,职业资格证,ZG000,2023-12-31
52340604000001011D,340604198802204033,员工1,eldercare_worker,2021-01-01,,,,
52340604000001011D,340604198804104044,员工2,social_worker,2021-01-01,,,,
5234060400000102X5,340604198805304072,员工3,eldercare_worker,2021-01-01,,职业资格证,ZG003,2024-06-30
523406040000010460,340604198807194081,员工4,nursery_nurse,2021-01-01,,职业资格证,ZG004,2025-01-01
523406040000010460,340604198809074112,员工5,infant_carer,2021-01-01,,职业资格证,ZG005,2025-01-01
523406040000010460,34060419881027412X,员工6,teacher,2021-01-01,,,,
""",
    "elders": """\
id_number,name,phone,region_code,address,categories,support_mode,living_arrangement,provider_uscc,died_on
340604194203030213,赵大爷,13700000001,340604001001,甲路1号,extreme_poverty,institutional,institution,52340604000001011D,
340604194704040225,钱奶奶,13700000002,340604001002,乙路9号,extreme_poverty,dispersed,with_family,,
340604195005050250,孙大爷,13700000003,340604001002,乙路10号,,,alone,,
340604195106060263,李奶奶,13700000004,340604001002,乙路11号,,,empty_nest,,
""",
    "assessments": """\
id_number,assessed_on,reason,eating,grooming,bathing,dressing_upper,dressing_lower,urination,defecation,toileting,bed_mobility,transfer,walking,stairs,time_orientation,place_orientation,person_orientation,memory,comprehension,expression,aggression,depression,consciousness,vision,hearing,daily_affairs,transportation,social_interaction,coma,dementia,psychiatric,risk_events_30d
340604194203030213,2022-02-01,first,4,4,4,4,4,4,4,4,4,4,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0
340604194704040225,2022-02-02,first,4,4,4,4,4,4,4,4,4,4,4,3,4,4,4,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0
""",
    "welfare-visits": """\
id_number,visited_on,mode,visitor
340604195005050250,2022-03-10,home,网格员
340604194704040225,2022-03-15,phone,网格员
340604195106060263,2022-02-20,home,网格员
""",
    "health-checks": """\
id_number,checked_on,complete
340604194203030213,2022-06-01,1
340604194704040225,2022-06-01,1
340604195005050250,2022-06-01,1
""",
    "children": """\
id_number,birth_certificate_number,name,sex,birth_date,discharge_date,region_code,guardian_id_number,guardian_name,guardian_phone,provider_uscc
,Q340400001,小一,F,2022-02-01,2022-02-04,340604001001,340604199307078003,家长小一,13600000000,
,Q340400002,小二,M,2022-05-05,2022-05-08,340604001002,340604199307088025,家长小二,13600000001,
""",
    "newborn-visits": """\
child_key,visited_on
Q340400001,2022-02-08
""",
    "child-checks": """\
child_key,checked_on,age_point
Q340400001,2022-03-02,1m
Q340400001,2022-05-02,3m
Q340400001,2022-08-02,6m
Q340400001,2022-10-02,8m
Q340400002,2022-06-06,1m
Q340400002,2022-08-06,3m
""",
    "vaccinations": """\
child_key,vaccine,dose,given_on
Q340400001,HepB,1,2022-02-01
Q340400001,BCG,1,2022-02-01
Q340400001,HepB,2,2022-03-01
Q340400001,IPV,1,2022-04-01
Q340400001,IPV,2,2022-05-01
Q340400001,DTaP,1,2022-05-01
Q340400001,bOPV,1,2022-06-01
Q340400001,DTaP,2,2022-06-01
Q340400001,DTaP,3,2022-07-01
Q340400001,HepB,3,2022-08-01
Q340400001,MPSV-A,1,2022-08-01
Q340400001,MMR,1,2022-10-01
Q340400001,JE-L,1,2022-10-01
Q340400001,MPSV-A,2,2022-11-01
Q340400002,HepB,1,2022-05-05
Q340400002,BCG,1,2022-05-05
Q340400002,HepB,2,2022-06-05
Q340400002,IPV,1,2022-07-05
Q340400002,IPV,2,2022-08-05
Q340400002,DTaP,1,2022-08-05
Q340400002,bOPV,1,2022-09-05
Q340400002,DTaP,2,2022-09-05
Q340400002,DTaP,3,2022-10-05
""",
}

# (code, region, period) → (numerator, denominator, value), worked out by hand
EXPECTED = {
    ("E03", CITY, "2022"): (1, 2, 50.0),
    ("E04", CITY, "2022"): (1, 2, 50.0),
    ("E06", CITY, "2022"): (50, 100, 50.0),
    ("E07", CITY, "2022"): (3, 1500, 0.2),
    ("E08", YI, "2022-03"): (2, 3, 66.6667),
    ("E11", CITY, "2022"): (1, None, 1),
    ("E12", CITY, "2022"): (2, None, 2),
    ("E13", CITY, "2022"): (1, 2.0, 0.5),
    ("C01", CITY, "2022"): (1, 2, 50.0),
    ("C02", CITY, "2022"): (23, 25, 92.0),
    ("C03", CITY, "2022"): (1, None, 1),
    ("C04", CITY, "2022"): (1, None, 1),
    ("C05", CITY, "2022"): (35, 10.0, 3.5),
    ("C06", CITY, "2022"): (35, 35, 100.0),
    ("C07", CITY, "2022"): (2, None, 2),
    ("C08", CITY, "2022"): (2, 3, 66.6667),
    ("C09", CITY, "2022"): (0, None, 0),
    ("C10", CITY, "2022"): (1, 2, 50.0),
}


def _import(tmp_path: Path, kind: str, text: str) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    report = run_import(kind, path, actor=system_actor(), filename=path.name)
    assert not report.errors, (kind, report.errors)


@pytest.fixture
def sample_city(db: Any, tmp_path: Path) -> None:
    for kind, text in SAMPLE_CITY.items():
        _import(tmp_path, kind, text)


def _json(region: str, period: str) -> dict[str, dict[str, Any]]:
    out = call_command("indicators", region=region, period=period, format="json", stdout=_Sink())
    assert out is None
    return {row["code"]: row for row in json.loads(_Sink.last)}


class _Sink:
    last = ""

    def write(self, text: str) -> None:
        _Sink.last = text

    def flush(self) -> None:
        pass


def _values(region: str, period: str) -> dict[str, tuple[Any, Any, Any]]:
    rows = indicator_values(region_code=region, period=period)
    return {r.indicator.code: (r.numerator, r.denominator, r.value) for r in rows}


def test_sample_city_matches_the_hand_worked_values(sample_city: None) -> None:
    call_command("indicators", "compute", period="2022", stdout=_Sink())
    call_command("indicators", "compute", period="2022-03", stdout=_Sink())
    got = {**{(c, CITY, "2022"): r for c, r in _json(CITY, "2022").items()}}
    got.update({(c, YI, "2022-03"): r for c, r in _json(YI, "2022-03").items()})
    for key, (num, den, value) in EXPECTED.items():
        row = got[key]
        assert (row["numerator"], row["denominator"], row["value"]) == (num, den, value), key


def test_json_rows_carry_the_definition_and_reported_ones_a_reason(sample_city: None) -> None:
    indicators_compute(period="2022", region_codes=[CITY])
    rows = _json(CITY, "2022")
    assert len(rows) == 26
    e01 = rows["E01"]
    assert e01["value"] is None and e01["reason"] == REPORTED_REASON and e01["kind"] == "reported"
    c08 = rows["C08"]
    assert set(c08) >= {
        "code",
        "name",
        "unit",
        "period",
        "region_code",
        "value",
        "numerator",
        "denominator",
        "baseline",
        "target",
        "comparator",
        "kind",
        "computed_at",
    }
    assert c08["comparator"] == "gte" and c08["computed_at"]
    assert set(_json(YI, "2022-03")) == {"E08"}  # months: monthly indicators only


def test_recompute_replaces_values(sample_city: None) -> None:
    indicators_compute(period="2022", region_codes=[CITY])
    indicators_compute(period="2022", region_codes=[CITY])
    assert IndicatorValue.objects.filter(measure__alias="C08", region_code=CITY, period="2022").count() == 1


def test_a_death_before_the_period_end_removes_a_person(sample_city: None) -> None:
    # 孙大爷: checked in June, on the visit list (alone) and visited on 10 March
    Elder.objects.filter(name="孙大爷").update(died_on=dt.date(2022, 3, 5))
    indicators_compute(period="2022", region_codes=[CITY])
    indicators_compute(period="2022-03", region_codes=[YI])
    assert _values(CITY, "2022")["E07"][:2] == (Decimal(2), Decimal(1500))
    assert _values(YI, "2022-03")["E08"] == (Decimal(1), Decimal(2), Decimal("50.0000"))


def test_the_day_of_death_still_counts(sample_city: None) -> None:
    Elder.objects.filter(name="孙大爷").update(died_on=dt.date(2022, 3, 31))
    indicators_compute(period="2022-03", region_codes=[YI])
    assert _values(YI, "2022-03")["E08"][:2] == (Decimal(2), Decimal(3))


def test_a_child_born_on_the_last_day_of_the_period(sample_city: None, tmp_path: Path) -> None:
    header = SAMPLE_CITY["children"].splitlines()[0]
    _import(
        tmp_path,
        "children",
        f"{header}\n,Q340400003,小三,F,2022-12-31,,{YI},340604199307098039,家长小三,13600000002,\n"
        f",Q340400004,小四,M,2023-01-01,,{YI},340604199307108049,家长小四,13600000003,\n",
    )
    indicators_compute(period="2022", region_codes=[CITY])
    values = _values(CITY, "2022")
    assert values["C01"][:2] == (Decimal(1), Decimal(3))  # born in 2022, not yet visited
    assert values["C10"][:2] == (Decimal(2), Decimal(3))  # under 3, no check due yet
    num, den, _ = values["C02"]
    assert den is not None and num is not None and den - num == 4  # the birth doses are due that day


def test_year_of_a_monthly_indicator_is_the_mean_of_the_monthly_rates(sample_city: None) -> None:
    indicators_compute(period="2022", region_codes=[YI])
    row = IndicatorValue.objects.get(measure__alias="E08", region_code=YI, period="2022")
    monthly = row.inputs["monthly"]
    rates = [Decimal(n) * 100 / Decimal(d) for n, d in monthly.values() if d]
    assert len(monthly) == 12
    assert row.value == (sum(rates, Decimal(0)) / len(rates)).quantize(Decimal("0.0001"))


def test_value_of_rounds_and_explains() -> None:
    assert value_of(Result(2, 3)) == (Decimal("66.6667"), "")
    assert value_of(Result(1, Decimal(2), scale=1)) == (Decimal("0.5000"), "")
    assert value_of(Result(0, 0)) == (None, "the denominator is zero")
    assert value_of(Result(4)) == (Decimal(4), "")


def test_periods() -> None:
    assert Period.parse("2022").end == dt.date(2022, 12, 31)
    assert Period.parse("2024-02").end == dt.date(2024, 2, 29)
    assert len(Period.parse("2022").months()) == 12
    with pytest.raises(ValueError):
        Period.parse("2022-13")
