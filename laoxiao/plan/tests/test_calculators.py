"""Each computed indicator on a small city built by hand, with the answers worked out below.

The city (conftest ``city``): 淮北市 → 相山区 (340603) → 东街道 → 1社区 (XS1), 2社区 (XS2);
濉溪县 (340621) → 濉溪镇 → 1社区 (SX1), 2社区 (SX2). Period: 2021 (end 2021-12-31).
Edge cases: deaths and moves on / before / after the period end, people entering the visit list
mid-month, children born on the period's first and last day, doses due in the period but given
later, checks inside / outside the 30-day tolerance, providers filed after the period end, staff who
left, expired certificates. Finally: computing every region at once (one read, rolled up by code
prefix) gives the same results as computing each region on its own.
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from laoxiao.core.clock import frozen
from laoxiao.demo.indicator_values import indicators_step
from laoxiao.people.models import (
    NewbornVisit,
)
from laoxiao.plan.calculators import MEASURE_KEYS, REGISTRY, Period, Scope, common_prefix, rollup
from laoxiao.plan.engine import indicators_results, value_of
from laoxiao.plan.models import IndicatorValue
from laoxiao.plan.tests.factories import (
    CITY,
    COMMUNITIES,
    SX,
    SX1,
    SX2,
    XS,
    XS1,
    XS2,
    XST,
    D,
    make_assessment,
    make_category,
    make_child,
    make_child_check,
    make_classes,
    make_elder,
    make_filed_provider,
    make_health_check,
    make_poor_elder,
    make_population_figures,
    make_staff,
    make_vaccination,
    make_visit,
)
from laoxiao.regions.models import Region


@pytest.fixture
def town(city: dict[str, Any]) -> dict[str, Any]:
    return make_population_figures(city)


def results(code: str, period: str = "2021") -> dict[str, tuple[Any, Any, Decimal | None]]:
    out = indicators_results(period=period, codes=[code])[MEASURE_KEYS[code]]
    return {region: (r.numerator, r.denominator, value_of(r)[0]) for region, r in out.items()}


# --- elder care -----------------------------------------------------------------------------------


def test_e03_extreme_poverty_disabled_in_providers(town: Any) -> None:
    make_poor_elder(XS1, "institutional", "severe")  # counts: num and den
    make_poor_elder(XS1, "dispersed", "moderate")  # den
    make_poor_elder(XS2, "institutional", "mild")  # not disabled
    make_poor_elder(SX1, "institutional", "severe", died_on=D(2021, 12, 31))  # died on the last day: counts
    make_poor_elder(SX1, "institutional", "severe", died_on=D(2021, 12, 30))  # died before: out
    make_poor_elder(SX1, "institutional", "total", moved_out_on=D(2022, 1, 5))  # moved after: counts
    make_poor_elder(SX2, "institutional", "severe", moved_out_on=D(2021, 7, 1))  # moved before: out
    make_poor_elder(XS2, "institutional", "severe", birth=D(1962, 6, 1))  # 59: not an older person
    late = make_elder(XS2)  # assessed only after the period end
    make_category(late, "extreme_poverty", "institutional")
    make_assessment(late, D(2022, 1, 10), "severe")
    ended = make_elder(XS1)  # the category ended before the period end
    make_category(ended, "extreme_poverty", "institutional", valid_to=D(2021, 6, 30))
    make_assessment(ended, D(2021, 3, 1), "severe")
    got = results("E03")
    assert got[CITY] == (3, 4, Decimal("75.0000"))
    assert got[XS] == (1, 2, Decimal("50.0000"))
    assert got[SX] == (2, 2, Decimal("100.0000"))
    assert got[XS2] == (0, 0, None)


def test_e07_health_checks_of_people_aged_65_over_the_population_figure(town: Any) -> None:
    make_health_check(make_elder(XS1, D(1950, 1, 1)), D(2021, 5, 1))  # counts
    make_health_check(make_elder(XS1, D(1950, 1, 1)), D(2021, 5, 1), complete=False)  # incomplete
    make_health_check(make_elder(XS1, D(1950, 1, 1)), D(2020, 12, 31))  # last year
    make_health_check(make_elder(XS2, D(1957, 1, 1)), D(2021, 5, 1))  # 64 at the period end
    make_health_check(make_elder(XS2, D(1956, 12, 31)), D(2021, 5, 1))  # 65 on the last day: counts
    make_health_check(
        make_elder(SX1, D(1950, 1, 1), died_on=D(2021, 6, 1)), D(2021, 5, 1)
    )  # died: not at the end
    make_health_check(make_elder(SX1, D(1950, 1, 1)), D(2022, 1, 2))  # after the period
    got = results("E07")
    assert got[CITY][:2] == (2, 450 * 2)  # 150 + 300 per county
    assert got[XS] == (2, 450, (Decimal(200) / 450).quantize(Decimal("0.0001")))
    assert got[SX1] == (0, 150, Decimal(0))


def test_e07_without_a_population_figure_has_no_value(city: Any) -> None:
    make_health_check(make_elder(XS1, D(1950, 1, 1)), D(2021, 5, 1))
    r = indicators_results(period="2021", codes=["E07"])[MEASURE_KEYS["E07"]][CITY]
    assert r.numerator == 1 and value_of(r)[0] is None and "no population figure" in r.reason


def _visit_list_march() -> None:
    p = make_elder(SX2, living="alone")
    make_visit(p, D(2021, 3, 10))  # visited
    q = make_elder(SX2, living="alone")
    make_visit(q, D(2021, 2, 27))  # not visited in March
    r = make_elder(SX2)  # enters the list mid-month (a category from 15 March), visited after
    make_category(r, "fp_special", start=D(2021, 3, 15))
    make_visit(r, D(2021, 3, 20))
    s = make_elder(SX2, living="alone", died_on=D(2021, 3, 31))  # died on the last day: on the list
    make_visit(s, D(2021, 3, 5))
    t = make_elder(SX2, living="alone", died_on=D(2021, 3, 20))  # died mid-month: off the list
    make_visit(t, D(2021, 3, 5))
    u = make_elder(SX2)  # disabled from April
    make_assessment(u, D(2021, 4, 2), "severe")
    make_visit(u, D(2021, 4, 3))


def test_e08_a_month(town: Any) -> None:
    _visit_list_march()
    march = results("E08", "2021-03")
    assert march[SX2] == (3, 4, Decimal("75.0000"))
    assert march[SX] == march[CITY] == march[SX2]
    assert march[XS] == (0, 0, None)
    april = results("E08", "2021-04")
    assert april[SX2] == (1, 4, Decimal("25.0000"))  # p, q, r and u listed; u visited


def test_e08_a_year_is_the_mean_of_the_monthly_rates(town: Any) -> None:
    _visit_list_march()
    r = indicators_results(period="2021", codes=["E08"])[MEASURE_KEYS["E08"]][SX2]
    monthly = r.inputs["monthly"]
    assert monthly["2021-03"] == [3, 4] and monthly["2021-04"] == [1, 4] and monthly["2021-05"] == [0, 4]
    assert monthly["2021-01"] == [0, 4]  # p, q, s and t (alone, alive in January)
    rates = [Decimal(n) * 100 / d for n, d in monthly.values() if d]
    assert value_of(r)[0] == (sum(rates, Decimal(0)) / 12).quantize(Decimal("0.0001"))
    assert r.numerator == sum(n for n, _ in monthly.values())


def test_providers_e04_e06_e11(town: Any) -> None:
    make_filed_provider("community_centre", XS1, filed_on=D(2021, 5, 1))  # serves XS1
    make_filed_provider("meal_point", XS2, filed_on=D(2022, 2, 1))  # filed after the period end
    make_filed_provider("community_centre", SX1, status="submitted", filed_on=None)  # not filed
    make_filed_provider("meal_point", SX2, opened_on=D(2022, 3, 1))  # not open by the period end
    make_filed_provider("eldercare_home", XS1, beds=100, nursing_beds=60, is_backbone=True)
    make_filed_provider(
        "eldercare_home", SX1, beds=50, nursing_beds=10, filed_on=D(2021, 12, 31)
    )  # filed that day
    make_filed_provider(
        "eldercare_home", SX2, beds=80, nursing_beds=80, filed_on=D(2022, 1, 1), is_backbone=True
    )
    make_filed_provider("eldercare_home", XS2, status="draft", filed_on=None, beds=40, nursing_beds=40)
    e04, e06, e11 = results("E04"), results("E06"), results("E11")
    assert e04[CITY] == (1, 4, Decimal(25)) and e04[XS] == (1, 2, Decimal(50)) and e04[SX][:2] == (0, 2)
    assert e04[XS1] == (1, 1, Decimal(100))
    assert e06[CITY] == (70, 150, (Decimal(7000) / 150).quantize(Decimal("0.0001")))
    assert e06[SX] == (10, 50, Decimal(20))
    assert e11[CITY] == (1, None, Decimal(1)) and e11[SX] == (0, None, Decimal(0))


def test_staff_e12_e13_left_and_expired(town: Any) -> None:
    home = make_filed_provider("eldercare_home", XS1)
    other = make_filed_provider("eldercare_home", SX1)
    draft = make_filed_provider("eldercare_home", XS2, status="draft", filed_on=None)
    make_staff(home, "eldercare_worker", cert=(D(2020, 1, 1), D(2022, 6, 30)))  # counts
    make_staff(home, "eldercare_worker", cert=(D(2020, 1, 1), D(2021, 12, 31)))  # valid on the last day
    make_staff(home, "eldercare_worker", cert=(D(2020, 1, 1), D(2021, 12, 30)))  # expired
    make_staff(home, "eldercare_worker", left=D(2021, 11, 30))  # left
    make_staff(other, "eldercare_worker", left=D(2021, 12, 31))  # leaves on the last day: counts
    make_staff(other, "eldercare_worker", hired=D(2022, 1, 3))  # hired after
    make_staff(other, "eldercare_worker", cert=None)  # no certificate
    make_staff(other, "eldercare_worker", cert=(D(2022, 1, 5), None))  # certified after
    make_staff(home, "social_worker", cert=None)
    make_staff(draft, "social_worker", cert=None)  # E13 does not ask for a filed provider
    make_staff(other, "social_worker", left=D(2021, 3, 1))
    e12, e13 = results("E12"), results("E13")
    assert e12[CITY][0] == 3 and e12[XS][0] == 2 and e12[SX][0] == 1
    assert e13[CITY] == (2, Decimal("1.2"), (Decimal(2) / Decimal("1.2")).quantize(Decimal("0.0001")))
    assert e13[SX][0] == 0


def test_e16_age_friendly_communities(town: Any) -> None:
    Region.objects.filter(code__in=[XS1, SX2]).update(is_age_friendly_demo=True)
    Region.objects.filter(code=XST).update(is_age_friendly_demo=True)  # not a community
    got = results("E16")
    assert got[CITY][0] == 2 and got[XS][0] == 1 and got[XS2][0] == 0


# --- childcare ------------------------------------------------------------------------------------


def test_childcare_providers_and_staff_c03_to_c09(town: Any) -> None:
    k1 = make_filed_provider(
        "childcare_centre",
        XS1,
        filed_on=D(2021, 1, 5),
        is_demonstration=True,
        is_backbone=True,
        inclusive_slots=20,
    )
    make_classes(k1, 15, 20)
    k2 = make_filed_provider("home_childcare", SX1, filed_on=D(2021, 12, 31))
    make_classes(k2, 10)
    k3 = make_filed_provider(
        "childcare_centre", SX2, filed_on=D(2022, 1, 2), is_backbone=True, inclusive_slots=25
    )
    make_classes(k3, 25)
    k4 = make_filed_provider("kindergarten_class", XS2, status="submitted", filed_on=None)
    make_classes(k4, 30)
    make_staff(k1, "infant_carer")  # C07, C08 num
    make_staff(k1, "teacher", cert=(D(2019, 1, 1), D(2021, 12, 30)))  # expired: C08 den only
    make_staff(k1, "manager")  # not a care role: C08 num
    make_staff(k2, "nursery_nurse", left=D(2021, 6, 1))  # left
    make_staff(k3, "infant_carer")  # provider filed after the period end
    make_staff(k2, "health_care_staff", cert=None)  # C08 den only
    make_staff(k4, "teacher")  # provider not filed
    got = {code: results(code) for code in ("C03", "C04", "C05", "C06", "C07", "C08", "C09")}
    assert got["C03"][CITY][0] == 2 and got["C03"][SX][0] == 1
    assert got["C04"][CITY][0] == 1
    assert got["C05"][CITY] == (45, Decimal(6), Decimal("7.5000"))  # 45 slots ÷ (6,000 ÷ 1,000)
    assert got["C05"][SX] == (10, Decimal(3), Decimal("3.3333"))
    assert got["C06"][CITY] == (20, 45, Decimal("44.4444"))
    assert got["C07"][CITY][0] == 1
    assert got["C08"][CITY] == (2, 4, Decimal(50)) and got["C08"][SX] == (0, 1, Decimal(0))
    assert got["C09"][CITY][0] == 1


def test_c01_newborn_visits_born_on_the_first_and_last_day(town: Any) -> None:
    b1 = make_child(XS1, D(2021, 1, 1), D(2021, 1, 4))  # first day; visited 7 days after discharge
    NewbornVisit.objects.create(child=b1, region_code=XS1, visited_on=D(2021, 1, 11))
    make_child(XS1, D(2021, 12, 31))  # last day; not visited yet
    b3 = make_child(XS1, D(2020, 12, 31))  # born the year before
    NewbornVisit.objects.create(child=b3, region_code=XS1, visited_on=D(2021, 1, 2))
    b4 = make_child(XS1, D(2021, 6, 1), D(2021, 6, 5))  # visited 8 days after discharge
    NewbornVisit.objects.create(child=b4, region_code=XS1, visited_on=D(2021, 6, 13))
    b5 = make_child(XS1, D(2021, 7, 1))  # no discharge date: 7 days after birth
    NewbornVisit.objects.create(child=b5, region_code=XS1, visited_on=D(2021, 7, 8))
    b6 = make_child(XS1, D(2021, 8, 1), moved_out_on=D(2021, 10, 1))  # moved away
    NewbornVisit.objects.create(child=b6, region_code=XS1, visited_on=D(2021, 8, 3))
    make_child(XS1, D(2022, 1, 1))  # born after
    assert results("C01")[XS1] == (2, 4, Decimal(50))


def test_c02_doses_due_in_the_period_given_by_its_end(town: Any) -> None:
    a = make_child(XS2, D(2021, 11, 1))  # due in 2021: HepB 1, BCG 1 (11-01), HepB 2 (12-01)
    make_vaccination(a, "HepB", 1, D(2021, 11, 1))
    make_vaccination(a, "BCG", 1, D(2022, 1, 5))  # due in the period, given later: not counted
    make_vaccination(a, "HepB", 2, D(2021, 12, 10))
    make_vaccination(a, "IPV", 1, D(2021, 12, 20))  # given early, due 2022-01-01: not in the period
    make_child(XS2, D(2021, 12, 31))  # HepB 1 and BCG 1 due on the last day, not given
    make_child(XS2, D(2022, 1, 1))  # born after
    assert results("C02")[XS2] == (2, 5, Decimal(40))
    december = Period.parse("2021-12")
    assert not REGISTRY[MEASURE_KEYS["C02"]].monthly and december.end == D(2021, 12, 31)


def test_c10_checks_within_the_tolerance(town: Any) -> None:
    k1 = make_child(SX1, D(2021, 10, 1))  # 1m due 10-29: checked 30 days late: counts
    make_child_check(k1, "1m", D(2021, 11, 28))
    k2 = make_child(SX1, D(2021, 10, 1))  # 31 days late
    make_child_check(k2, "1m", D(2021, 11, 29))
    make_child(SX1, D(2021, 12, 31))  # nothing due yet: counts
    make_child(SX1, D(2018, 12, 31))  # 3 on the last day: not under 3
    k5 = make_child(SX1, D(2021, 10, 1))  # checked after the period end
    make_child_check(k5, "1m", D(2022, 1, 5))
    k6 = make_child(SX1, D(2021, 9, 1))  # 1m on time; 3m (due 12-01) 30 days early
    make_child_check(k6, "1m", D(2021, 9, 29))
    make_child_check(k6, "3m", D(2021, 11, 1))
    k7 = make_child(SX1, D(2021, 9, 1))  # 3m missing
    make_child_check(k7, "1m", D(2021, 9, 29))
    make_child(SX1, D(2021, 9, 1), died_on=D(2021, 11, 1))  # died
    assert results("C10")[SX1] == (3, 6, Decimal(50))


# --- every region at once ---------------------------------------------------------------------------


def _everything(town: Any) -> None:
    test_e03_extreme_poverty_disabled_in_providers(town)
    _visit_list_march()
    test_childcare_providers_and_staff_c03_to_c09(town)
    for region in COMMUNITIES:
        a = make_child(region, D(2021, 11, 1))
        make_vaccination(a, "HepB", 1, D(2021, 11, 1))
        make_child_check(a, "1m", D(2021, 11, 29))
        make_health_check(make_elder(region, D(1950, 1, 1)), D(2021, 5, 1))
    make_filed_provider("community_centre", SX2)
    make_filed_provider("eldercare_home", XS2, beds=30, nursing_beds=5)


@pytest.mark.parametrize("period", ["2021", "2021-03"])
def test_all_regions_at_once_equal_each_region_alone(town: Any, period: str) -> None:
    _everything(town)
    regions = list(Region.objects.values_list("code", flat=True))
    together = indicators_results(period=period, region_codes=regions)
    assert set(together) == ({MEASURE_KEYS["E08"]} if period == "2021-03" else set(REGISTRY))
    p = Period.parse(period)
    for code, by_region in together.items():
        for region in regions:
            scope = Scope(region_code=region, period=p)
            alone = REGISTRY[code].definition.compute(scope.ctx(), [region])[region]
            got = by_region[region]
            assert (got.numerator, got.denominator, value_of(got)) == (
                alone.numerator,
                alone.denominator,
                value_of(alone),
            ), (code, region)
    # not empty: the comparison means something
    e08, c01 = MEASURE_KEYS["E08"], MEASURE_KEYS["C01"]
    assert together[e08][CITY].denominator and (period != "2021" or together[c01][CITY].denominator == 4)


def test_rollup_and_common_prefix() -> None:
    sums = rollup({XS1: [1, 2], XS2: [3, 4], SX1: [5, 6], XST: [1, 1]})
    assert sums["340603001"] == [5, 7] and sums["340603"] == [5, 7] and sums["3406"] == [10, 13]
    assert sums[XS1] == [1, 2] and "340621100002" not in sums
    assert common_prefix([XS1, XS2]) == "340603001"
    assert common_prefix([XS1, SX1]) == "3406"
    assert common_prefix([CITY]) == "3406" and common_prefix([XS1]) == XS1


def test_demo_step_stores_every_region_for_the_years_and_the_months(town: Any) -> None:

    _everything(town)
    ctx = SimpleNamespace(as_of=D(2021, 12, 31), summary={})  # the records' window: 2020–2021
    steps: list[int] = []
    with frozen(ctx.as_of):
        indicators_step(ctx, steps.append)
    regions = Region.objects.count()
    assert len(steps) == len(REGISTRY) * 2  # one per measure and year computed
    # the years, and the 24 months of E08 from the years' computations
    assert ctx.summary["indicator_values"] == (len(REGISTRY) * 2 + 24) * regions
    # each month from its year's computation is what computing the month alone gives
    for month in ("2021-03", "2021-07", "2020-11"):
        alone = indicators_results(period=month, codes=["E08"])[MEASURE_KEYS["E08"]]
        for region, r in alone.items():
            stored = IndicatorValue.objects.get(measure__alias="E08", region_code=region, period=month)
            assert (stored.numerator, stored.denominator, stored.value) == (
                r.numerator,
                r.denominator,
                value_of(r)[0],
            ), (month, region)
    for period in ("2020", "2021"):
        assert IndicatorValue.objects.filter(period=period).count() == len(REGISTRY) * regions
    months = IndicatorValue.objects.filter(period__startswith="2021-")
    assert set(months.values_list("measure__alias", flat=True)) == {"E08"} and months.count() == 12 * regions
    march = IndicatorValue.objects.get(measure__alias="E08", region_code=SX2, period="2021-03")
    # the four of _visit_list_march, and E03's severely disabled elder of SX2 (moves out in July)
    assert (march.numerator, march.denominator) == (3, 5)
