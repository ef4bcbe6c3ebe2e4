"""Where to build next: maximal covering location and set covering (numpy/scipy only, no Django).

Demand points i with weights w_i, candidate sites j, and the sparse 0/1 matrix ``a_ij = 1`` when
candidate j lies within the radius of i (distance <= R, as in coverage). Existing facilities are
kept: the demand they already cover is not counted as new.

**Maximal covering** (Church and ReVelle 1974), choose exactly k sites:

    max Σ_i w_i y_i   s.t.   y_i <= Σ_j a_ij x_j,   Σ_j x_j = k,   x_j ∈ {0, 1},   0 <= y_i <= 1

solved by HiGHS (``scipy.optimize.milp``) on the sparse formulation. y may stay continuous: at an
optimum y_i = min(1, Σ_j a_ij x_j), which is 0 or 1 once x is integral. Only demand points that are
not yet covered, have weight and can be reached by a candidate get a y; points reached by the same set
of candidates are merged first (their weights added), which shrinks large instances a lot.

**Greedy** adds, k times, the candidate that newly covers the most weight. Its value is within
(1 − 1/e) of the optimum, and every step gives an upper bound (value so far + the k largest
marginal gains, Leskovec et al. 2007); the smallest bound gives the reported gap.

**Set covering**: the fewest sites so that the covered share of all weight (existing coverage
included) reaches a target:

    min Σ_j x_j   s.t.   Σ_i w_i y_i >= target · W − (weight already covered),   y_i <= Σ_j a_ij x_j

The chosen sites are reported in greedy order within the chosen set, each with the weight it adds
after the ones before it (so the added weights sum to the newly covered weight).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import LinearConstraint, milp
from scipy.sparse import csc_matrix, csr_matrix, hstack, identity, vstack

from laoxiao.planning.analysis.accessibility import pairs_within

GREEDY_ABOVE_NONZEROS = 20_000_000  # "auto" switches to greedy above this many coverage entries


@dataclass
class SitingResult:
    chosen: list[int]  # candidate indexes, in order
    added_weight: list[float]  # newly covered weight each adds after the ones before it
    weight_total: float
    covered_before: float  # weight covered by existing facilities
    covered_after: float
    method: str  # "exact" or "greedy"
    upper_bound: float  # on covered_after (an optimum's value when exact)
    status: str = "optimal"
    seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative optimality gap of the newly covered weight (0 when proven optimal)."""
        new = self.covered_after - self.covered_before
        bound = self.upper_bound - self.covered_before
        if bound <= 0:
            return 0.0
        return max(0.0, (bound - new) / bound)


def cover_matrix(
    demand_xy: ArrayLike, site_xy: ArrayLike, radius: float, *, detour: float = 1.0
) -> csr_matrix:
    """a_ij = 1 where sqrt(dx²+dy²) * detour <= radius (demand × sites, CSR)."""
    demand = np.asarray(demand_xy, dtype=np.float64).reshape(-1, 2)
    sites = np.asarray(site_xy, dtype=np.float64).reshape(-1, 2)
    if not len(demand) or not len(sites):
        return csr_matrix((len(demand), len(sites)), dtype=np.int8)
    i, j, d = pairs_within(demand, sites, radius / detour * (1 + 1e-9))
    if detour != 1.0:
        d = d * detour
    keep = d <= radius
    return csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.int8), (i[keep], j[keep])), shape=(len(demand), len(sites))
    )


def _reduce(cover: csr_matrix, weight: NDArray[np.float64]) -> tuple[csr_matrix, NDArray[np.float64]]:
    """Keep rows with weight and a candidate; merge rows with the same candidate set."""
    cover = csr_matrix(cover, dtype=np.int8)
    cover.sum_duplicates()
    cover.sort_indices()
    rows = np.flatnonzero((np.diff(cover.indptr) > 0) & (weight > 0))
    sub = cover[rows]
    keys: dict[bytes, int] = {}
    merged_w: list[float] = []
    keep_rows: list[int] = []
    indptr, indices = sub.indptr, sub.indices
    for r in range(sub.shape[0]):
        key = indices[indptr[r] : indptr[r + 1]].tobytes()
        at = keys.get(key)
        if at is None:
            keys[key] = len(merged_w)
            merged_w.append(float(weight[rows[r]]))
            keep_rows.append(r)
        else:
            merged_w[at] += float(weight[rows[r]])
    return sub[keep_rows], np.asarray(merged_w, dtype=np.float64)


