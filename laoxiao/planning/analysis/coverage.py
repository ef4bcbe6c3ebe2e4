"""Service-circle coverage (numpy/scipy only, no Django).

For each demand point: the nearest facility, its distance, whether it lies within the walking
threshold (``distance <= radius``) and how many facilities do. Straight-line distances are
multiplied by a detour factor (1.0 = plain straight line; 1.3 is a common allowance for streets);
``laoxiao.planning.analysis.network`` gives the same result over a road network.

Distances are computed exactly as ``sqrt(dx² + dy²) * detour`` on the projected metres, so the
result is bit-equal to a brute-force computation over every pair (``tests/test_coverage.py``); only
on an exact tie between two facilities may the nearest one differ from the lowest index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree


@dataclass
class Coverage:
    nearest: NDArray[np.int64]  # index into the supply points, -1 when there is no facility
    distance: NDArray[np.float64]  # to the nearest facility (metres × detour), inf when none
    covered: NDArray[np.bool_]  # distance <= radius
    count: NDArray[np.int64]  # facilities within the radius
    radius: float

    def __len__(self) -> int:
        return len(self.nearest)


def _points(a: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(a, dtype=np.float64).reshape(-1, 2)


def straight_coverage(
    demand_xy: ArrayLike, supply_xy: ArrayLike, radius: float, *, detour: float = 1.0
) -> Coverage:
    """Coverage with straight-line distances × ``detour`` (metres in, metres out)."""
    if radius <= 0 or detour <= 0:
        raise ValueError("radius and detour must be positive")
    demand, supply = _points(demand_xy), _points(supply_xy)
    n = len(demand)
    if not len(supply) or not n:
        return Coverage(
            np.full(n, -1, dtype=np.int64),
            np.full(n, np.inf),
            np.zeros(n, dtype=bool),
            np.zeros(n, dtype=np.int64),
            float(radius),
        )
    tree = cKDTree(supply)
    d, idx = tree.query(demand, k=1)
    dist = d * detour if detour != 1.0 else d
    covered = dist <= radius
    count = covered.astype(np.int64)
    _count_many(tree, demand, supply, idx, covered, count, radius, detour)
    return Coverage(idx.astype(np.int64), dist, covered, count, float(radius))


def _count_many(
    tree: cKDTree,
    demand: NDArray[np.float64],
    supply: NDArray[np.float64],
    nearest: NDArray[np.int64],
    covered: NDArray[np.bool_],
    count: NDArray[np.int64],
    radius: float,
    detour: float,
) -> None:
    """Count the facilities within the radius of each covered point, in place.

    A facility f within reach of a point p whose nearest facility j is within reach satisfies
    |j f| <= |j p| + |p f| <= 2 × reach (triangle inequality), so only j's neighbours within twice
    the reach need checking — none at all where j has none (count = 1). Points are grouped by their
    nearest facility and each group is checked against its few neighbours with the same exact
    formula as everywhere else, so the count is bit-for-bit what brute force gives."""
    m = len(supply)
    reach = radius / detour
    neighbours = tree.query_ball_point(supply, 2 * reach * (1 + 1e-9))
    multi = np.fromiter((len(x) > 1 for x in neighbours), dtype=bool, count=m)
    rows_all = np.flatnonzero(covered & multi[nearest])
    if not len(rows_all):
        return
    near = nearest[rows_all].astype(np.int16 if m < 32_000 else np.int64)
    order = np.argsort(near, kind="stable")  # a radix sort for small integers
    rows_all, near = rows_all[order], near[order]
    starts = np.searchsorted(near, np.arange(m + 1))
    for j in np.flatnonzero(multi):
        a, b = starts[j], starts[j + 1]
        if a == b:
            continue
        rows = rows_all[a:b]
        cand = supply[neighbours[j]]
        pts = demand[rows]
        dx = pts[:, None, 0] - cand[None, :, 0]
        dy = pts[:, None, 1] - cand[None, :, 1]
        dd = np.sqrt(dx * dx + dy * dy)
        if detour != 1.0:
            dd = dd * detour
        count[rows] = (dd <= radius).sum(axis=1)


def brute_force_coverage(
    demand_xy: ArrayLike, supply_xy: ArrayLike, radius: float, *, detour: float = 1.0
) -> Coverage:
    """The same result from the full distance matrix (for tests and the benchmark; O(n·m) memory)."""
    demand, supply = _points(demand_xy), _points(supply_xy)
    dx = demand[:, None, 0] - supply[None, :, 0]
    dy = demand[:, None, 1] - supply[None, :, 1]
    d = np.sqrt(dx * dx + dy * dy)
    if detour != 1.0:
        d = d * detour
    idx = d.argmin(axis=1)
    dist = d[np.arange(len(demand)), idx]
    within = d <= radius
    return Coverage(idx.astype(np.int64), dist, dist <= radius, within.sum(axis=1).astype(np.int64), radius)


@dataclass
class Share:
    label: str
    covered_weight: float
    total_weight: float
    points: int
    covered_points: int

    @property
    def share(self) -> float | None:
        return self.covered_weight / self.total_weight if self.total_weight > 0 else None


def coverage_shares(
    covered: ArrayLike, weight: ArrayLike, labels: Sequence[str] | None = None
) -> list[Share]:
    """Covered weight / total weight for each label (a region, a demand group), sorted by label,
    plus a first row labelled "" for everything."""
    cov = np.asarray(covered, dtype=bool)
    w = np.asarray(weight, dtype=np.float64)
    out = [Share("", float(w[cov].sum()), float(w.sum()), len(w), int(cov.sum()))]
    if labels is None:
        return out
    lab = np.asarray(labels, dtype=object)
    keys, inverse = np.unique(lab.astype(str), return_inverse=True)
    tot = np.bincount(inverse, weights=w, minlength=len(keys))
    cw = np.bincount(inverse, weights=w * cov, minlength=len(keys))
    n = np.bincount(inverse, minlength=len(keys))
    nc = np.bincount(inverse, weights=cov.astype(np.float64), minlength=len(keys))
    for i, key in enumerate(keys):
        out.append(Share(str(key), float(cw[i]), float(tot[i]), int(n[i]), int(nc[i])))
    return out
