"""Demand and gaps: the pure computation with figures worked out by hand, the demo assumptions,
and the adapters on a small city built by hand (base population, prevalence, supply, results)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from laoxiao.people.models import AbilityAssessment
from laoxiao.people.tests.factories import make_child, make_class, make_elder, make_provider
from laoxiao.plan.models import MajorProject
from laoxiao.planning.actions import residential_project_create
from laoxiao.planning.analysis import demand as d
from laoxiao.planning.analysis import projection as p
from laoxiao.planning.analysis.projection_files import read_assumptions
from laoxiao.planning.selectors import demand as ad
from laoxiao.providers.models import Provider
from laoxiao.regions.actions import population_rollup

RULES = Path(__file__).resolve().parents[1] / "rules"
A = 101


def ratios() -> d.Ratios:
    return d.Ratios(
        beds_per_1000_older=35,
        older_age=60,
        nursing_bed_share=0.52,
        slots_per_1000={2020: 0.56, 2025: 4.6},
        floor_area_per_100_households=20,
    )


def one_region(years: list[int]) -> np.ndarray:
    pop = np.zeros((len(years), 1, 2, A))
    pop[:, 0, 0, 70] = 600  # 600 women aged 70
    pop[:, 0, 1, 85] = 400  # 400 men aged 85
    pop[:, 0, 0, 1] = 100  # 100 girls aged 1
    pop[:, 0, :, 30] = 4450  # 8,900 people aged 30
    return pop  # 10,000 people


def test_need_supply_and_gap_worked_by_hand():
    years = [2021, 2024, 2025, 2030]
    prevalence = np.zeros((2, A))
    prevalence[1, 85:] = 0.25
    supply = d.Supply(
        {
            "beds": np.array([20.0]),
            "nursing_beds": np.array([10.0]),
            "slots": np.array([5.0]),
            "floor_area": np.array([500.0]),
        },
        additions=[(0, 2024, {"beds": 30, "slots": 40}), (0, 2031, {"beds": 1000})],
    )
    t = d.demand(
        one_region(years),
        years,
        prevalence=prevalence,
        persons_per_household=np.array([2.5]),
        ratios=ratios(),
        supply=supply,
    )
    rows = t.rows(0)
    first = rows[0]
    assert first["population"] == 10_000 and first["age_60_plus"] == 1000 and first["age_80_plus"] == 400
    assert first["age_0_2"] == 100 and first["disabled"] == 100 and first["households"] == 4000
    assert first["need_beds"] == 35  # 1,000 × 35 / 1,000
    assert t.need["nursing_beds"][0, 0] == pytest.approx(35 * 0.52)
    assert t.need["slots"][0, 0] == pytest.approx(10 * (0.56 + (4.6 - 0.56) / 5))  # 2021: a fifth of the way
    assert t.need["floor_area"][0, 0] == pytest.approx(4000 / 100 * 20)
    assert first["supply_beds"] == 20 and first["gap_beds"] == 15
    assert rows[1]["supply_beds"] == 50 and rows[1]["supply_slots"] == 45  # completed in 2024
    assert rows[2]["need_slots"] == 46 and rows[2]["gap_slots"] == 1  # 4.6 per 1,000 in 2025
    assert rows[3]["need_slots"] == 46  # held after 2025
    assert rows[3]["supply_beds"] == 50  # the 2031 project is not there yet in 2030
    assert rows[0]["gap_floor_area"] == 800 - 500


def test_shipped_rules_read_as_ratios():
    spec = json.loads((RULES / "planning.facility_ratios.json").read_text(encoding="utf-8"))
    r = d.Ratios.from_rule(spec["versions"][-1]["data"])
    assert r.nursing_bed_share == 0.52
    assert r.slots_rate(2025) == pytest.approx(4.6)
    assert r.slots_rate(2035) == pytest.approx(4.6)
    assert r.slots_rate(2020) == pytest.approx(0.56)


def test_demo_assumptions_are_plausible():
    a = read_assumptions(ad.DATA, open_age=100, regions=["x"])
    assert a.scenarios == ["baseline", "three_child"]
    assert p.tfr(a.source(2030).fertility) == pytest.approx(1.30, abs=0.001)
    three = read_assumptions(ad.DATA, open_age=100, regions=["x"], scenario="three_child")
    assert p.tfr(three.source(2023).fertility) == pytest.approx(1.40, abs=0.001)
    assert p.tfr(three.source(2030).fertility) == pytest.approx(1.50, abs=0.001)
    assert a.source(2021).srb == pytest.approx(1.11)
    # life expectancy from the life tables: both sexes about 77 in 2020 and 79 in 2025 (the plan)

    rows = list(csv.DictReader((ad.DATA / "survival.csv").open(encoding="utf-8")))
    for year, target in (("2020", 77), ("2025", 79)):
        e0 = [
            sum(float(r["Lx"]) for r in rows if r["year"] == year and r["sex"] == s) / 100_000 for s in "FM"
        ]
        assert abs(sum(e0) / 2 - target) < 0.3
    assert (a.source(2030).migration_rate[:, 22] < 0).all()  # young adults leave


# --- adapters on a hand-built city --------------------------------------------------------------


@pytest.fixture
def planned_city(city, admin_user):

    ad._CACHE.clear()
    population_rollup(actor=admin_user, years=[2021])
    # 东街道 (340603001): 3,000 people, 600 aged 60+, 90 aged 0–2; 濉溪镇 the same figures
    e1 = make_elder(admin_user, seq=1, birth=dt.date(1950, 3, 1))
    e2 = make_elder(admin_user, seq=2, birth=dt.date(1940, 3, 1))
    e3 = make_elder(admin_user, seq=3, birth=dt.date(1930, 3, 1))
    AbilityAssessment.objects.create(
        elder=e2, region_code=e2.region_code, assessed_on=dt.date(2021, 6, 1), reason="first", items={},
        self_care=10, mobility=5, mental=10, perception=10, total=35, preliminary_level="severe", level="severe",
    )  # fmt: skip
    make_child(birth=dt.date(2020, 5, 1), region_code="340603001001", sex="F")
    make_child(name="小红", birth=dt.date(2021, 5, 1), region_code="340603001002", sex="M")
    home = Provider.objects.create(
        uscc="52340603MA0000009X", name="康乐养老院", kind="eldercare_home", ownership="private",
        supply_tier="market", region_id="340603001001", region_code="340603001001", filing_status="filed",
        beds=50, nursing_beds=30,
    )  # fmt: skip
    Provider.objects.create(
        uscc="52340603MA0000010X", name="东街道养老服务中心", kind="community_centre", ownership="public",
        supply_tier="safety_net", region_id="340603001002", region_code="340603001002", filing_status="filed",
        floor_area=200,
    )  # fmt: skip
    make_class(make_provider(), capacity=15)
    MajorProject.objects.create(
        year=2022, name="濉溪县养老中心", kind="eldercare_home", region_code="340621100001", investment=1000,
        beds_added=100, nursing_beds_added=60, status="under_construction", completes_on=dt.date(2024, 6, 30),
    )  # fmt: skip
    residential_project_create(
        actor=admin_user,
        data={
            "code": "JZ-1", "name": "锦湖苑", "region_code": "340621100002", "area_type": "new", "households": 500,
            "residents": 1400, "eldercare_floor_area": 150, "largest_facility_area": 150, "childcare_slots": 20,
            "delivery_date": dt.date(2023, 9, 1),
        },
    )  # fmt: skip
    return {"elders": (e1, e2, e3), "home": home}


def test_platform_base_from_figures_and_registries(planned_city):
    base = ad.platform_base()
    assert base is not None and base.year == 2021
    assert base.leaves == ["340603001000", "340621100000"]
    xs = base.population[0]
    assert xs.sum() == pytest.approx(3000)
    assert xs[:, 60:].sum() == pytest.approx(600)
    # the registry's three people (ages 71, 81, 91 in 2021) carry 200 each
    males = "".join(str(int(round(v))) for v in xs[1, [71, 81, 91]])
    assert males == "200200200"
    assert (
        xs[:, :3].sum() == pytest.approx(90)
        and xs[0, 1] == pytest.approx(45)
        and xs[1, 0] == pytest.approx(45)
    )
    assert base.persons_per_household[0] == pytest.approx(3000 / 1200)
    sx = base.population[1]  # nobody in the registries: the fallback shapes, same totals
    assert sx.sum() == pytest.approx(3000) and sx[:, 60:].sum() == pytest.approx(600)
    assert base.parents["340600000000"] == base.leaves


def test_prevalence_from_the_latest_assessments(planned_city):
    base = ad.platform_base()
    prev = ad.disability_prevalence(base)
    assert prev[1, 80:85].tolist() == [1.0] * 5  # the only man of 80–84 is severely disabled
    assert prev[1, 70:75].tolist() == [0.0] * 5


def test_supply_and_results_for_a_county_and_the_city(planned_city):
    result = ad.platform_projection(to_year=2025)
    assert result is not None and result.years == [2021, 2022, 2023, 2024, 2025]
    city = ad.region_series(result, "340600000000")
    first = city["rows"][0]
    assert first["population"] == 6000 and first["age_60_plus"] == 1200
    assert first["need_beds"] == 42 and first["supply_beds"] == 50 and first["gap_beds"] == -8
    assert first["supply_slots"] == 15 and first["supply_floor_area"] == 200
    by_year = {r["year"]: r for r in city["rows"]}
    assert by_year[2023]["supply_beds"] == 50 and by_year[2024]["supply_beds"] == 150
    assert by_year[2023]["supply_slots"] == 35 and by_year[2022]["supply_slots"] == 15
    xs = ad.region_series(result, "340603001000")
    assert xs["rows"][0]["disabled"] == 200
    sx = ad.region_series(result, "340621000000")
    assert sx["rows"][0]["supply_beds"] == 0 and sx["rows"][-1]["supply_beds"] == 100
    assert ad.region_series(result, "349999000000") == {}
    # components balance for the city
    pop = [r["population"] for r in city["rows"]]
    c = city["components"]
    for i in range(1, len(pop)):
        assert (
            abs(pop[i] - pop[i - 1] - (c["births"][i - 1] - c["deaths"][i - 1] + c["migration"][i - 1])) <= 2
        )
    counties = ad.gap_by_county(result, 2025, "beds")
    assert [c["code"] for c in counties] == ["340603000000", "340621000000"]
    assert counties[1]["supply"] == 100


def test_the_cache_follows_the_data(planned_city):
    first = ad.platform_projection(to_year=2022)
    assert ad.platform_projection(to_year=2022) is first
    home = planned_city["home"]
    home.beds = 60
    home.save()
    again = ad.platform_projection(to_year=2022)
    assert again is not first
    assert ad.region_series(again, "340600000000")["rows"][0]["supply_beds"] == 60
