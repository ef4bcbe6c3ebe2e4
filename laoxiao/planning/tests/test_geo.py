"""The projection to metres, and the pure core's independence from Django."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from laoxiao.planning.analysis.geo import Projection, projection_for, to_metres


def test_origin_is_the_middle_of_the_data():
    proj = projection_for(np.array([[116.6, 33.6], [117.0, 34.2]]))
    assert proj.lon0 == pytest.approx(116.8)
    assert proj.lat0 == pytest.approx(33.9)
    xy = to_metres([[116.8, 33.9]], proj)
    assert np.abs(xy).max() < 1e-6


def test_one_hundredth_of_a_degree_of_latitude_is_1109_2_metres():
    proj = Projection(116.8, 33.9)
    xy = to_metres([[116.8, 33.9], [116.8, 33.91]], proj)
    # WGS 84 meridional radius at 33.9°: a(1−e²)/(1−e² sin²φ)^1.5 = 6,355,344 m → 110,922 m per degree
    assert xy[1, 1] - xy[0, 1] == pytest.approx(1109.22, abs=0.02)
    assert xy[1, 0] == pytest.approx(0, abs=1e-6)


def test_distances_match_the_wgs84_geodesic_over_a_city():
    pyproj = pytest.importorskip("pyproj")
    geod = pyproj.Geod(ellps="WGS84")
    proj = Projection(116.8, 33.9)
    rng = np.random.default_rng(7)
    lon = 116.8 + rng.uniform(-0.6, 0.6, 500)
    lat = 33.9 + rng.uniform(-0.5, 0.5, 500)
    az = rng.uniform(0, 360, 500)
    lon2, lat2, _ = geod.fwd(lon, lat, az, np.full(500, 1000.0))
    a = to_metres(np.column_stack([lon, lat]), proj)
    b = to_metres(np.column_stack([lon2, lat2]), proj)
    d = np.hypot(*(b - a).T)
    assert np.abs(d - 1000).max() < 0.13  # the error stated in geo.py's docstring


def test_the_pure_core_does_not_import_django():
    """Every module of ``laoxiao.planning.analysis`` (walked, so a new one is checked too)."""
    code = (
        "import pkgutil, importlib, sys\n"
        "import laoxiao.planning.analysis as a\n"
        "names = [m.name for m in pkgutil.walk_packages(a.__path__, a.__name__ + '.')]\n"
        "assert len(names) >= 10, names\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
