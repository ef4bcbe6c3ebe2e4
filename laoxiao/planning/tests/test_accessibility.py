"""2SFCA / E2SFCA: hand-computed values and PySAL ``access`` on the same inputs (within 1e-9)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from access import weights

from laoxiao.planning.analysis.accessibility import (
    Pairs,
    default_steps,
    fca_scores,
    gaussian_decay,
    parse_steps,
    step_decay,
    straight_pairs,
)


def test_two_step_by_hand():
    # two villages of 100 and 300 people, 500 m and 1,500 m from a home with 40 beds; R = 2000
    pairs = straight_pairs([[500, 0], [1500, 0]], [[0, 0]], 2000)
    score, ratio = fca_scores(pairs, [100, 300], [40])
    assert ratio.tolist() == [0.1]  # 40 beds / 400 people
    assert score.tolist() == [0.1, 0.1]
    # enhanced, steps 1000:1, 2000:0.5 → demand 100 + 150 = 250 → ratio 0.16; scores 0.16, 0.08
    score, ratio = fca_scores(pairs, [100, 300], [40], decay=step_decay({1000: 1, 2000: 0.5}))
    assert ratio.tolist() == pytest.approx([0.16])
    assert score.tolist() == pytest.approx([0.16, 0.08])


def test_pairs_count_only_strictly_below_the_radius():
    pairs = straight_pairs([[0, 0], [999.9, 0], [1000, 0]], [[0, 0]], 1000)
    assert sorted(pairs.demand.tolist()) == [0, 1]


def test_no_facility_scores_zero_and_a_facility_without_demand_passes_nothing():
    pairs = straight_pairs([[0, 0], [9000, 0]], [[0, 0], [5000, 0]], 1000)
    score, ratio = fca_scores(pairs, [10, 0], [5, 7])
    assert score.tolist() == [0.5, 0.0]
    assert ratio.tolist() == [0.5, 0.0]


def test_step_weights_follow_access():

    steps = {300: 1.0, 600: 0.68, 900: 0.22}
    ours = step_decay(steps)
    theirs = weights.step_fn(steps)
    d = np.array([0, 100, 300, 300.0001, 600, 601, 899.9, 900, 901, 5000], dtype=float)
    assert ours(d).tolist() == [theirs(x) for x in d]
    assert default_steps(900) == {300: 1.0, 600: 0.68, 900: 0.22}


def test_parse_steps():
    assert parse_steps("300:1, 600:0.68,900:0.22") == {300: 1, 600: 0.68, 900: 0.22}
    for bad in ("", "300", "a:1", "300:x", "-5:1", "300:-1"):
        with pytest.raises(ValueError):
            parse_steps(bad)


def _access_scores(demand_w, capacity, pairs, radius, weight_fn, enhanced):
    pd = pytest.importorskip("pandas")
    access = pytest.importorskip("access")
    demand = pd.DataFrame({"geoid": np.arange(len(demand_w)), "pop": demand_w})
    supply = pd.DataFrame({"geoid": np.arange(len(capacity)), "cap": capacity})
    cost = pd.DataFrame({"origin": pairs.demand, "dest": pairs.supply, "cost": pairs.distance})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = access.Access(
            demand_df=demand,
            demand_index="geoid",
            demand_value="pop",
            supply_df=supply,
            supply_index="geoid",
            supply_value="cap",
            cost_df=cost,
            cost_origin="origin",
            cost_dest="dest",
            cost_name="cost",
        )
        if enhanced:
            out = a.enhanced_two_stage_fca(name="x", max_cost=radius, weight_fn=weight_fn)
        else:
            out = a.two_stage_fca(name="x", max_cost=radius)
    return out.iloc[:, 0].reindex(range(len(demand_w))).to_numpy(dtype=float)


@pytest.mark.parametrize(
    "method", ["2sfca", "e2sfca-step", "e2sfca-custom-steps", "e2sfca-gaussian", "gaussian-sigma"]
)
def test_equal_to_access_within_1e_9(method):

    rng = np.random.default_rng(42)
    demand = rng.uniform(0, 6000, (800, 2))
    supply = rng.uniform(0, 6000, (40, 2))
    pop = rng.integers(1, 400, 800).astype(float)
    cap = rng.integers(0, 120, 40).astype(float)
    radius = 1000.0
    pairs = straight_pairs(demand, supply, radius)
    if method == "2sfca":
        decay, fn, enhanced = None, None, False
    elif method == "e2sfca-step":
        decay, fn, enhanced = step_decay(default_steps(radius)), weights.step_fn(default_steps(radius)), True
    elif method == "e2sfca-custom-steps":
        steps = {250: 1.0, 500: 0.8, 1000: 0.1}
        decay, fn, enhanced = step_decay(steps), weights.step_fn(steps), True
    elif method == "e2sfca-gaussian":
        decay, fn, enhanced = gaussian_decay(radius / 2), weights.gaussian(radius / 2), True
    else:
        decay, fn, enhanced = gaussian_decay(333.0), weights.gaussian(333.0), True
    ours, _ = fca_scores(pairs, pop, cap, decay=decay)
    theirs = _access_scores(pop, cap, pairs, radius, fn, enhanced)
    defined = np.isfinite(theirs)
    assert defined.sum() > 500
    assert np.abs(ours[defined] - theirs[defined]).max() <= 1e-9
    assert (ours[~defined] == 0).all()  # access: NaN for points with no facility within R
    assert ours.max() > 0


def test_pairs_from_a_network_or_by_hand_work_the_same():
    pairs = Pairs(np.array([0, 1, 1]), np.array([0, 0, 1]), np.array([10.0, 20.0, 30.0]))
    score, ratio = fca_scores(pairs, [1, 3], [8, 6])
    assert ratio.tolist() == [2.0, 2.0]
    assert score.tolist() == [2.0, 4.0]


def test_pairs_are_exactly_those_below_the_radius_with_exact_distances():
    rng = np.random.default_rng(9)
    demand = rng.uniform(0, 4000, (2000, 2))
    supply = rng.uniform(0, 4000, (30, 2))
    pairs = straight_pairs(demand, supply, 700, detour=1.2)
    dx = demand[:, None, 0] - supply[None, :, 0]
    dy = demand[:, None, 1] - supply[None, :, 1]
    d = np.sqrt(dx * dx + dy * dy) * 1.2
    want = np.argwhere(d < 700)
    got = np.column_stack([pairs.demand, pairs.supply])
    order = np.lexsort((got[:, 1], got[:, 0]))
    assert np.array_equal(got[order], want)
    assert np.array_equal(pairs.distance[order], d[want[:, 0], want[:, 1]])
