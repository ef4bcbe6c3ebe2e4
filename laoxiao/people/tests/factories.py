"""The test helpers of the people app: valid ID numbers, older people, assessment items, children,
a childcare provider with a class. One naming scheme: ``make_<thing>``."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from stdnum.cn import ric

from laoxiao.imports.base import ImportReport, run_import
from laoxiao.people.actions.elders import elder_upsert
from laoxiao.people.models import Child, Elder
from laoxiao.providers.models import ChildcareClass, Provider

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


def make_elder_id(birth: dt.date, seq: int = 1, *, county: str = "340603", male: bool = True) -> str:
    """A valid ID number: county code, birth date, a 3-digit sequence (odd for men), check digit."""
    order = (seq * 2 + (1 if male else 0)) % 1000
    first17 = f"{county}{birth:%Y%m%d}{order:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def make_items(total: int) -> dict[str, int]:
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
    """An older person registered through ``elder_upsert`` (ID number from ``seq`` and ``birth``)."""
    county = region[:6]
    payload = {
        "id_number": make_elder_id(birth, seq, county=county),
        "name": f"老人{seq}",
        "region_code": region,
    }
    payload.update(data)
    return elder_upsert(actor=actor, data=payload)


def make_child_id(region6: str, birth: dt.date, seq: int = 1, *, sex: str = "M") -> str:
    """A valid 18-character ID number (odd 17th digit for a boy, even for a girl)."""
    seq3 = seq * 2 + (1 if sex == "M" else 0)
    first17 = f"{region6}{birth:%Y%m%d}{seq3 % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def make_child(
    *,
    name: str = "小明",
    birth: dt.date = dt.date(2025, 2, 1),
    region_code: str = "340603001001",
    cert: str = "",
    id_no: str = "",
    sex: str = "M",
    discharge: dt.date | None = None,
) -> Child:
    """A child written straight to the table (tests of actions use the actions)."""
    return Child.objects.create(
        name=name,
        sex=sex,
        birth_date=birth,
        region_id=region_code,
        region_code=region_code,
        birth_certificate_number=cert,
        id_number=id_no,
        discharge_date=discharge,
    )


def make_provider(region_code: str = "340603001001", uscc: str = "52340603MA0000001X") -> Provider:
    return Provider.objects.create(
        uscc=uscc,
        name="东街道普惠托育园",
        kind="childcare_centre",
        ownership="private",
        supply_tier="inclusive",
        region_id=region_code,
        region_code=region_code,
        filing_status="filed",
    )


def make_class(provider: Provider, *, class_type: str = "toddler", capacity: int = 15) -> ChildcareClass:
    return ChildcareClass.objects.create(
        provider=provider,
        region_code=provider.region_code,
        name=f"{class_type}-{capacity}",
        class_type=class_type,
        capacity=capacity,
        carers=3,
    )


def run_csv(kind: str, text: str, actor: Any) -> ImportReport:
    return run_import(kind, io.BytesIO(text.encode()), actor=actor, filename=f"{kind}.csv")
