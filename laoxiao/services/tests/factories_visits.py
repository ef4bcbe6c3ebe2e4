"""Builders for the visit tests: a provider with a worker, a person at home with a position, one
visit through ``visits_record``, the reviewers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from laoxiao.accounts.tests.factories import make_user
from laoxiao.people.models import Elder
from laoxiao.people.tests.factories import make_elder_id
from laoxiao.providers.models import Certificate, Provider, ServiceItem, StaffMember
from laoxiao.providers.tests.factories import make_id_number, make_provider
from laoxiao.services.actions.visits import RecordResult, visits_record
from laoxiao.services.models import ServiceVisit

HOME_LON, HOME_LAT = 116.8000, 33.9500
CERT = "养老护理员职业技能等级证书"
# 1 m of latitude ≈ 1 / 111_195 degrees
M_LAT = 1 / 111_195


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment on ``day`` in the platform's time zone."""
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def make_home_provider(n: int = 11, region: str = "340603001001") -> Provider:
    return make_provider(n, region=region, kind=Provider.Kind.COMMUNITY_CENTRE)


def make_worker(
    provider: Provider,
    *,
    seq: int = 1,
    hired_on: dt.date | None = dt.date(2023, 1, 1),
    left_on: dt.date | None = None,
    cert: tuple[dt.date | None, dt.date | None] | None = (dt.date(2023, 1, 1), None),
) -> StaffMember:
    member = StaffMember.objects.create(
        provider=provider,
        region_code=provider.region_code,
        id_number=make_id_number(seq=seq, county=provider.region_code[:6]),
        name=f"护理员{seq}",
        role=StaffMember.Role.ELDERCARE_WORKER,
        hired_on=hired_on,
        left_on=left_on,
    )
    if cert is not None:
        Certificate.objects.create(
            staff=member,
            region_code=provider.region_code,
            kind=CERT,
            number=f"C{member.pk:06d}",
            issued_on=cert[0],
            expires_on=cert[1],
        )
    return member


def make_person(seq: int = 1, region: str = "340603001001", **extra: Any) -> Elder:
    values: dict[str, Any] = {
        "id_number": make_elder_id(dt.date(1945, 5, 6), seq, county=region[:6]),
        "name": f"老人{seq}",
        "sex": "M",
        "birth_date": dt.date(1945, 5, 6),
        "region_id": region,
        "region_code": region,
        "home_lon": HOME_LON,
        "home_lat": HOME_LAT,
    }
    values.update(extra)
    return Elder.objects.create(**values)


def row(
    provider: Provider,
    worker: StaffMember,
    elder: Elder,
    *,
    start: dt.datetime,
    minutes: int = 60,
    item: str = "hv_bath",
    method: str = ServiceVisit.Method.APP_GPS,
    north_m: float = 0,
    lon: float | None = HOME_LON,
    lat: float | None = HOME_LAT,
    **extra: Any,
) -> dict[str, Any]:
    la = None if lat is None else lat + north_m * M_LAT
    out: dict[str, Any] = {
        "provider": provider,
        "worker_id": worker.pk,
        "elder": elder,
        "item": ServiceItem.objects.get(code=item),
        "method": method,
        "check_in_at": start,
        "check_out_at": start + dt.timedelta(minutes=minutes),
        "check_in_lon": lon,
        "check_in_lat": la,
        "check_out_lon": lon,
        "check_out_lat": la,
    }
    out.update(extra)
    return out


def record(actor: Any, *rows: dict[str, Any]) -> RecordResult:
    return visits_record(actor=actor, rows=list(rows), source=ServiceVisit.Source.API)


def make_operator(provider: Provider, name: str = "op") -> Any:
    return make_user(name, ["provider_operator"], [provider.region_code], provider=provider)


def make_reviewer(
    name: str = "rev", region: str = "340603000000", role: str = "civil_affairs_county", **extra: Any
) -> Any:
    return make_user(name, [role], [region], **extra)


def load_reference() -> None:
    """Service items and rules, for ``transaction=True`` tests (a flush after an earlier one
    empties the tables the migrations filled)."""
    from laoxiao.core.rules import load_rules
    from laoxiao.providers.loader import load_service_items

    load_service_items()
    load_rules()
