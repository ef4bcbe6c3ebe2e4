"""Network distances: a river with one bridge far away makes the straight line misleading."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from laoxiao.planning.analysis.coverage import straight_coverage
from laoxiao.planning.analysis.network import Network, network_coverage, network_pairs


def river_town() -> Network:
    """Two streets along the banks of a river (y = 0 and y = 200), one bridge at x = 2000.

    nodes 0..4: south bank at x = 0, 500, 1000, 1500, 2000; nodes 5..9: north bank, same x."""
    xs = [0, 500, 1000, 1500, 2000]
    xy = [(x, 0) for x in xs] + [(x, 200) for x in xs]
    edges = [(i, i + 1, 500) for i in range(4)] + [(5 + i, 6 + i, 500) for i in range(4)]
    edges.append((4, 9, 200))  # the bridge
    a, b, w = zip(*edges, strict=True)
    return Network.build(xy, a, b, w)


def test_the_network_path_is_real_where_the_straight_line_is_short():
    net = river_town()
    home = [[0, 10]]  # 10 m from the south bank's node 0
    centre = [[0, 190]]  # across the river, 10 m from the north bank's node 5
    straight = straight_coverage(home, centre, 1000)
    assert straight.covered.tolist() == [True]
    assert straight.distance[0] == pytest.approx(180)
    walk = network_coverage(net, home, centre, 1000)
    # 10 (snap) + 2000 along the bank + 200 bridge + 2000 back + 10 (snap)
    assert walk.distance[0] == pytest.approx(4220)
    assert walk.covered.tolist() == [False]
    assert walk.count.tolist() == [0]
    assert walk.nearest.tolist() == [0]


def test_nearest_and_count_over_the_network():
    net = river_town()
    demand = [[500, 0], [2000, 0], [0, 200]]
    supply = [[1000, 0], [2000, 200], [10, 200]]  # the last snaps to node 5 with 10 m
    cov = network_coverage(net, demand, supply, 1000)
    assert cov.nearest.tolist() == [0, 1, 2]
    assert cov.distance.tolist() == pytest.approx([500, 200, 10])
    assert cov.count.tolist() == [1, 2, 1]  # from (2000, 0): 1000 m and 200 m


def test_pairs_agree_with_a_full_dijkstra():
    rng = np.random.default_rng(5)
    n = 200
    xy = rng.uniform(0, 3000, (n, 2))
    # a random connected-ish street graph: each node to its 3 nearest others, length = 1.2 × straight
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    near = np.argsort(d, axis=1)[:, 1:4]
    a = np.repeat(np.arange(n), 3)
    b = near.ravel()
    w = d[a, b] * 1.2
    net = Network.build(xy, a, b, w)
    demand = rng.uniform(0, 3000, (80, 2))
    supply = rng.uniform(0, 3000, (15, 2))
    i, j, dist = network_pairs(net, demand, supply, 800)
    full = dijkstra(net.graph, directed=False)
    dn, ds = net.snap(demand)
    sn, ss = net.snap(supply)
    expect = ds[:, None] + full[dn][:, sn] + ss[None, :]
    want = set(zip(*np.nonzero(expect <= 800), strict=True))
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == want
    assert dist == pytest.approx(expect[i, j])
    cov = network_coverage(net, demand, supply, 800)
    finite = np.isfinite(expect.min(axis=1))
    assert cov.distance[finite] == pytest.approx(expect.min(axis=1)[finite])
    assert cov.count.tolist() == (expect <= 800).sum(axis=1).tolist()


def test_parallel_edges_keep_the_shortest_and_strict_pairs_leave_out_the_radius():
    net = Network.build([[0, 0], [1000, 0]], [0, 1], [1, 0], [1500, 1000])
    i, _, d = network_pairs(net, [[0, 0]], [[1000, 0]], 1000)
    assert d.tolist() == [1000]
    assert len(network_pairs(net, [[0, 0]], [[1000, 0]], 1000, strict=True)[0]) == 0


def test_an_unreachable_facility():
    net = Network.build([[0, 0], [100, 0], [5000, 0]], [0], [1], [100])
    cov = network_coverage(net, [[0, 0]], [[5000, 0]], 1000)
    assert cov.nearest.tolist() == [-1]
    assert np.isinf(cov.distance[0])