def _order(
    cover: csr_matrix, weight: NDArray[np.float64], chosen: list[int]
) -> tuple[list[int], list[float]]:
    """The chosen sites in greedy order, with the weight each adds after those before it."""
    left = list(chosen)
    uncovered = weight.copy()
    cov_csc = csc_matrix(cover)
    out, added = [], []
    while left:
        gains = [
            float(uncovered[cov_csc.indices[cov_csc.indptr[j] : cov_csc.indptr[j + 1]]].sum()) for j in left
        ]
        best = int(np.argmax(gains))
        j = left.pop(best)
        out.append(j)
        added.append(gains[best])
        uncovered[cov_csc.indices[cov_csc.indptr[j] : cov_csc.indptr[j + 1]]] = 0.0
    return out, added


def _prepare(
    cover: csr_matrix, weight: ArrayLike, existing: csr_matrix | ArrayLike | None
) -> tuple[NDArray[np.float64], float, float]:
    w = np.asarray(weight, dtype=np.float64)
    if len(w) != cover.shape[0]:
        raise ValueError("one weight per demand point")
    if (w < 0).any() or not np.isfinite(w).all():
        raise ValueError("weights must be finite and not negative")
    already = np.zeros(len(w), dtype=bool)
    if existing is not None:
        if hasattr(existing, "shape") and len(getattr(existing, "shape", ())) == 2:
            already = np.asarray(csr_matrix(existing).getnnz(axis=1) > 0)
        else:
            already = np.asarray(existing, dtype=bool)
    before = float(w[already].sum())
    w_new = np.where(already, 0.0, w)
    return w_new, float(w.sum()), before


def maximal_covering(
    cover: csr_matrix,
    weight: ArrayLike,
    k: int,
    *,
    existing: csr_matrix | ArrayLike | None = None,
    method: str = "auto",
    time_limit: float = 60.0,
) -> SitingResult:
    """Choose ``k`` candidates (columns of ``cover``) maximising the newly covered weight.

    ``existing``: a demand × existing-facility cover matrix, or a boolean "already covered" mask.
    ``method``: "exact" (HiGHS), "greedy", or "auto" (exact unless the instance is very large).
    """

    started = time.perf_counter()
    cover = csr_matrix(cover)
    n_cand = cover.shape[1]
    if k < 1 or k > n_cand:
        raise ValueError(f"k must lie between 1 and the number of candidates ({n_cand})")
    w_new, total, before = _prepare(cover, weight, existing)
    red, rw = _reduce(cover, w_new)
    if method == "auto":
        method = "greedy" if red.nnz > GREEDY_ABOVE_NONZEROS else "exact"
    if method == "greedy":
        chosen, bound_new = _greedy(red, rw, k)
        status = "greedy"
    elif method == "exact":
        chosen, bound_new, status = _mclp_milp(red, rw, k, time_limit)
    else:
        raise ValueError(f"unknown method {method!r}")
    order, added = _order(red, rw, chosen)
    new = float(sum(added))
    return SitingResult(
        chosen=order,
        added_weight=added,
        weight_total=total,
        covered_before=before,
        covered_after=before + new,
        method=method,
        upper_bound=before + max(bound_new, new),
        status=status,
        seconds=time.perf_counter() - started,
        extra={"rows": float(red.shape[0]), "nonzeros": float(red.nnz)},
    )


def _greedy(cover: csr_matrix, weight: NDArray[np.float64], k: int) -> tuple[list[int], float]:
    """Greedy choice and the best online upper bound on the optimum (value + top-k gains)."""
    cov_csc = csc_matrix(cover, dtype=np.float64)
    uncovered = weight.copy()
    chosen: list[int] = []
    value = 0.0
    bound = np.inf
    taken = np.zeros(cover.shape[1], dtype=bool)
    for _ in range(k):
        gains = cov_csc.T @ uncovered
        gains[taken] = -1.0
        top = np.sort(gains[~taken])[::-1][:k]
        bound = min(bound, value + float(np.clip(top, 0, None).sum()))
        j = int(np.argmax(gains))
        chosen.append(j)
        taken[j] = True
        value += float(max(gains[j], 0.0))
        uncovered[cov_csc.indices[cov_csc.indptr[j] : cov_csc.indptr[j + 1]]] = 0.0
    gains = cov_csc.T @ uncovered
    gains[taken] = 0.0
    bound = min(bound, value + float(np.sort(gains)[::-1][:k].clip(0).sum()))
    return chosen, bound


