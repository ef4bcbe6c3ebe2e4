"""Siting: the HiGHS optimum equals brute force; greedy never beats it; set covering is minimal."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from laoxiao.planning.analysis.siting import (
    capacitated_covering,
    cover_matrix,
    maximal_covering,
    set_covering,
)


def instance(seed: int, n: int = 40, m: int = 9, e: int = 2):
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 5000, (n, 2))
    cand = rng.uniform(0, 5000, (m, 2))
    existing = rng.uniform(0, 5000, (e, 2))
    w = rng.integers(1, 50, n).astype(float)
    return demand, cand, existing, w


def brute_best(a: np.ndarray, w: np.ndarray, already: np.ndarray, k: int) -> float:
    return max(
        float(w[a[:, list(s)].any(axis=1) & ~already].sum())
        for s in itertools.combinations(range(a.shape[1]), k)
    )


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("k", [1, 3])
def test_the_optimum_equals_brute_force_over_every_k_subset(seed, k):
    demand, cand, existing, w = instance(seed)
    cover = cover_matrix(demand, cand, 1200)
    ex = cover_matrix(demand, existing, 1200)
    already = np.asarray(ex.getnnz(axis=1) > 0)
    best = brute_best(cover.toarray().astype(bool), w, already, k)
    exact = maximal_covering(cover, w, k, existing=ex, method="exact")
    assert exact.covered_after - exact.covered_before == pytest.approx(best, abs=1e-9)
    assert exact.covered_before == pytest.approx(float(w[already].sum()))
    assert exact.gap == pytest.approx(0, abs=1e-9)
    assert len(exact.chosen) == k == len(set(exact.chosen))
    assert sum(exact.added_weight) == pytest.approx(best)
    assert exact.added_weight == sorted(exact.added_weight, reverse=True)  # greedy order within the set
    greedy = maximal_covering(cover, w, k, existing=ex, method="greedy")
    assert greedy.covered_after <= exact.covered_after + 1e-9
    assert greedy.upper_bound >= exact.covered_after - 1e-9  # a true bound on the optimum
    assert greedy.covered_after >= exact.covered_before + (1 - 1 / np.e) * best - 1e-9


def test_greedy_can_be_worse_and_says_so():
    # the classic trap: a middle site covers 4 people, the two side sites 3 each; k = 2
    w = np.array([1, 1, 1, 1, 1, 1], dtype=float)
    a = csr_matrix(np.array([[1, 0, 0], [1, 1, 0], [1, 1, 0], [0, 1, 1], [0, 1, 1], [0, 0, 1]]))
    greedy = maximal_covering(a, w, 2, method="greedy")
    exact = maximal_covering(a, w, 2, method="exact")
    assert exact.covered_after == 6
    assert greedy.covered_after == 5  # takes the middle first (4), then only one more
    assert greedy.gap > 0


def test_existing_coverage_is_not_counted_as_new():
    demand = [[0, 0], [3000, 0]]
    w = [100, 10]
    cover = cover_matrix(demand, [[100, 0], [3100, 0]], 500)
    ex = cover_matrix(demand, [[0, 50]], 500)
    res = maximal_covering(cover, w, 1, existing=ex)
    assert res.chosen == [1]
    assert res.added_weight == [10]
    assert (res.covered_before, res.covered_after, res.weight_total) == (100, 110, 110)


def test_k_must_fit_the_candidates():
    cover = cover_matrix([[0, 0]], [[0, 0]], 500)
    with pytest.raises(ValueError, match="k must"):
        maximal_covering(cover, [1], 2)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("target", [0.5, 0.8])
def test_set_covering_is_minimal_by_brute_force(seed, target):
    demand, cand, existing, w = instance(seed, m=8)
    cover = cover_matrix(demand, cand, 1500)
    ex = cover_matrix(demand, existing, 1500)
    a = cover.toarray().astype(bool)
    already = np.asarray(ex.getnnz(axis=1) > 0)
    need = target * w.sum()
    fewest = None
    for size in range(0, a.shape[1] + 1):
        if any(
            w[a[:, list(s)].any(axis=1) | already].sum() >= need - 1e-9
            for s in itertools.combinations(range(a.shape[1]), size)
        ):
            fewest = size
            break
    if fewest is None:
        with pytest.raises(ValueError, match="below the target"):
            set_covering(cover, w, target, existing=ex)
        return
    res = set_covering(cover, w, target, existing=ex)
    assert len(res.chosen) == fewest
    assert res.covered_after >= need - 1e-9


def test_cover_matrix_includes_the_radius():
    cover = cover_matrix([[0, 0]], [[1000, 0], [1000.001, 0]], 1000)
    assert cover.toarray().tolist() == [[1, 0]]


def served_by(a: np.ndarray, w: np.ndarray, cap: np.ndarray, sites: tuple[int, ...]) -> float:
    """The most demand the given sites can serve (a transport LP, solved on its own)."""
    from scipy.optimize import linprog

    pairs = [(i, j) for j in sites for i in range(a.shape[0]) if a[i, j]]
    if not pairs:
        return 0.0
    rows = [[1.0 if p[0] == i else 0.0 for p in pairs] for i in range(a.shape[0])]
    rows += [[1.0 if p[1] == j else 0.0 for p in pairs] for j in sites]
    res = linprog(
        -np.ones(len(pairs)),
        A_ub=np.array(rows),
        b_ub=np.concatenate([w, cap[list(sites)]]),
        bounds=(0, None),
        method="highs",
    )
    return float(-res.fun)


@pytest.mark.parametrize("seed", range(8))
def test_capacitated_optimum_equals_brute_force(seed):

    rng = np.random.default_rng(100 + seed)
    demand, cand, existing, w = instance(seed, n=25, m=7, e=1)
    cap = rng.integers(5, 80, 7).astype(float)
    cover = cover_matrix(demand, cand, 1300)
    ex = cover_matrix(demand, existing, 1300)
    w_new = np.where(np.asarray(ex.getnnz(axis=1) > 0), 0.0, w)
    a = cover.toarray().astype(bool)
    for k in (1, 2, 3):
        best = max(served_by(a, w_new, cap, s) for s in itertools.combinations(range(7), k))
        res = capacitated_covering(cover, w, cap, k, existing=ex)
        assert res.covered_after - res.covered_before == pytest.approx(best, abs=1e-6)
        assert all(res.added_weight[i] <= cap[j] + 1e-9 for i, j in enumerate(res.chosen))
        # with room for everyone it is the plain maximal covering problem
        roomy = capacitated_covering(cover, w, np.full(7, 1e9), k, existing=ex)
        assert roomy.covered_after == pytest.approx(maximal_covering(cover, w, k, existing=ex).covered_after)


def test_a_small_site_serves_only_its_capacity():

    cover = cover_matrix([[0, 0], [10, 0]], [[5, 0], [5, 1]], 100)
    res = capacitated_covering(cover, [30, 30], [20, 50], 1)
    assert res.chosen == [1] and res.added_weight == [50]
    res = capacitated_covering(cover, [30, 30], [20, 50], 2)
    assert res.covered_after == 60
    assert res.added_weight[0] <= 50 and res.added_weight[1] <= 20  # listed by what they serve
