"""Helpers for the tests of older people: valid ID numbers, elders and assessment items."""

from __future__ import annotations

import datetime as dt
from typing import Any

from stdnum.cn import ric

from laoxiao.people.models import Elder

XS1 = "340603001001"  # 相山区 东街道 1社区
XS2 = "340603001002"
SX1 = "340621100001"  # 濉溪县 濉溪镇 1社区

# GB/T 42195-2022 item maxima in the canonical order
ITEM_MAX = {
    "eating": 4,
    "grooming": 4,
    "bathing": 4,
    "dressing_upper": 4,
    "dressing_lower": 4,
    "urination": 4,
    "defecation": 4,
    "toileting": 4,
    "bed_mobility": 4,
    "transfer": 4,
    "walking": 4,
    "stairs": 3,
    "time_orientation": 4,
    "place_orientation": 4,
    "person_orientation": 4,
    "memory": 4,
    "comprehension": 4,
    "expression": 4,
    "aggression": 1,
    "depression": 1,
    "consciousness": 2,
    "vision": 2,
    "hearing": 2,
    "daily_affairs": 4,
    "transportation": 3,
    "social_interaction": 4,
}


def id_number(birth: dt.date, seq: int = 1, *, county: str = "340603", male: bool = True) -> str:
    """A valid ID number: county code, birth date, a 3-digit sequence (odd for men), check digit."""
    order = (seq * 2 + (1 if male else 0)) % 1000
    first17 = f"{county}{birth:%Y%m%d}{order:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def items_with_total(total: int) -> dict[str, int]:
    """Item scores summing to ``total`` (filled item by item, in order)."""
    out: dict[str, int] = {}
    left = total
    for key, top in ITEM_MAX.items():
        out[key] = min(top, left)
        left -= out[key]
    assert left == 0
    return out


def make_elder(
    actor: Any, *, seq: int = 1, region: str = XS1, birth: dt.date = dt.date(1945, 5, 6), **data: Any
) -> Elder:
    from laoxiao.people.actions.elders import elder_upsert

    county = region[:6]
    payload = {"id_number": id_number(birth, seq, county=county), "name": f"老人{seq}", "region_code": region}
    payload.update(data)
    return elder_upsert(actor=actor, data=payload)
