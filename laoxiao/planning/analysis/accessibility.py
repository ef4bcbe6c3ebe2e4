"""Accessibility scores: two-step floating catchment (2SFCA) and enhanced 2SFCA (numpy/scipy only).

Given demand points i (weight P_i: older people, children), facilities j (capacity S_j: beds,
nursing-type beds, childcare slots) and the pairs (i, j) whose distance d_ij is **strictly below**
the catchment radius R (as PySAL ``access`` builds its pairs):

    step 1, each facility:      R_j = S_j / Σ_i W(d_ij) · P_i
    step 2, each demand point:  A_i = Σ_j W(d_ij) · R_j

2SFCA is W = 1. Enhanced 2SFCA weighs both steps by a distance decay:

* step: ``{d1: w1, d2: w2, ...}`` — the weight of the first threshold with d <= d_k (as
  ``access.weights.step_fn``), 0 beyond the last; default R/3:1, 2R/3:0.68, R:0.22 (Luo and Qi 2009);
* Gaussian: W(d) = exp(−d² / 2σ²), σ = R/2 by default (``access.weights.gaussian``).

The scores equal ``access.Access(...).two_stage_fca`` / ``enhanced_two_stage_fca`` on the same pairs
(``tests/test_accessibility.py``), with two documented differences where ``access`` gives no number:
a demand point with no facility within R scores 0 (``access``: NaN), and a facility with no weighted
demand within R passes on nothing (``access``: S/0 = inf, or NaN).

Everything is vectorised: the pairs come from one dual k-d tree search, and both steps are weighted
``bincount`` sums over the pairs (a sparse matrix–vector product).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

Decay = Callable[[NDArray[np.float64]], NDArray[np.float64]]


@dataclass
class Pairs:
    demand: NDArray[np.int64]
    supply: NDArray[np.int64]
    distance: NDArray[np.float64]


def straight_pairs(
    demand_xy: ArrayLike, supply_xy: ArrayLike, radius: float, *, detour: float = 1.0
) -> Pairs:
    """Pairs with ``sqrt(dx²+dy²) * detour < radius``."""
    demand = np.asarray(demand_xy, dtype=np.float64).reshape(-1, 2)
    supply = np.asarray(supply_xy, dtype=np.float64).reshape(-1, 2)
    if not len(demand) or not len(supply):
        empty = np.zeros(0, dtype=np.int64)
        return Pairs(empty, empty.copy(), np.zeros(0))
    i, j, d = pairs_within(demand, supply, radius / detour * (1 + 1e-9))
    if detour != 1.0:
        d = d * detour
    keep = d < radius
    return Pairs(i[keep], j[keep], d[keep])


def pairs_within(
    demand: NDArray[np.float64], supply: NDArray[np.float64], reach: float
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """(demand index, supply index, straight distance) for every pair with distance <= reach.

    One dual-tree search (``cKDTree.sparse_distance_matrix``) between a tree of the facilities and
    a tree of the demand points (built unbalanced: much faster to build, as fast to search here).
    The distances are the trees' own, equal bit for bit to ``sqrt(dx² + dy²)``."""
    demand_tree = cKDTree(demand, balanced_tree=False, compact_nodes=False)
    found = cKDTree(supply).sparse_distance_matrix(demand_tree, reach, output_type="ndarray")
    return found["j"].astype(np.int64), found["i"].astype(np.int64), found["v"].astype(np.float64)


def step_decay(steps: dict[float, float]) -> Decay:
    """``access.weights.step_fn``: the weight of the first threshold d_k with d <= d_k, else 0."""
    if any(w < 0 for w in steps.values()):
        raise ValueError("step weights must not be negative")
    keys = np.array(sorted(steps), dtype=np.float64)
    values = np.array([steps[k] for k in sorted(steps)] + [0.0], dtype=np.float64)

    def weigh(d: NDArray[np.float64]) -> NDArray[np.float64]:
        return values[np.searchsorted(keys, d, side="left")]

    return weigh


def default_steps(radius: float) -> dict[float, float]:
    return {radius / 3: 1.0, 2 * radius / 3: 0.68, radius: 0.22}


def gaussian_decay(sigma: float) -> Decay:
    """``access.weights.gaussian``: exp(−d² / 2σ²), 1 at distance 0."""
    if sigma == 0:
        raise ValueError("sigma must not be zero")

    def weigh(d: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.exp(-d * d / (2 * sigma**2))

    return weigh


def fca_scores(
    pairs: Pairs, demand_weight: ArrayLike, capacity: ArrayLike, *, decay: Decay | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(A_i per demand point, R_j per facility). ``decay=None`` is plain 2SFCA."""
    p = np.asarray(demand_weight, dtype=np.float64)
    s = np.asarray(capacity, dtype=np.float64)
    w = decay(pairs.distance) if decay is not None else np.ones(len(pairs.distance))
    reached = np.bincount(pairs.supply, weights=w * p[pairs.demand], minlength=len(s))
    ratio = np.zeros(len(s))
    np.divide(s, reached, out=ratio, where=reached > 0)
    score = np.bincount(pairs.demand, weights=w * ratio[pairs.supply], minlength=len(p)).astype(np.float64)
    return score, ratio


def parse_steps(text: str) -> dict[float, float]:
    """'d1:w1,d2:w2,...' → {d1: w1, ...}; ValueError with a clear message."""
    out: dict[float, float] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if ":" not in part:
            raise ValueError(f"step {part!r} is not distance:weight")
        d, w = part.split(":", 1)
        try:
            dist, weight = float(d), float(w)
        except ValueError:
            raise ValueError(f"step {part!r} is not distance:weight") from None
        if not (np.isfinite(dist) and np.isfinite(weight)) or dist <= 0 or weight < 0:
            raise ValueError(f"step {part!r}: the distance must be positive and the weight not negative")
        out[dist] = weight
    if not out:
        raise ValueError("no steps given")
    return out
