"""E04 from service records (``laoxiao.services.indicators``) on a small hand-built case, and the
cockpit showing it beside today's facility-based E04."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from laoxiao.people.tests.factories import make_elder
from laoxiao.plan import calculators as c
from laoxiao.plan.models import Measure
from laoxiao.providers.models import Provider
from laoxiao.providers.tests.factories import make_provider, make_staff
from laoxiao.services.indicators import DEFINITION, KEY
from laoxiao.services.models import MealRecord, ServiceVisit

pytestmark = pytest.mark.django_db

XS1, XS2, SX1, SX2 = "340603001001", "340603001002", "340621100001", "340621100002"


def visit(elder: Any, worker: Any, provider: Provider, day: dt.date, status: str, n: int) -> ServiceVisit:
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(9, n)))
    return ServiceVisit.objects.create(
        provider=provider,
        region_code=elder.region_code,
        elder=elder,
        worker=worker,
        item_id="hv_cleaning",
        method="card",
        check_in_at=at,
        check_out_at=at + dt.timedelta(minutes=60),
        minutes=60,
        service_day=day,
        recorded_at=at + dt.timedelta(minutes=61),
        source="api",
        status=status,
    )


def meal(elder: Any, provider: Provider, day: dt.date) -> MealRecord:
    return MealRecord.objects.create(
        elder=elder,
        provider=provider,
        region_code=elder.region_code,
        served_on=day,
        slot="lunch",
        mode="dine_in",
        verified_by="face",
        price_fen=1000,
        subsidy_fen=0,
        paid_fen=1000,
        recorded_at=timezone.now(),
    )


@pytest.fixture
def case(city: dict[str, Any], admin_user: Any) -> dict[str, Any]:
    centre = make_provider(1, region=XS1, kind=Provider.Kind.COMMUNITY_CENTRE)
    worker = make_staff(centre)
    e1 = make_elder(admin_user, seq=1, region=XS1)
    e2 = make_elder(admin_user, seq=2, region=XS2)
    e3 = make_elder(admin_user, seq=3, region=SX1)
    e4 = make_elder(admin_user, seq=4, region=SX2)
    dec = dt.date(2021, 12, 10)
    visit(e1, worker, centre, dec, "verified", 1)  # XS1: a counted visit
    visit(e2, worker, centre, dec, "held", 2)  # XS2: held: not delivered as far as E04 counts
    visit(e2, worker, centre, dt.date(2021, 11, 30), "cleared", 3)  # ... and a cleared one in November
    meal(e3, centre, dec)  # SX1: a meal
    meal(e4, centre, dt.date(2022, 1, 1))  # SX2: a meal in the next month only
    return {"centre": centre}


def test_communities_where_a_service_was_delivered_in_the_period(case: dict[str, Any]) -> None:
    december = c.Ctx(period=c.Period.parse("2021-12"))
    assert DEFINITION.tally(december) == {XS1: [1, 1], XS2: [0, 1], SX1: [1, 1], SX2: [0, 1]}
    year = c.Ctx(period=c.Period.parse("2021"))
    assert DEFINITION.tally(year) == {XS1: [1, 1], XS2: [1, 1], SX1: [1, 1], SX2: [0, 1]}
    listed = DEFINITION.listing(december, "numerator")
    assert listed is not None


def test_the_measure_is_registered_and_loaded() -> None:
    assert KEY in c.REGISTRY
    m = Measure.objects.get(key=KEY)
    assert m.kind == "computed" and m.alias == ""
    assert c.resolve_measure("E04") == "home_community_care_coverage"  # E04 stays today's definition


def test_the_cockpit_shows_both_definitions(case: dict[str, Any], admin_user: Any, client: Any) -> None:
    from django.urls import reverse

    from laoxiao.plan.engine import indicators_compute

    indicators_compute(period="2021", codes=["E04", KEY])
    client.force_login(admin_user)
    page = client.get(reverse("cockpit") + "?period=2021")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="card-E04"' in html and 'id="second-E04"' in html
    from laoxiao.plan.models import IndicatorValue

    city = IndicatorValue.objects.get(measure_id=KEY, region_code="340600000000", period="2021")
    assert (city.numerator, city.denominator) == (3, 4) and city.value == Decimal("75")
