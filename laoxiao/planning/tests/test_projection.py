"""The cohort-component projection against a published worked example and its invariants.

The worked example is Preston, Heuveline and Guillot, *Demography: Measuring and Modeling
Population Processes* (2001), chapter 6, Boxes 6.1 and 6.2: the female population of Sweden in
1993 in 5-year groups (0–4 … 85+), the 1993 female life table's nLx (radix 100,000; the last
value is T85), fertility rates of ages 15–49, net female migrants 1993–1998, sex ratio at birth
1.05, projected to 1998. The figures are transcribed as published in the UN Population Division's
``ccmppWPP`` R package (``data-raw/sweden_1993.R``, "sweden_1993", Preston et al. 2001, ch. 6,
Box 6.2), which uses the same table; the expected 1998 female population, births by age of mother
and the male 0–4 (the package applies the female life table to males) are the book's.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from laoxiao.planning.analysis.projection import (
    AssumptionSource,
    interpolate,
    life_expectancy,
    project,
    project_step,
    survival_from_life_table,
    tfr,
)

N_1993 = [
    293395,
    248369,
    240012,
    261346,
    285209,
    314388,
    281290,
    286923,
    304108,
    324946,
    247613,
    211351,
    215140,
    221764,
    223506,
    183654,
    141990,
    112424,
]
L_X = [
    497487,
    497138,
    496901,
    496531,
    495902,
    495168,
    494213,
    492760,
    490447,
    486613,
    480665,
    471786,
    457852,
    436153,
    402775,
    350358,
    271512,
    291707,
]
F_X = [0.0120, 0.0908, 0.1499, 0.1125, 0.0441, 0.0074, 0.0003]  # ages 15–19 … 45–49
MIGRANTS = [
    6840,
    4150,
    3365,
    5270,
    9240,
    8230,
    5470,
    3155,
    1770,
    1115,
    1075,
    845,
    645,
    530,
    465,
    300,
    250,
    175,
]
BIRTHS_BY_MOTHER = [15244, 126688, 229354, 170057, 63203, 10971, 472]
N_1998 = [
    302392,
    298682,
    252007,
    244150,
    268267,
    293515,
    320624,
    284767,
    288031,
    303166,
    322062,
    243989,
    205841,
    205516,
    205270,
    194771,
    142565,
    131966,
]
MALE_0_4_1998 = 317340


def sweden(migration: bool = True):
    pop = np.array([N_1993, N_1993], dtype=float)
    s = survival_from_life_table(100_000, np.array(L_X, dtype=float), n=5)
    f = np.r_[np.zeros(3), F_X, np.zeros(8)]
    mig = np.array([MIGRANTS, MIGRANTS], dtype=float) if migration else None
    return project_step(pop, survival=np.stack([s, s]), fertility=f, migration=mig, srb=1.05, n=5), s, f


def test_preston_sweden_1993_to_1998_every_group():
    result, _, _ = sweden()
    assert np.round(result.population[0]).astype(int).tolist() == N_1998
    assert round(result.population[1, 0]) == MALE_0_4_1998


def test_preston_births_by_age_of_mother():
    result, s, f = sweden()
    start = np.array(N_1993) + np.array(MIGRANTS) / 2
    exposure = (start + result.population[0]) / 2
    by_age = 5 * f * exposure
    assert np.round(by_age[3:10]).astype(int).tolist() == BIRTHS_BY_MOTHER
    assert result.births.sum() == pytest.approx(sum(BIRTHS_BY_MOTHER), abs=2)
    assert result.births[1] / result.births[0] == pytest.approx(1.05)


def test_preston_survival_ratios():
    s = survival_from_life_table(100_000, np.array(L_X, dtype=float), n=5)
    assert s[0] == pytest.approx(497487 / 500000)
    assert s[1] == pytest.approx(497138 / 497487)
    assert s[-1] == pytest.approx(291707 / (271512 + 291707))


def test_closed_population_is_the_textbook_formula():
    result, s, _ = sweden(migration=False)
    # 5–9 in 1998 = 0–4 in 1993 × 5L5 / 5L0; 85+ = (80–84 + 85+) × T85 / T80
    assert result.population[0, 1] == pytest.approx(N_1993[0] * L_X[1] / L_X[0])
    assert result.population[0, -1] == pytest.approx(
        (N_1993[-2] + N_1993[-1]) * L_X[-1] / (L_X[-2] + L_X[-1])
    )


# --- invariants -----------------------------------------------------------------------------------

ages = st.integers(min_value=3, max_value=30)


@st.composite
def populations(draw):
    a = draw(ages)
    r = draw(st.integers(min_value=1, max_value=3))
    pop = draw(
        hnp.arrays(float, (r, 2, a), elements=st.floats(0, 1e5, allow_nan=False, allow_infinity=False))
    )
    return pop


@given(populations())
def test_nothing_happens_everyone_ages_one_year(pop):
    A = pop.shape[-1]
    out = project_step(pop, survival=np.ones((2, A)), fertility=np.zeros(A), migration=None)
    assert np.allclose(out.population[..., 0], 0)
    assert np.allclose(out.population[..., 1 : A - 1], pop[..., 0 : A - 2])
    assert np.allclose(out.population[..., A - 1], pop[..., A - 2] + pop[..., A - 1])  # the open group
    assert np.allclose(out.deaths, 0) and np.allclose(out.births, 0) and np.allclose(out.migration, 0)


@given(
    populations(),
    st.floats(0.5, 1.0),
    st.floats(0.0, 0.2),
    st.floats(-0.3, 0.3),
    st.floats(0.9, 1.2),
    st.integers(1, 5),
)
def test_balance_births_deaths_migration(pop, surv, fert, mig_rate, srb, n):
    R, _, A = pop.shape
    rng = np.random.default_rng(int(pop.sum()) % 1000)
    survival = np.clip(surv + rng.uniform(-0.1, 0.1, (2, A)), 0, 1)
    fertility = fert * rng.uniform(0, 1, A)
    migration = mig_rate * pop * rng.uniform(0, 2, pop.shape)  # net out-migration may empty a group
    out = project_step(pop, survival=survival, fertility=fertility, migration=migration, srb=srb, n=n)
    expected = pop.sum(axis=2) + out.births - out.deaths + out.migration
    assert np.allclose(out.population.sum(axis=2), expected, rtol=1e-9, atol=1e-6)
    assert (out.population >= 0).all() and (out.deaths >= -1e-6).all()
    if mig_rate >= 0:  # nothing clipped: the migration applied is all of it
        assert np.allclose(out.migration, migration.sum(axis=2))


def test_yearly_projection_to_2035_balances_and_ages():
    A = 101
    base = np.zeros((1, 2, A))
    base[0, :, 30] = 1000.0
    source = AssumptionSource(survival={0: np.ones((2, A))}, fertility={0: np.zeros(A)})
    proj = project(base, base_year=2021, to_year=2035, assumptions_for=source)
    assert proj.years == list(range(2021, 2036))
    assert proj.population[-1, 0, :, 44].tolist() == [1000.0, 1000.0]  # 30 + 14 years
    assert proj.population.shape == (15, 1, 2, A)


def test_open_group_accumulates_over_years():
    A = 5
    base = np.zeros((1, 2, A))
    base[0, 0] = [1, 2, 3, 4, 5]
    source = AssumptionSource(survival={0: np.ones((2, A))}, fertility={0: np.zeros(A)})
    proj = project(base, base_year=2000, to_year=2004, assumptions_for=source)
    assert proj.population[3, 0, 0].tolist() == [0, 0, 0, 1, 14]
    assert proj.population[4, 0, 0].tolist() == [0, 0, 0, 0, 15]


def test_births_are_split_by_the_sex_ratio_and_survive_to_age_zero():
    A = 40
    pop = np.zeros((2, A))
    pop[0, 25] = 1000.0
    s = np.ones((2, A))
    s[:, 0] = [0.99, 0.98]
    f = np.zeros(A)
    f[25] = 0.1
    out = project_step(pop, survival=s, fertility=f, srb=1.1)
    # women aged 25 at the start, 26 at the end: only the start counts half the year
    assert out.births.sum() == pytest.approx(0.1 * 1000 / 2)
    assert out.births[1] / out.births[0] == pytest.approx(1.1)
    assert out.population[:, 0] == pytest.approx(out.births * [0.99, 0.98])


def test_interpolation_between_years_and_held_outside():
    table = {2021: np.array([1.0]), 2025: np.array([3.0])}
    assert interpolate(table, 2020)[0] == 1.0
    assert interpolate(table, 2023)[0] == 2.0
    assert interpolate(table, 2030)[0] == 3.0


def test_tfr_and_life_expectancy():
    assert tfr(np.array(F_X), n=5) == pytest.approx(5 * sum(F_X))
    assert life_expectancy(100_000, np.array(L_X)) == pytest.approx(sum(L_X) / 100_000)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        project_step(np.zeros((2, 2)), survival=np.ones((2, 2)), fertility=np.zeros(2))
    with pytest.raises(ValueError):
        project_step(np.zeros((2, 5)), survival=np.ones((2, 5)), fertility=np.zeros(5), srb=0)
    with pytest.raises(ValueError):
        survival_from_life_table(100, np.array([1.0, 0.0, 2.0]))


# the pure modules (projection, projection_files, demand, residential) import no Django: every module
# of laoxiao.planning.analysis is checked by tests/test_geo.py::test_the_pure_core_does_not_import_django
