"""The change-log page (/changelog/) and its filters; the same filters on /api/v1/changelog/."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from laoxiao.core.models import ChangeLog

UTC = dt.UTC


def _row(marker: str, *, action: str, target_type: str, region_code: str, at: dt.datetime) -> ChangeLog:
    return ChangeLog.objects.create(
        at=at,
        actor_name="tester",
        action=action,
        target_type=target_type,
        target_id=marker,
        target_repr=marker,
        region_code=region_code,
    )


@pytest.fixture
def rows(city: dict[str, Any]) -> None:
    _row(
        "R-XS-CREATE",
        action="create",
        target_type="regions.region",
        region_code="340603001001",
        at=dt.datetime(2024, 1, 10, 4, 0, tzinfo=UTC),
    )
    _row(
        "R-XS-UPDATE",
        action="update",
        target_type="regions.populationfigure",
        region_code="340603000000",
        at=dt.datetime(2024, 2, 10, 4, 0, tzinfo=UTC),
    )
    _row(
        "R-SX-UPDATE",
        action="update",
        target_type="regions.region",
        region_code="340621100001",
        at=dt.datetime(2024, 3, 10, 4, 0, tzinfo=UTC),
    )
    _row(
        "R-CITY",
        action="update",
        target_type="regions.region",
        region_code="340600000000",
        at=dt.datetime(2024, 3, 11, 4, 0, tzinfo=UTC),
    )
    _row(
        "R-NOREGION",
        action="create",
        target_type="accounts.apitoken",
        region_code="",
        at=dt.datetime(2024, 3, 12, 4, 0, tzinfo=UTC),
    )


ALL = {"R-XS-CREATE", "R-XS-UPDATE", "R-SX-UPDATE", "R-CITY", "R-NOREGION"}


def shown(client: Client, **params: str) -> set[str]:
    response = client.get("/changelog/", params)
    assert response.status_code == 200
    html = response.content.decode()
    return {m for m in ALL if m + "<br>" in html}


def shown_by_api(client: Client, **params: str) -> set[str]:
    response = client.get("/api/v1/changelog/", params)
    assert response.status_code == 200, response.content
    return {item["target_id"] for item in response.json()["items"]}


@pytest.mark.parametrize("read", [shown, shown_by_api], ids=["page", "api"])
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ALL),
        ({"action": "create"}, {"R-XS-CREATE", "R-NOREGION"}),
        ({"action": "update"}, {"R-XS-UPDATE", "R-SX-UPDATE", "R-CITY"}),
        ({"target_type": "regions.populationfigure"}, {"R-XS-UPDATE"}),
        ({"region": "340603000000"}, {"R-XS-CREATE", "R-XS-UPDATE"}),
        ({"region": "340621100001"}, {"R-SX-UPDATE"}),
        ({"region": "340600000000"}, {"R-XS-CREATE", "R-XS-UPDATE", "R-SX-UPDATE", "R-CITY"}),
        ({"since": "2024-02-10"}, {"R-XS-UPDATE", "R-SX-UPDATE", "R-CITY", "R-NOREGION"}),
        ({"until": "2024-02-10"}, {"R-XS-CREATE", "R-XS-UPDATE"}),
        ({"since": "2024-02-01", "until": "2024-03-10"}, {"R-XS-UPDATE", "R-SX-UPDATE"}),
        ({"action": "update", "region": "340603000000"}, {"R-XS-UPDATE"}),
    ],
)
def test_filters(
    client: Client, rows: None, admin_user: Any, read: Any, params: dict[str, str], expected: set[str]
) -> None:
    client.force_login(admin_user)
    assert read(client, **params) == expected


def test_a_bad_date_on_the_page_is_ignored(client: Client, rows: None, admin_user: Any) -> None:
    client.force_login(admin_user)
    assert shown(client, since="not-a-date") == ALL


@pytest.mark.parametrize("read", [shown, shown_by_api], ids=["page", "api"])
def test_an_officer_sees_the_own_district_and_no_row_without_a_region(
    client: Client, rows: None, xiangshan_officer: Any, read: Any
) -> None:
    client.force_login(xiangshan_officer)
    assert read(client) == {"R-XS-CREATE", "R-XS-UPDATE"}
    assert read(client, region="340621000000") == set()  # a filter does not widen the scope


def test_a_district_administrator_without_view_all_sees_no_row_without_a_region(
    client: Client, rows: None
) -> None:
    from laoxiao.accounts.tests.factories import make_user

    # a city-wide assignment but no permission to browse every row
    officer = make_user("city_mz", ["civil_affairs_county"], ["340600000000"])
    client.force_login(officer)
    assert shown(client) == ALL - {"R-NOREGION"}
    assert shown_by_api(client) == ALL - {"R-NOREGION"}


def test_the_page_offers_the_filters(client: Client, rows: None, admin_user: Any) -> None:
    client.force_login(admin_user)
    html = client.get("/changelog/", {"action": "update"}).content.decode()
    assert '<option value="update" selected>' in html
    assert "regions.populationfigure" in html  # a record type to pick
