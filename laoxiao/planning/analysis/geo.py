"""Longitude/latitude → local metres for the planning analyses (numpy only, no Django).

Distances of a few kilometres are measured in a plane: points are projected with a **transverse
Mercator projection centred on the data** (central meridian and origin latitude = the middle of the
points' bounding box), computed on the sphere and then scaled by the WGS 84 ellipsoid's radii of
curvature at the origin (east–west by the prime-vertical radius N, north–south by the meridional
radius M), so that scale is exact at the centre in every direction.

Error at city scale: the transverse Mercator scale grows as 1 + x²/2R² with the distance x from the
central meridian (3·10⁻⁵ at 50 km), and using the centre's radii of curvature elsewhere adds about
10⁻⁴ per half degree of latitude. Over a city (±0.6° of longitude, ±0.5° of latitude around the
centre, about 110 × 110 km) a distance of 1,000 m is off by at most 0.13 m (1.3·10⁻⁴), far below
the accuracy of the coordinates themselves; ``tests/test_geo.py`` checks it against the WGS 84
geodesic (pyproj).

Files in metres (``x,y`` columns) are used as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563
WGS84_E2 = WGS84_F * (2 - WGS84_F)


@dataclass(frozen=True)
class Projection:
    """A transverse Mercator projection centred on (lon0, lat0), in metres."""

    lon0: float
    lat0: float

    @property
    def radii(self) -> tuple[float, float]:
        """(M, N): the meridional and prime-vertical radii of curvature at the origin, in metres."""
        s2 = np.sin(np.radians(self.lat0)) ** 2
        w = np.sqrt(1 - WGS84_E2 * s2)
        return float(WGS84_A * (1 - WGS84_E2) / w**3), float(WGS84_A / w)

    def forward(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
        """An (n, 2) array of x (east) and y (north) metres from the origin."""
        lam = np.radians(np.asarray(lon, dtype=np.float64) - self.lon0)
        phi = np.radians(np.asarray(lat, dtype=np.float64))
        phi0 = np.radians(self.lat0)
        b = np.cos(phi) * np.sin(lam)
        x = np.arctanh(b)
        y = np.arctan2(np.tan(phi), np.cos(lam)) - phi0
        m, n = self.radii
        return np.column_stack([x * n, y * m])


def projection_for(*lonlat_arrays: ArrayLike) -> Projection:
    """The projection centred on the middle of the bounding box of all the given (n, 2) lon/lat
    arrays (empty arrays are skipped)."""
    parts = [np.asarray(a, dtype=np.float64).reshape(-1, 2) for a in lonlat_arrays]
    parts = [p for p in parts if len(p)]
    if not parts:
        return Projection(0.0, 0.0)
    allp = np.vstack(parts)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    return Projection(float((lo[0] + hi[0]) / 2), float((lo[1] + hi[1]) / 2))


def to_metres(lonlat: ArrayLike, projection: Projection) -> NDArray[np.float64]:
    a = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
    if not len(a):
        return np.zeros((0, 2))
    return projection.forward(a[:, 0], a[:, 1])


def check_lonlat(lonlat: ArrayLike) -> None:
    a = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
    if len(a) and (np.abs(a[:, 0]).max() > 180 or np.abs(a[:, 1]).max() >= 90):
        raise ValueError("longitude must lie in [-180, 180] and latitude in (-90, 90)")
