"""Issue 10, item 12: how far aggregates reach is an explicit rule (accounts.roles.AGGREGATE_READS),
enforced in the selectors; the elder registry's readers are the table RECORD_READERS. Both ways."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from laoxiao.accounts import roles
from laoxiao.accounts.tests.factories import make_user
from laoxiao.people.selectors.elders import visible_elders
from laoxiao.people.tests.factories import make_elder
from laoxiao.plan.calculators import MEASURE_KEYS
from laoxiao.plan.models import IndicatorValue, MajorProject
from laoxiao.plan.selectors.tasks import major_project_list
from laoxiao.providers.tests.factories import make_provider

XS = "340603000000"
SX = "340621000000"


@pytest.fixture
def values(city: dict[str, Any]) -> None:
    for code in (XS, SX):
        IndicatorValue.objects.create(
            measure_id=MEASURE_KEYS["E11"],
            region_code=code,
            period="2021",
            value=Decimal(3),
            numerator=3,
            computed_at=timezone.now(),
        )
    for code in ("340603001001", "340621100001"):
        MajorProject.objects.create(
            year=2024,
            name=f"项目{code}",
            kind=MajorProject.Kind.OTHER,
            region_code=code,
            investment=Decimal(1),
        )


def _values(client: Any, user: Any, region: str) -> Any:
    client.force_login(user)
    return client.get(f"/api/v1/indicators/values?region={region}&period=2021")


def test_by_the_rule_a_county_officer_reads_every_county_and_the_whole_project_list(
    client: Any, values: None, xiangshan_officer: Any
) -> None:
    assert roles.AGGREGATE_READS == {"indicator_values": "city", "major_projects": "city"}
    assert _values(client, xiangshan_officer, SX).status_code == 200
    assert major_project_list(actor=xiangshan_officer).count() == 2


def test_with_the_rule_set_to_own_regions_other_counties_are_refused(
    client: Any, values: None, xiangshan_officer: Any, admin_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(roles.AGGREGATE_READS, "indicator_values", "own")
    monkeypatch.setitem(roles.AGGREGATE_READS, "major_projects", "own")
    assert _values(client, xiangshan_officer, SX).status_code == 404
    assert _values(client, xiangshan_officer, XS).status_code == 200
    assert _values(client, xiangshan_officer, "340600000000").status_code == 200  # the city's total
    assert {p.region_code for p in major_project_list(actor=xiangshan_officer)} == {"340603001001"}
    assert major_project_list(actor=admin_user).count() == 2


def test_provider_operators_read_no_aggregates(client: Any, values: None, city: dict[str, Any]) -> None:

    operator = make_user("op", ["provider_operator"], [], provider=make_provider(1))
    assert _values(client, operator, XS).status_code == 403
    assert not major_project_list(actor=operator).exists()


def test_health_reads_the_elder_registry_but_not_welfare_visits_by_the_table(
    client: Any, admin_user: Any, city: dict[str, Any]
) -> None:

    assert roles.RECORD_READERS[roles.RECORD_SECTOR["people.elder"]] == {"eldercare", "health"}
    assert roles.RECORD_READERS[roles.RECORD_SECTOR["people.welfarevisit"]] == {"eldercare"}
    elder = make_elder(admin_user)
    health = make_user("xs_wj", ["health_county"], [XS])
    bureau = make_user("rep", ["bureau_reporter"], [XS])
    assert list(visible_elders(health)) == [elder]
    assert not visible_elders(bureau).exists()
    client.force_login(health)
    assert client.get(f"/api/v1/people/elders/{elder.pk}").status_code == 200
