"""Test helpers of meals, family care beds and respite (``make_<thing>``); merged into
``factories.py`` by the lead."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from laoxiao.accounts.tests.factories import make_user
from laoxiao.people.models import AbilityAssessment, Elder, ElderCategory, FamilyLink
from laoxiao.people.tests.factories import make_elder, make_items
from laoxiao.providers.models import Provider, ServiceItem
from laoxiao.providers.tests.factories import make_staff, provider
from laoxiao.services.models import DeviceVendor, Diner, ServiceVisit

XS1 = "340603001001"
XS2 = "340603001002"
SX1 = "340621100001"
_seq = itertools.count(500)


def make_meal_point(region: str = XS1, **extra: Any) -> Provider:
    return provider(kind="meal_point", region=region, status="filed", **extra)


def make_home(region: str = XS1, *, beds: int = 10, occupied: int = 8, **extra: Any) -> Provider:
    """An elder-care home with ``beds - occupied`` free beds."""
    return provider(
        kind="eldercare_home",
        region=region,
        status="filed",
        beds=beds,
        nursing_beds=0,
        occupied_beds=occupied,
        **extra,
    )


def make_operator(p: Provider, name: str | None = None) -> Any:
    return make_user(name or f"op{p.pk}", ["provider_operator"], [], provider=p)


def make_person(
    actor: Any, *, age: int = 75, region: str = XS1, on: dt.date | None = None, **data: Any
) -> Elder:
    """An older person of ``age`` on ``on`` (default 2025-06-01)."""
    day = on or dt.date(2025, 6, 1)
    birth = (
        dt.date(day.year - age, 1, 15)
        if day >= dt.date(day.year, 1, 15)
        else dt.date(day.year - age - 1, 1, 15)
    )
    return make_elder(actor, seq=next(_seq), region=region, birth=birth, **data)


def make_diner(elder: Elder, point: Provider, on: dt.date = dt.date(2025, 1, 1)) -> Diner:
    return Diner.objects.create(elder=elder, provider=point, region_code=elder.region_code, registered_on=on)


def make_category(elder: Elder, category: str, on: dt.date = dt.date(2024, 1, 1)) -> ElderCategory:
    return ElderCategory.objects.create(
        elder=elder, region_code=elder.region_code, category=category, valid_from=on
    )


def make_assessment(
    elder: Elder, level: str = "moderate", on: dt.date = dt.date(2025, 3, 1)
) -> AbilityAssessment:
    return AbilityAssessment.objects.create(
        elder=elder,
        region_code=elder.region_code,
        assessed_on=on,
        reason="first",
        items=make_items(40),
        self_care=10,
        mobility=10,
        mental=10,
        perception=10,
        total=40,
        preliminary_level=level,
        level=level,
    )


def make_vendor(code: str = "acme") -> DeviceVendor:
    return DeviceVendor.objects.get_or_create(code=code, defaults={"name": code, "key_hash": f"hash-{code}"})[
        0
    ]


def make_family(elder: Elder, name: str = "fam") -> Any:
    user = make_user(name, ["family_member"], [])
    FamilyLink.objects.create(
        user=user,
        elder=elder,
        region_code=elder.region_code,
        relation="child",
        consent_on=dt.date(2024, 1, 1),
    )
    return user


def make_visit(
    elder: Elder, p: Provider, day: dt.date, status: str = "verified", worker: Any = None
) -> ServiceVisit:
    worker = worker or make_staff(p, id_number=f"34060319800101{next(_seq) % 10000:04d}")
    item = ServiceItem.objects.order_by("code").first()
    at = dt.datetime(day.year, day.month, day.day, 9, next(_seq) % 60, tzinfo=dt.UTC)
    return ServiceVisit.objects.create(
        provider=p,
        region_code=elder.region_code,
        elder=elder,
        worker=worker,
        item=item,
        method="app_gps",
        check_in_at=at,
        check_out_at=at + dt.timedelta(minutes=60),
        minutes=60,
        service_day=day,
        recorded_at=at,
        source="app",
        status=status,
    )
