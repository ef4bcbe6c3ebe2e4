"""Test helpers for providers: valid credit codes and ID numbers, providers ready to file."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from stdnum.cn import ric, uscc

from laoxiao.providers.models import FilingDocument, Provider

_serial = itertools.count(1)


def make_uscc(n: int | None = None) -> str:
    body = f"91340603MA2T{(next(_serial) if n is None else n):05d}"
    return body + uscc.calc_check_digit(body)


def make_id_number(birth: str = "19880101", county: str = "340603", seq: int = 1) -> str:
    body = f"{county}{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")  # it ignores the last character


def provider(
    *,
    kind: str = "eldercare_home",
    region: str = "340603001001",
    status: str = "draft",
    **extra: Any,
) -> Provider:
    """A provider written straight to the database (tests of reads and of later steps)."""
    values: dict[str, Any] = {
        "uscc": make_uscc(),
        "name": f"测试机构{kind}",
        "kind": kind,
        "ownership": "private",
        "supply_tier": "market",
        "region_id": region,
        "region_code": region,
        "filing_status": status,
    }
    if kind == "eldercare_home":
        values.update(beds=60, nursing_beds=30)
    values.update(extra)
    return Provider.objects.create(**values)


DOCS = {
    "eldercare_home": ["business_licence", "premises", "fire_safety", "filing_commitment"],
    "childcare_centre": [
        "business_licence",
        "premises",
        "fire_safety",
        "staff_qualifications",
        "staff_health_certificates",
        "health_evaluation",
    ],
}


def give_documents(provider: Provider, *, expires_on: dt.date | None = None) -> None:
    for code in DOCS[provider.kind]:
        FilingDocument.objects.create(
            provider=provider,
            region_code=provider.region_code,
            kind=code,
            number=f"N-{code}",
            issued_on=dt.date(2020, 1, 1),
            expires_on=expires_on,
        )
