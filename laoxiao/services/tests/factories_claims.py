"""Test helpers of the claims part: visits written straight to the table (``make_visit``), an
entitlement (``make_entitlement``), the people and providers a claim test needs (``claims_world``)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from laoxiao.accounts.tests.factories import make_user
from laoxiao.people.models import Elder
from laoxiao.people.tests.factories import make_elder
from laoxiao.providers.models import Provider, ServiceItem, StaffMember
from laoxiao.providers.tests.factories import make_id_number, make_provider
from laoxiao.services.models import Entitlement, ServiceVisit

PERIOD = dt.date(2026, 3, 1)
_seq = itertools.count(1)


def service_item() -> ServiceItem:
    item = ServiceItem.objects.filter(code__startswith="hv_").order_by("code").first()
    return item or ServiceItem.objects.order_by("code").first()  # type: ignore[return-value]


def make_worker(provider: Provider) -> StaffMember:
    n = next(_seq)
    return StaffMember.objects.create(
        provider=provider,
        region_code=provider.region_code,
        id_number=make_id_number("19800101", provider.region_code[:6], seq=n % 999 + 1),
        name=f"护理员{n}",
        role=StaffMember.Role.ELDERCARE_WORKER,
        hired_on=dt.date(2023, 1, 1),
    )


def make_visit(
    provider: Provider,
    elder: Elder,
    *,
    day: dt.date = PERIOD,
    hour: int = 9,
    status: str = ServiceVisit.Status.VERIFIED,
    flags: list[str] | None = None,
    minutes: int = 60,
    gov_fen: int = 5000,
    worker: StaffMember | None = None,
) -> ServiceVisit:
    worker = worker or StaffMember.objects.filter(provider=provider).first() or make_worker(provider)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, next(_seq) % 60)))
    return ServiceVisit.objects.create(
        provider=provider,
        region_code=elder.region_code,
        elder=elder,
        worker=worker,
        item=service_item(),
        method=ServiceVisit.Method.APP_GPS,
        check_in_at=start,
        check_out_at=start + dt.timedelta(minutes=minutes),
        minutes=minutes,
        service_day=day,
        recorded_at=start + dt.timedelta(minutes=minutes),
        source=ServiceVisit.Source.APP,
        status=status,
        flags=flags
        if flags is not None
        else (["too_short"] if status in ("held", "cleared", "rejected") else []),
        gov_fen=gov_fen,
    )


def make_entitlement(
    elder: Elder, monthly_fen: int, *, valid_from: dt.date = dt.date(2026, 1, 1)
) -> Entitlement:
    return Entitlement.objects.create(
        elder=elder,
        region_code=elder.region_code,
        source=Entitlement.Source.GRANT,
        monthly_fen=monthly_fen,
        valid_from=valid_from,
    )


def claims_world(admin: Any) -> dict[str, Any]:
    """Two home-care providers in 相山区 and one in 濉溪县, three older people (two in 相山区)."""
    xs = make_provider(11, region="340603001001", kind=Provider.Kind.COMMUNITY_CENTRE)
    xs2 = make_provider(12, region="340603001002", kind=Provider.Kind.COMMUNITY_CENTRE)
    sx = make_provider(13, region="340621100001", kind=Provider.Kind.COMMUNITY_CENTRE)
    a = make_elder(admin, seq=1, region="340603001001")
    b = make_elder(admin, seq=2, region="340603001002")
    c = make_elder(admin, seq=3, region="340621100001")
    return {"xs": xs, "xs2": xs2, "sx": sx, "a": a, "b": b, "c": c}


def sx_civil_officer() -> Any:
    """A civil-affairs officer of 濉溪县 (another county)."""
    return make_user("sx_mz", ["civil_affairs_county"], ["340621000000"])


def xs_township_officer() -> Any:
    """A civil-affairs officer of 东街道 (township level, inside 相山区)."""
    return make_user("xs_town", ["civil_affairs_township"], ["340603001000"])


def xs_health_officer() -> Any:
    """A health officer of 相山区: childcare, not elder care."""
    return make_user("xs_wj", ["health_county"], ["340603000000"])