def _mclp_milp(
    cover: csr_matrix, weight: NDArray[np.float64], k: int, time_limit: float
) -> tuple[list[int], float, str]:
    m, n = cover.shape  # variables: x (n candidates) then y (m demand rows)
    if m == 0:  # nothing left to cover: any k sites
        return list(range(k)), 0.0, "optimal"
    c = np.concatenate([np.zeros(n), -weight])
    # y_i - Σ_j a_ij x_j <= 0
    link = hstack([-csr_matrix(cover, dtype=np.float64), identity(m, format="csr")], format="csr")
    count = csr_matrix(np.concatenate([np.ones(n), np.zeros(m)]).reshape(1, -1))
    a = vstack([link, count], format="csr")
    lb = np.concatenate([np.full(m, -np.inf), [k]])
    ub = np.concatenate([np.zeros(m), [k]])
    res = _milp_binary_sites(c, a, lb, ub, n, m, time_limit)
    x = res.x[:n]
    chosen = [int(j) for j in np.argsort(-x, kind="stable")[:k]]
    dual = getattr(res, "mip_dual_bound", None)
    bound = -float(dual) if dual is not None and np.isfinite(dual) else -float(res.fun)
    status = "optimal" if res.status == 0 else "time limit"
    return chosen, bound, status


def set_covering(
    cover: csr_matrix,
    weight: ArrayLike,
    target_share: float,
    *,
    existing: csr_matrix | ArrayLike | None = None,
    time_limit: float = 60.0,
) -> SitingResult:
    """The fewest candidates so that covered weight / all weight >= ``target_share``."""

    started = time.perf_counter()
    if not 0 < target_share <= 1:
        raise ValueError("the target share must lie in (0, 1]")
    cover = csr_matrix(cover)
    w_new, total, before = _prepare(cover, weight, existing)
    need = target_share * total - before
    tol = 1e-9 * max(total, 1.0)
    if need <= tol:
        return SitingResult(
            [], [], total, before, before, "exact", before, "optimal", time.perf_counter() - started
        )
    red, rw = _reduce(cover, w_new)
    if rw.sum() + tol < need:
        raise ValueError(
            f"even every candidate reaches only {(before + rw.sum()) / total:.4f} of the weight, "
            f"below the target {target_share:.4f}"
        )
    m, n = red.shape
    c = np.concatenate([np.ones(n), np.zeros(m)])
    link = hstack([-csr_matrix(red, dtype=np.float64), identity(m, format="csr")], format="csr")
    reach = csr_matrix(np.concatenate([np.zeros(n), rw]).reshape(1, -1))
    a = vstack([link, reach], format="csr")
    lb = np.concatenate([np.full(m, -np.inf), [need - tol]])
    ub = np.concatenate([np.zeros(m), [np.inf]])
    res = _milp_binary_sites(c, a, lb, ub, n, m, time_limit)
    chosen = [int(j) for j in np.flatnonzero(res.x[:n] > 0.5)]
    order, added = _order(red, rw, chosen)
    new = float(sum(added))
    return SitingResult(
        chosen=order,
        added_weight=added,
        weight_total=total,
        covered_before=before,
        covered_after=before + new,
        method="exact",
        upper_bound=before + new,
        status="optimal" if res.status == 0 else "time limit",
        seconds=time.perf_counter() - started,
        extra={"rows": float(m), "nonzeros": float(red.nnz)},
    )


