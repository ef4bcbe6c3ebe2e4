"""A small city with coordinates for the circle tests: four communities on a line, known answers.

相山区 东街道: community 1 at (116.800, 33.95) with 3 older people, community 2 at 5 km east
(116.854, 33.95) with 1; 濉溪县 濉溪镇: communities at 30 km and 31 km east. One filed elder-care
home (40 beds, 20 nursing) 300 m from community 1; a draft home next to community 2 (not counted);
a filed childcare centre with 2 classes (15 + 10 slots) in 濉溪镇 1社区.
"""

from __future__ import annotations

from typing import Any

from laoxiao.people.tests.factories import make_elder
from laoxiao.providers.models import ChildcareClass, Provider
from laoxiao.providers.tests.factories import make_provider
from laoxiao.regions.models import Region

# metres per degree of longitude at 33.95° (WGS 84), to place points by distance
EAST = 92_456.0

PLACES = {
    "340603001001": (116.800, 33.95),
    "340603001002": (116.800 + 5000 / EAST, 33.95),
    "340621100001": (116.800 + 30000 / EAST, 33.95),
    "340621100002": (116.800 + 31000 / EAST, 33.95),
}


def make_circle_city(admin: Any) -> dict[str, Any]:
    for code, (lon, lat) in PLACES.items():
        Region.objects.filter(code=code).update(lon=lon, lat=lat)
    for seq in (1, 2, 3):
        make_elder(admin, seq=seq, region="340603001001")
    make_elder(admin, seq=4, region="340603001002")
    home = make_provider(
        1,
        region="340603001001",
        lon=116.800 + 300 / EAST,
        lat=33.95,
        beds=40,
        nursing_beds=20,
        occupied_beds=0,
    )
    draft = make_provider(
        2,
        region="340603001002",
        lon=PLACES["340603001002"][0],
        lat=33.95,
        status=Provider.FilingStatus.DRAFT,
    )
    nursery = make_provider(
        3,
        region="340621100001",
        kind=Provider.Kind.CHILDCARE_CENTRE,
        lon=PLACES["340621100001"][0],
        lat=33.95,
    )

    for name, cap in (("a", 15), ("b", 10)):
        ChildcareClass.objects.create(
            provider=nursery,
            region_code=nursery.region_code,
            name=name,
            class_type="toddler",
            capacity=cap,
            carers=3,
        )
    return {"home": home, "draft": draft, "nursery": nursery}
