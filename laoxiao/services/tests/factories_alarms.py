"""Test helpers for emergency calls and childcare slots (to be merged into ``factories.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from laoxiao.people.models import Child, Contact, Elder, FamilyLink
from laoxiao.people.tests.factories import make_class, make_elder
from laoxiao.providers.models import ChildcareClass, Provider
from laoxiao.providers.tests.factories import make_provider
from laoxiao.services.actions.alarms import vendor_create
from laoxiao.services.models import ChildcareSlot, Device, DeviceVendor

XS1 = "340603001001"  # 相山区 东街道 1社区
SX1 = "340621100001"  # 濉溪县 濉溪镇 1社区


def make_vendor(admin: Any, code: str = "acme", name: str = "Acme 安康") -> tuple[DeviceVendor, str]:
    """A vendor and its raw key (through the action)."""
    return vendor_create(actor=admin, code=code, name=name)


def make_device(
    vendor: DeviceVendor, elder: Elder, *, serial: str = "SN-1", kind: str = Device.Kind.SOS
) -> Device:
    return Device.objects.create(
        vendor=vendor,
        serial=serial,
        kind=kind,
        elder=elder,
        region_code=elder.region_code,
        installed_on=dt.date(2025, 1, 1),
    )


def make_alarm_elder(officer: Any, *, seq: int = 1, region: str = XS1, contact: bool = True) -> Elder:
    """An older person (with one emergency contact unless ``contact=False``)."""
    elder = make_elder(officer, seq=seq, region=region, name=f"张三丰{seq}")
    if contact:
        Contact.objects.create(
            elder=elder,
            region_code=elder.region_code,
            name="张小明",
            relation="son",
            phone="13812345678",
            is_emergency=True,
        )
    return elder


def make_centre(n: int = 70, *, region: str = XS1) -> Provider:
    """An elder-care service centre (the fallback provider on duty)."""
    return make_provider(n, region=region, kind=Provider.Kind.COMMUNITY_CENTRE)


def event_body(
    *, event_id: str = "ev-1", serial: str = "SN-1", kind: str = "sos", at: str = "2025-03-03T08:00:00+08:00"
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "serial": serial,
        "kind": kind,
        "occurred_at": at,
        "payload": {"battery": 80},
    }


# --- childcare ------------------------------------------------------------------------------------


def make_nursery(n: int = 80, *, region: str = XS1) -> Provider:
    return make_provider(n, region=region, kind=Provider.Kind.CHILDCARE_CENTRE)


def make_nursery_class(provider: Provider, *, capacity: int = 10) -> ChildcareClass:
    return make_class(provider, capacity=capacity)


def make_kid(seq: int = 1, *, region: str = XS1, klass: ChildcareClass | None = None) -> Child:
    child = Child.objects.create(
        name=f"小明{seq}",
        sex="M",
        birth_date=dt.date(2024, 2, 1),
        region_id=region,
        region_code=region,
        birth_certificate_number=f"Q3400{seq:06d}",
    )
    if klass is not None:
        Child.objects.filter(pk=child.pk).update(childcare_class=klass, provider=klass.provider)
        child.refresh_from_db()
    return child


def make_link(user: Any, child: Child, *, live: bool = True) -> FamilyLink:
    return FamilyLink.objects.create(
        user=user,
        child=child,
        region_code=child.region_code,
        relation="mother",
        consent_on=dt.date(2025, 1, 1) if live else None,
    )


def make_slot(
    provider: Provider,
    *,
    klass: ChildcareClass | None = None,
    day: dt.date = dt.date(2025, 3, 10),
    places: int = 3,
    booked: int = 0,
    kind: str = ChildcareSlot.Kind.HOURLY,
    start: dt.time = dt.time(9, 0),
) -> ChildcareSlot:
    """A slot written straight to the table (tests of ``slots_open`` use the action)."""
    return ChildcareSlot.objects.create(
        provider=provider,
        childcare_class=klass,
        region_code=provider.region_code,
        day=day,
        kind=kind,
        start_time=start,
        end_time=dt.time(start.hour + 2, 0),
        places=places,
        booked=booked,
        price_fen=3000,
    )
