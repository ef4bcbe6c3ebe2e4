"""Service-circle coverage against hand-computed answers and brute force."""

from __future__ import annotations

import numpy as np
import pytest

from laoxiao.planning.analysis.coverage import brute_force_coverage, coverage_shares, straight_coverage


def test_a_hand_made_street():
    # facilities at x = 0 and x = 1500; people at 0, 600, 1000, 1100, 3000 (metres, on a line)
    supply = [[0, 0], [1500, 0]]
    demand = [[0, 0], [600, 0], [1000, 0], [1100, 0], [3000, 0]]
    cov = straight_coverage(demand, supply, 1000)
    assert cov.nearest.tolist() == [0, 0, 1, 1, 1]
    assert cov.distance.tolist() == [0, 600, 500, 400, 1500]
    assert cov.covered.tolist() == [True, True, True, True, False]
    assert cov.count.tolist() == [1, 2, 2, 1, 0]  # 1000 m exactly counts as within


def test_the_detour_factor_multiplies_straight_lines():
    cov = straight_coverage([[0, 0], [800, 0]], [[0, 0]], 1000, detour=1.3)
    assert cov.distance.tolist() == [0, 800 * 1.3]
    assert cov.covered.tolist() == [True, False]  # 1,040 m of walking
    assert cov.count.tolist() == [1, 0]


def test_no_facility_at_all():
    cov = straight_coverage([[0, 0], [5, 5]], np.zeros((0, 2)), 1000)
    assert cov.nearest.tolist() == [-1, -1]
    assert np.isinf(cov.distance).all()
    assert not cov.covered.any()


@pytest.mark.parametrize("detour", [1.0, 1.3])
def test_bit_equal_to_brute_force(detour):
    rng = np.random.default_rng(11)
    demand = rng.uniform(0, 8000, (3000, 2))
    supply = rng.uniform(0, 8000, (60, 2))
    # clusters of facilities so that some points have more than eight within reach
    supply = np.vstack([supply, rng.normal(4000, 150, (20, 2))])
    fast = straight_coverage(demand, supply, 1000, detour=detour)
    slow = brute_force_coverage(demand, supply, 1000, detour=detour)
    assert np.array_equal(fast.distance, slow.distance)
    assert np.array_equal(fast.nearest, slow.nearest)
    assert np.array_equal(fast.covered, slow.covered)
    assert np.array_equal(fast.count, slow.count)
    assert fast.count.max() > 8


def test_points_exactly_on_the_circle_count():
    supply = [[0, 0], [600, 800], [-600, -800], [1000, 0], [0, -1000]]  # all 1,000 m from the origin
    cov = straight_coverage([[0, 0]], supply[1:], 1000)
    assert cov.count.tolist() == [4]
    assert cov.covered.tolist() == [True]


def test_shares_by_region():
    shares = coverage_shares([True, False, True, True], [10, 30, 5, 5], ["a", "a", "b", "b"])
    assert [(s.label, s.covered_weight, s.total_weight) for s in shares] == [
        ("", 20, 50),
        ("a", 10, 40),
        ("b", 10, 10),
    ]
    assert shares[1].share == 0.25
    assert coverage_shares([], [], [])[0].share is None
