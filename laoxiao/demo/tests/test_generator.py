"""The generator's pure functions: tree shape, geography, figures, determinism (no database)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from laoxiao.demo import geo
from laoxiao.demo.kernel import (
    CITY_TOTALS,
    apportion,
    city_totals,
    plan_regions,
    population_records,
)

COUNTIES = {"340602": "杜集区", "340603": "相山区", "340604": "烈山区", "340621": "濉溪县"}
PARENT_PREFIX = {"county": 4, "township": 6, "community": 9}


@pytest.fixture(scope="module")
def plan():
    return plan_regions(7)


def test_apportion_is_exact_and_respects_caps():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 40))
        caps = rng.integers(0, 50, n)
        total = int(rng.integers(0, caps.sum() + 1))
        out = apportion(total, rng.uniform(0, 3, n), caps=caps)
        assert out.sum() == total
        assert (out >= 0).all() and (out <= caps).all()
    assert list(apportion(10, [1, 1, 1])) == [4, 3, 3]  # ties to the earlier entry
    with pytest.raises(ValueError):
        apportion(5, [1, 1], caps=[2, 2])


def test_tree_has_the_real_counties_and_about_33_townships(plan):
    by_level = Counter(r.level for r in plan)
    assert by_level["city"] == 1 and plan[0].code == "340600000000" and plan[0].name == "淮北市"
    counties = {r.code: r.name for r in plan if r.level == "county"}
    assert counties == {c.ljust(12, "0"): n for c, n in COUNTIES.items()}
    townships = [r for r in plan if r.level == "township"]
    kinds = Counter(t.kind for t in townships)
    assert kinds == {"subdistrict": 15, "town": 18}
    assert all(t.name.endswith("街道") for t in townships if t.kind == "subdistrict")
    assert all(t.name.endswith("镇") for t in townships if t.kind == "town")
    assert all(int(t.code[6:9]) < 100 for t in townships if t.kind == "subdistrict")
    assert all(int(t.code[6:9]) >= 100 for t in townships if t.kind == "town")
    communities = [r for r in plan if r.level == "community"]
    urban = [c for c in communities if not c.is_rural]
    villages = [c for c in communities if c.is_rural]
    assert 130 <= len(urban) <= 180
    assert 350 <= len(villages) <= 450
    assert all(c.name.endswith("社区") for c in urban) and all(c.name.endswith("村") for c in villages)


def test_codes_nest_under_their_parents(plan):
    codes = {r.code: r for r in plan}
    assert len(codes) == len(plan)
    for r in plan:
        assert len(r.code) == 12 and r.code.isdigit()
        if r.level == "city":
            continue
        parent = codes[r.parent_code]
        assert r.code.startswith(parent.code[: PARENT_PREFIX[r.level]])
        assert r.code != parent.code
    for r in plan:
        if r.level == "community":
            township = codes[r.parent_code]
            if township.kind == "subdistrict":
                assert not r.is_rural  # subdistricts hold urban communities only
    names_per_county = Counter((r.code[:6], r.name) for r in plan if r.level == "community")
    assert max(names_per_county.values()) == 1


def test_every_centre_lies_inside_its_real_county(plan):
    shapes = geo.county_shapes("340600")
    for r in plan:
        assert r.lon is not None and r.lat is not None
        if r.level == "city":
            assert any(geo.contains(s, r.lon, r.lat) for s in shapes.values())
        else:
            assert geo.contains(shapes[r.code[:6]], r.lon, r.lat), r


def test_communities_lie_near_their_township(plan):
    codes = {r.code: r for r in plan}
    for r in plan:
        if r.level != "community":
            continue
        t = codes[r.parent_code]
        d = geo.distance_km(r.lon, r.lat, t.lon, t.lat)
        assert d <= (5.01 if r.is_rural else 1.51), (r, d)


def test_same_seed_same_city_other_seed_other_city(plan):
    again = plan_regions(7)
    assert [r.record() for r in again] == [r.record() for r in plan]
    assert population_records(again, seed=7, scale=1, years=[2020, 2021]) == population_records(
        plan, seed=7, scale=1, years=[2020, 2021]
    )
    other = plan_regions(8)
    assert [r.record() for r in other] != [r.record() for r in plan]


@pytest.mark.parametrize("scale", [1, 0.01, 0.37])
def test_city_totals_are_the_plans_times_scale_in_every_year(plan, scale):
    records = population_records(plan, seed=7, scale=scale, years=[2020, 2021])
    expected = city_totals(scale)
    for year in (2020, 2021):
        rows = [r for r in records if r["year"] == year]
        for field, total in expected.items():
            assert sum(r[field] for r in rows) == total, (year, field)
    if scale == 1:
        assert expected == {**CITY_TOTALS, "age_80_plus": 48_659}
        assert expected["population"] == 1_970_265 and expected["age_0_2"] == 62_902


def test_figures_are_consistent_and_plausible(plan):
    records = population_records(plan, seed=7, scale=1, years=[2020, 2021])
    rural = {r.code for r in plan if r.is_rural and r.level == "community"}
    for r in records:
        assert 0 <= r["age_80_plus"] <= r["age_65_plus"] <= r["age_60_plus"] <= r["population"]
        assert r["age_0_2"] + r["age_60_plus"] <= r["population"]
        assert 2.4 <= r["population"] / r["households"] <= 3.1
    y20 = [r for r in records if r["year"] == 2020]
    village_pop = [r["population"] for r in y20 if r["region_code"] in rural]
    urban_pop = [r["population"] for r in y20 if r["region_code"] not in rural]
    assert 700 <= np.percentile(village_pop, 5) and np.percentile(village_pop, 95) <= 3_200
    assert 2_500 <= np.percentile(urban_pop, 5) and np.percentile(urban_pop, 95) <= 12_500

    def share(rows, field):
        return sum(r[field] for r in rows) / sum(r["population"] for r in rows)

    rural_rows = [r for r in y20 if r["region_code"] in rural]
    urban_rows = [r for r in y20 if r["region_code"] not in rural]
    assert share(rural_rows, "age_60_plus") > share(urban_rows, "age_60_plus") + 0.02
    assert share(rural_rows, "age_0_2") < share(urban_rows, "age_0_2")
    ratio_80 = sum(r["age_80_plus"] for r in y20) / sum(r["age_60_plus"] for r in y20)
    assert 0.14 <= ratio_80 <= 0.16
    y21 = {r["region_code"]: r for r in records if r["year"] == 2021}
    changed = sum(1 for r in y20 if y21[r["region_code"]]["population"] != r["population"])
    assert changed > 0.9 * len(y20)  # the years differ community by community
