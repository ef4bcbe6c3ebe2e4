"""Walking distances over a road network (numpy/scipy only, no Django).

The network is undirected: nodes with coordinates (projected to metres like every other point) and
edges ``from, to, length`` in metres (several edges between the same nodes: the shortest counts).

A point (a demand point, a facility, a candidate site) is **snapped** to its nearest node in a
straight line; the distance between a demand point *i* and a facility *j* is

    d(i, j) = snap(i) + shortest path(node(i), node(j)) + snap(j)

Shortest paths come from ``scipy.sparse.csgraph.dijkstra``. Each facility is attached to its node by
a virtual leaf node, so one multi-source run (``min_only=True``) gives every node its nearest
facility including the facility's own snap distance; counts and pairs within a radius come from
runs started at the facilities with ``limit`` = radius − snap(j), in batches, so the work is bounded
by what lies within the radius. Straight-line coverage (× a detour factor) overstates walking
coverage where a river, a railway or a walled compound lies between; this does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from laoxiao.planning.analysis.coverage import Coverage

BATCH = 64  # facilities per Dijkstra run when collecting pairs within the radius
LEAF = 1.0  # added to every virtual leaf edge (and subtracted again) so zero snaps stay edges


@dataclass
class Network:
    xy: NDArray[np.float64]  # (n, 2) node coordinates in metres
    graph: csr_matrix  # symmetric, shortest parallel edge kept

    @classmethod
    def build(cls, xy: ArrayLike, edges_from: ArrayLike, edges_to: ArrayLike, length: ArrayLike) -> Network:
        """``edges_from``/``edges_to`` are node indexes (0..n-1); ``length`` in metres (> 0)."""
        nodes = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        a = np.asarray(edges_from, dtype=np.int64)
        b = np.asarray(edges_to, dtype=np.int64)
        w = np.asarray(length, dtype=np.float64)
        if len(w) and (w <= 0).any():
            raise ValueError("edge lengths must be positive")
        n = len(nodes)
        keep = a != b
        a, b, w = a[keep], b[keep], w[keep]
        # both directions, shortest of parallel edges: sort by length, keep the first of each pair
        rows = np.concatenate([a, b])
        cols = np.concatenate([b, a])
        ws = np.concatenate([w, w])
        order = np.lexsort((ws, cols, rows))
        rows, cols, ws = rows[order], cols[order], ws[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        graph = csr_matrix((ws[first], (rows[first], cols[first])), shape=(n, n))
        return cls(nodes, graph)

    def snap(self, points: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Each point's nearest node and the straight distance to it."""
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if not len(p):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        d, i = cKDTree(self.xy).query(p, k=1)
        return i.astype(np.int64), d

    def _with_leaves(self, nodes: NDArray[np.int64], snaps: NDArray[np.float64]) -> csr_matrix:
        n, m = self.graph.shape[0], len(nodes)
        g = self.graph.tocoo()
        leaves = np.arange(n, n + m)
        rows = np.concatenate([g.row, leaves, nodes])
        cols = np.concatenate([g.col, nodes, leaves])
        data = np.concatenate([g.data, snaps + LEAF, snaps + LEAF])
        return coo_matrix((data, (rows, cols)), shape=(n + m, n + m)).tocsr()


def network_pairs(
    net: Network, demand_xy: ArrayLike, supply_xy: ArrayLike, radius: float, *, strict: bool = False
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """(demand index, supply index, distance) for every pair within ``radius`` over the network
    (``<= radius``, or ``< radius`` with ``strict``)."""
    d_node, d_snap = net.snap(demand_xy)
    s_node, s_snap = net.snap(supply_xy)
    out_i, out_j, out_d = [], [], []
    n = net.graph.shape[0]
    order = np.argsort(d_node, kind="stable")
    sorted_nodes = d_node[order]
    for start in range(0, len(s_node), BATCH):
        js = np.arange(start, min(start + BATCH, len(s_node)))
        reach = radius - s_snap[js]
        live = js[reach >= 0]
        if not len(live):
            continue
        limit = float((radius - s_snap[live]).max())
        dist = dijkstra(net.graph, directed=False, indices=s_node[live], limit=limit)
        dist = dist[:, :n]
        for row, j in enumerate(live):
            total = dist[row, sorted_nodes] + d_snap[order] + s_snap[j]
            ok = total < radius if strict else total <= radius
            hit = np.flatnonzero(ok)
            out_i.append(order[hit])
            out_j.append(np.full(len(hit), j, dtype=np.int64))
            out_d.append(total[hit])
    if not out_i:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_d)


def network_coverage(net: Network, demand_xy: ArrayLike, supply_xy: ArrayLike, radius: float) -> Coverage:
    """Coverage (nearest facility, distance, covered, count) with network distances."""
    demand = np.asarray(demand_xy, dtype=np.float64).reshape(-1, 2)
    supply = np.asarray(supply_xy, dtype=np.float64).reshape(-1, 2)
    n_d = len(demand)
    nearest = np.full(n_d, -1, dtype=np.int64)
    distance = np.full(n_d, np.inf)
    count = np.zeros(n_d, dtype=np.int64)
    if n_d and len(supply):
        d_node, d_snap = net.snap(demand)
        s_node, s_snap = net.snap(supply)
        n = net.graph.shape[0]
        graph = net._with_leaves(s_node, s_snap)
        leaves = np.arange(n, n + len(supply))
        dist, _, sources = dijkstra(
            graph, directed=False, indices=leaves, min_only=True, return_predecessors=True
        )
        reached = np.isfinite(dist[d_node])
        distance[reached] = dist[d_node][reached] - LEAF + d_snap[reached]
        nearest[reached] = sources[d_node][reached] - n
        i, j, d = network_pairs(net, demand, supply, radius)
        count = np.bincount(i, minlength=n_d).astype(np.int64)
        # within the radius, take the nearest from the pairs (exact sums, no virtual leaf)
        order = np.lexsort((j, d, i))
        first = np.ones(len(order), dtype=bool)
        first[1:] = i[order][1:] != i[order][:-1]
        pick = order[first]
        distance[i[pick]] = d[pick]
        nearest[i[pick]] = j[pick]
        outside = count == 0
        distance[outside] = np.maximum(distance[outside], np.nextafter(radius, np.inf))
    return Coverage(nearest, distance, count > 0, count, float(radius))
