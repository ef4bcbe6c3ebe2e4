"""Test helpers for providers (one module, ``make_<thing>`` and a few fixtures' builders):

- ``make_uscc(n=None, county="340603")``: a valid credit code, the ``n``-th of the county (without
  ``n``: the next of a serial that starts above any number a test passes);
- ``make_id_number``: a valid resident ID number;
- ``provider(...)``: a provider of a kind and status, the least fields (tests of reads and of later
  steps); ``make_documents``: its filing documents;
- ``make_provider(n, ...)``: a provider with contact data, coordinates and beds (pages, API,
  scoping); ``make_staff``; ``world``: the five providers of the scoping tests.

Providers are written straight with ``Provider.objects.create`` (no action).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from stdnum.cn import ric, uscc

from laoxiao.core import clock
from laoxiao.providers.models import Certificate, FilingDocument, Provider, StaffMember

# What must never appear on a public page or in the public API.
STAFF_NAME = "柏秘密"
STAFF_ID = "340603198001011237"
CONTACT_PHONE = "13912345678"
CONTACT_NAME = "联系人甲"

_serial = itertools.count(1_000_000)


def make_uscc(n: int | None = None, county: str = "340603") -> str:
    """A valid unified social credit code of a company in ``county`` (numbered ``n``)."""
    body = f"9134{county[2:6]}MA{(next(_serial) if n is None else n):07d}"[:17]
    body = body[:8] + body[8:].replace("I", "1").replace("O", "0")
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


def make_documents(provider: Provider, *, expires_on: dt.date | None = None) -> None:
    for code in DOCS[provider.kind]:
        FilingDocument.objects.create(
            provider=provider,
            region_code=provider.region_code,
            kind=code,
            number=f"N-{code}",
            issued_on=dt.date(2020, 1, 1),
            expires_on=expires_on,
        )


def make_provider(
    n: int,
    *,
    region: str = "340603001001",
    kind: str = Provider.Kind.ELDERCARE_HOME,
    status: str = Provider.FilingStatus.FILED,
    **extra: Any,
) -> Provider:
    values: dict[str, Any] = {
        "uscc": make_uscc(n, region[:6]),
        "name": f"测试机构{n}",
        "kind": kind,
        "ownership": Provider.Ownership.PRIVATE,
        "supply_tier": Provider.SupplyTier.MARKET,
        "region_id": region,
        "region_code": region,
        "address": f"测试路{n}号",
        "lon": 116.8 + n * 0.001,
        "lat": 33.95 + n * 0.001,
        "filing_status": status,
        "filed_on": dt.date(2024, 1, 1) if status == Provider.FilingStatus.FILED else None,
        "contact_name": CONTACT_NAME,
        "contact_phone": CONTACT_PHONE,
        "beds": 0 if kind not in ("eldercare_home",) else 100,
        "occupied_beds": 0 if kind not in ("eldercare_home",) else 60,
        "nursing_beds": 0 if kind not in ("eldercare_home",) else 50,
    }
    values.update(extra)
    return Provider.objects.create(**values)


def make_staff(provider: Provider, *, name: str = STAFF_NAME, id_number: str = STAFF_ID) -> Any:
    member = StaffMember.objects.create(
        provider=provider,
        region_code=provider.region_code,
        id_number=id_number,
        name=name,
        role=StaffMember.Role.ELDERCARE_WORKER
        if not provider.is_childcare
        else StaffMember.Role.INFANT_CARER,
        hired_on=dt.date(2023, 1, 1),
    )
    Certificate.objects.create(
        staff=member,
        region_code=provider.region_code,
        kind="养老护理员职业技能等级证书",
        number=f"C{member.pk:06d}",
        expires_on=clock.today() + dt.timedelta(days=30),
    )
    return member


def world(city: dict[str, Any]) -> dict[str, Provider]:
    """Four providers: elder care and childcare in 相山区 and in 濉溪县, all filed; and a draft."""
    return {
        "xs_elder": make_provider(1, region="340603001001"),
        "xs_child": make_provider(2, region="340603001002", kind=Provider.Kind.CHILDCARE_CENTRE),
        "sx_elder": make_provider(3, region="340621100001"),
        "sx_child": make_provider(4, region="340621100002", kind=Provider.Kind.CHILDCARE_CENTRE),
        "xs_draft": make_provider(
            5, region="340603001001", status=Provider.FilingStatus.DRAFT, name="草稿养老院"
        ),
    }
