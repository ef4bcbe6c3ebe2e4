"""Helpers for the children's tests: valid ID numbers, a child, a childcare provider with a class."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from stdnum.cn import ric

from laoxiao.imports.base import ImportReport, run_import
from laoxiao.people.models import Child
from laoxiao.providers.models import ChildcareClass, Provider


def id_number(region6: str, birth: dt.date, seq: int = 1, *, sex: str = "M") -> str:
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


def run(kind: str, text: str, actor: Any) -> ImportReport:
    return run_import(kind, io.BytesIO(text.encode()), actor=actor, filename=f"{kind}.csv")
