"""A small hand-made city: 淮北市 with two districts, a township each, two communities each."""

from __future__ import annotations

from typing import Any

from laoxiao.regions.models import PopulationFigure, Region


def make_city(year: int = 2021) -> dict[str, Any]:
    city = Region.objects.create(code="340600000000", name="淮北市", level="city", lon=116.8, lat=33.96)
    out: dict[str, Any] = {"city": city}
    spec = [
        ("340603000000", "相山区", "340603001000", "东街道", False),
        ("340621000000", "濉溪县", "340621100000", "濉溪镇", True),
    ]
    for county_code, county_name, town_code, town_name, rural in spec:
        county = Region.objects.create(code=county_code, name=county_name, level="county", parent=city)
        town = Region.objects.create(
            code=town_code, name=town_name, level="township", parent=county, is_rural=rural
        )
        out[county_code] = county
        out[town_code] = town
        for i in (1, 2):
            code = town_code[:9] + f"{i:03d}"
            community = Region.objects.create(
                code=code, name=f"{town_name}{i}社区", level="community", parent=town, is_rural=rural
            )
            out[code] = community
            PopulationFigure.objects.create(
                region=community,
                region_code=code,
                year=year,
                population=1000 * i,
                households=400 * i,
                age_0_2=30 * i,
                age_60_plus=200 * i,
                age_65_plus=150 * i,
                age_80_plus=30 * i,
            )
    return out