def capacitated_covering(
    cover: csr_matrix,
    weight: ArrayLike,
    capacity: ArrayLike,
    k: int,
    *,
    existing: csr_matrix | ArrayLike | None = None,
    time_limit: float = 60.0,
) -> SitingResult:
    """Maximal covering with capacities: choose ``k`` candidates; a new site j serves at most
    ``capacity[j]`` of the demand within its radius, and a demand point's weight may be split among
    the sites that reach it.

        max Σ_ij z_ij   s.t.   Σ_j z_ij <= w_i,   Σ_i z_ij <= C_j x_j,   Σ_j x_j = k,
                               z_ij >= 0 only where a_ij = 1,   x_j ∈ {0, 1}

    Existing facilities are kept without a capacity limit (the demand they cover is not new).
    ``added_weight`` is the weight each chosen site serves; sites are listed by it, largest first.
    """

    started = time.perf_counter()
    cover = csr_matrix(cover)
    n_cand = cover.shape[1]
    if k < 1 or k > n_cand:
        raise ValueError(f"k must lie between 1 and the number of candidates ({n_cand})")
    cap = np.asarray(capacity, dtype=np.float64)
    if len(cap) != n_cand or (cap < 0).any() or not np.isfinite(cap).all():
        raise ValueError("one finite, non-negative capacity per candidate")
    w_new, total, before = _prepare(cover, weight, existing)
    red, rw = _reduce(cover, w_new)
    m, n = red.shape
    coo = red.tocoo()
    p = coo.nnz  # variables: x (n), then z (one per pair)
    rows_i, cols_j = coo.row.astype(np.int64), coo.col.astype(np.int64)
    c = np.concatenate([np.zeros(n), -np.ones(p)])
    pair = np.arange(p)
    demand_rows = csr_matrix((np.ones(p), (rows_i, n + pair)), shape=(m, n + p))
    site_rows = csr_matrix(
        (
            np.concatenate([np.ones(p), -cap]),
            (np.concatenate([cols_j, np.arange(n)]), np.concatenate([n + pair, np.arange(n)])),
        ),
        shape=(n, n + p),
    )
    count = csr_matrix(np.concatenate([np.ones(n), np.zeros(p)]).reshape(1, -1))
    a = vstack([demand_rows, site_rows, count], format="csr")
    lb = np.concatenate([np.full(m + n, -np.inf), [k]])
    ub = np.concatenate([rw, np.zeros(n), [k]])
    upper = np.concatenate([np.ones(n), np.full(p, np.inf)])
    res = milp(
        c,
        constraints=LinearConstraint(a, lb, ub),
        integrality=np.concatenate([np.ones(n), np.zeros(p)]),
        bounds=(np.zeros(n + p), upper),
        options={"time_limit": time_limit, "mip_rel_gap": 0.0, "disp": False},
    )
    if res.x is None:
        raise RuntimeError(f"the solver found no solution: {res.message}")
    x = res.x[:n]
    chosen = [int(j) for j in np.argsort(-x, kind="stable")[:k]]
    served = np.bincount(cols_j, weights=res.x[n:], minlength=n)
    order = sorted(chosen, key=lambda j: (-served[j], j))
    added = [float(served[j]) for j in order]
    new = float(sum(added))
    dual = getattr(res, "mip_dual_bound", None)
    bound = -float(dual) if dual is not None and np.isfinite(dual) else new
    return SitingResult(
        chosen=order,
        added_weight=added,
        weight_total=total,
        covered_before=before,
        covered_after=before + new,
        method="exact",
        upper_bound=before + max(bound, new),
        status="optimal" if res.status == 0 else "time limit",
        seconds=time.perf_counter() - started,
        extra={"rows": float(m), "pairs": float(p)},
    )


def _milp_binary_sites(
    c: NDArray[np.float64],
    a: Any,
    lb: NDArray[np.float64],
    ub: NDArray[np.float64],
    n: int,
    m: int,
    time_limit: float,
) -> Any:
    """HiGHS on ``min c·z, lb ≤ A z ≤ ub, 0 ≤ z ≤ 1`` where the first ``n`` variables (the sites)
    are binary and the last ``m`` (demand covered) continuous; exact (``mip_rel_gap`` 0)."""
    res = milp(
        c,
        constraints=LinearConstraint(a, lb, ub),
        integrality=np.concatenate([np.ones(n), np.zeros(m)]),
        bounds=(0, 1),
        options={"time_limit": time_limit, "mip_rel_gap": 0.0, "disp": False},
    )
    if res.x is None:
        raise RuntimeError(f"the solver found no solution: {res.message}")
    return res
