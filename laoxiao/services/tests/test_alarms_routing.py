"""Who is on duty for an alarm: the care bed's provider, else the provider that served the person
last (visit or order), else a service centre of the township, then of the county, else none."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from laoxiao.people.models import AbilityAssessment
from laoxiao.providers.models import Provider, ServiceItem
from laoxiao.providers.tests.factories import make_provider
from laoxiao.regions.models import Region
from laoxiao.services.actions.alarms import provider_on_duty
from laoxiao.services.models import CareBedContract, ServiceOrder
from laoxiao.services.tests.factories_alarms import make_alarm_elder, make_centre

AT = timezone.make_aware(dt.datetime(2025, 3, 1, 9, 0))


def _order(elder: Any, provider: Provider) -> ServiceOrder:
    item = ServiceItem.objects.order_by("pk").first()
    assert item is not None
    return ServiceOrder.objects.create(
        elder=elder,
        region_code=elder.region_code,
        provider=provider,
        item=item,
        channel=ServiceOrder.Channel.COMMUNITY,
        scheduled_at=AT,
        minutes=60,
    )


def _bed(elder: Any, provider: Provider) -> CareBedContract:
    assessment = AbilityAssessment.objects.create(
        elder=elder,
        region_code=elder.region_code,
        assessed_on=dt.date(2025, 1, 1),
        reason="first",
        items={},
        self_care=0,
        mobility=0,
        mental=0,
        perception=0,
        total=0,
        preliminary_level="severe",
        level="severe",
    )
    return CareBedContract.objects.create(
        elder=elder,
        region_code=elder.region_code,
        provider=provider,
        county_code=elder.region_code[:6] + "000000",
        assessment=assessment,
        signed_on=dt.date(2025, 1, 2),
    )


@pytest.mark.django_db
def test_routing_rule_in_order(xiangshan_officer: Any, city: dict[str, Any]) -> None:
    town = Region.objects.create(
        code="340603002000", name="西街道", level="township", parent=city["340603000000"]
    )
    Region.objects.create(code="340603002001", name="西街道1社区", level="community", parent=town)
    elder = make_alarm_elder(xiangshan_officer)
    assert provider_on_duty(elder) == (None, "none")
    county_centre = make_centre(
        73, region="340603002001"
    )  # same county, another township (no region row needed)
    assert provider_on_duty(elder) == (county_centre, "centre")
    town_centre = make_centre(74, region="340603001002")  # the person's township
    assert provider_on_duty(elder) == (town_centre, "centre")
    served = make_provider(75, kind=Provider.Kind.ELDERCARE_HOME)
    _order(elder, served)
    assert provider_on_duty(elder) == (served, "served")
    bed_provider = make_provider(76, kind=Provider.Kind.ELDERCARE_HOME)
    contract = _bed(elder, bed_provider)
    assert provider_on_duty(elder) == (bed_provider, "care_bed")
    contract.status = CareBedContract.Status.ENDED
    contract.save()
    assert provider_on_duty(elder) == (served, "served")
