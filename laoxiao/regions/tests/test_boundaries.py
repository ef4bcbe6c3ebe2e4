from __future__ import annotations

import json
from pathlib import Path

from laoxiao.regions.boundaries import county_boundaries_geojson

DATA = Path(__file__).resolve().parents[2] / "regions" / "data"


def test_huaibei_counties_with_their_codes():
    data = county_boundaries_geojson("340600")
    assert data["type"] == "FeatureCollection"
    props = [f["properties"] for f in data["features"]]
    assert [(p["name"], p["code"]) for p in props] == [
        ("杜集区", "340602000000"),
        ("相山区", "340603000000"),
        ("烈山区", "340604000000"),
        ("濉溪县", "340621000000"),
    ]
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in data["features"])
    with_city = county_boundaries_geojson("340600000000", include_city=True)
    assert with_city["features"][0]["properties"] == {
        "name": "淮北市",
        "adcode": "340600",
        "code": "340600000000",
        "level": "city",
    }


def test_any_city_works():
    nanjing = county_boundaries_geojson("320100")
    assert len(nanjing["features"]) >= 10
    assert all(f["properties"]["adcode"].startswith("3201") for f in nanjing["features"])


def test_committed_static_files_match_the_source():
    counties = json.loads((DATA / "340600.geojson").read_text(encoding="utf-8"))
    assert counties == county_boundaries_geojson("340600")
    outline = json.loads((DATA / "340600-outline.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["name"] for f in outline["features"]] == ["淮北市"]
