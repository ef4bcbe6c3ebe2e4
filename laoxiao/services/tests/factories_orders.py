"""Test helpers of the orders part: a home-care provider with prices, workers with or without the
certificate, family members with a live (or revoked) link, operators, orders placed by the action."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from laoxiao.accounts.tests.factories import make_user
from laoxiao.people.models import Elder, FamilyLink
from laoxiao.people.tests.factories import make_elder
from laoxiao.providers.models import Certificate, Price, Provider, ServiceItem, StaffMember
from laoxiao.providers.tests.factories import make_id_number, make_provider
from laoxiao.services.actions.orders import order_place
from laoxiao.services.models import Entitlement, ServiceOrder

XS1 = "340603001001"
SX1 = "340621100001"
CERT = "养老护理员职业技能等级证书"
DAY = dt.date(2026, 3, 2)  # a Monday
NOW = timezone.make_aware(dt.datetime(2026, 3, 2, 8, 0))


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def make_home_provider(n: int = 1, *, region: str = XS1, prices: dict[str, str] | None = None) -> Provider:
    """A filed elder-care service centre with a price list (yuan) from 2026-01-01."""
    provider = make_provider(n, region=region, kind=Provider.Kind.COMMUNITY_CENTRE)
    for code, yuan in (prices or {"hv_bath": "80.00", "hv_cleaning": "40.00", "hv_walk": "30.00"}).items():
        Price.objects.create(
            provider=provider,
            region_code=provider.region_code,
            item_id=code,
            price=Decimal(yuan),
            effective_from=dt.date(2026, 1, 1),
        )
    return provider


def make_operator(provider: Provider, username: str = "op1") -> Any:
    return make_user(username, ["provider_operator"], [], provider=provider)


def make_worker(
    provider: Provider, seq: int = 1, *, certificate: bool = True, expires_on: dt.date | None = None
) -> StaffMember:
    member = StaffMember.objects.create(
        provider=provider,
        region_code=provider.region_code,
        id_number=make_id_number("19800101", seq=seq),
        name=f"护理员{seq}",
        role=StaffMember.Role.ELDERCARE_WORKER,
        hired_on=dt.date(2023, 1, 1),
    )
    if certificate:
        Certificate.objects.create(
            staff=member,
            region_code=provider.region_code,
            kind=CERT,
            number=f"C{member.pk:06d}",
            issued_on=dt.date(2022, 1, 1),
            expires_on=expires_on or dt.date(2030, 1, 1),
        )
    return member


def make_family(elder: Elder, username: str = "fam1", *, live: bool = True) -> Any:
    user = make_user(username, ["family_member"], [])
    FamilyLink.objects.create(
        user=user,
        elder=elder,
        region_code=elder.region_code,
        relation="daughter",
        consent_on=dt.date(2026, 1, 1),
        revoked_on=None if live else dt.date(2026, 2, 1),
    )
    return user


def make_person(
    officer: Any, seq: int = 1, *, region: str = XS1, birth: dt.date = dt.date(1944, 5, 6)
) -> Elder:
    return make_elder(officer, seq=seq, region=region, birth=birth)


def make_grant(elder: Elder, fen: int, *, valid_from: dt.date = dt.date(2026, 1, 1)) -> Entitlement:
    return Entitlement.objects.create(
        elder=elder,
        region_code=elder.region_code,
        source=Entitlement.Source.GRANT,
        monthly_fen=fen,
        valid_from=valid_from,
        note="test",
    )


def make_order(
    actor: Any,
    elder: Elder,
    provider: Provider,
    *,
    item: str = "hv_bath",
    when: dt.datetime | None = None,
    minutes: int = 60,
) -> ServiceOrder:
    return order_place(
        actor=actor,
        elder=elder,
        provider=provider,
        item=ServiceItem.objects.get(code=item),
        scheduled_at=when or at(DAY + dt.timedelta(days=1)),
        minutes=minutes,
    )
