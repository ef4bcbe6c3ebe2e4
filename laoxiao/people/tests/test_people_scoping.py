"""Scoping of every read path of the people pages and API: region and sector, never the full ID."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.models import ChangeLog
from laoxiao.people.tests import factories as cf
from laoxiao.people.tests.factories import SX1, XS1, XS2, make_elder


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the msgids: stable whatever the catalogue says
    client.force_login(user)
    return client


@pytest.fixture
def world(city: dict[str, Any], xiangshan_officer: Any) -> dict[str, Any]:
    today = timezone.localdate()
    sx_mz = make_user("sx_mz", ["civil_affairs_county"], ["340621000000"])
    birth = today - dt.timedelta(days=60)
    xs_child_id = cf.make_child_id("340603", birth, 1)
    sx_child_id = cf.make_child_id("340621", birth, 2)
    return {
        "xs1": make_elder(xiangshan_officer, seq=1, region=XS1, name="相山老人", living_arrangement="alone"),
        "xs2": make_elder(
            xiangshan_officer, seq=2, region=XS2, name="二社区老人", living_arrangement="alone"
        ),
        "sx": make_elder(sx_mz, seq=3, region=SX1, name="濉溪老人", living_arrangement="alone"),
        "xs_child": cf.make_child(name="相山娃", birth=birth, region_code=XS1, id_no=xs_child_id),
        "sx_child": cf.make_child(name="濉溪娃", birth=birth, region_code=SX1, id_no=sx_child_id),
        "xs_child_id": xs_child_id,
        "sx_child_id": sx_child_id,
    }


def test_a_health_officer_of_suixi_never_sees_a_xiangshan_child(suixi_officer: Any, world: Any) -> None:
    client = _client(suixi_officer)
    xs, sx = world["xs_child"], world["sx_child"]
    page = client.get("/people/children/").content.decode()
    assert "濉溪娃" in page and "相山娃" not in page
    assert client.get(f"/people/children/{xs.pk}/").status_code == 404
    assert client.get(f"/people/children/{sx.pk}/").status_code == 200
    assert client.get("/people/health/", {"region": XS1}).status_code == 404
    assert "相山娃" not in client.get("/people/health/", {"region": "340621000000"}).content.decode()
    body = client.get("/api/v1/people/children").json()
    assert [c["id"] for c in body["items"]] == [sx.pk]
    assert client.get(f"/api/v1/people/children/{xs.pk}").status_code == 404
    assert client.get("/api/v1/people/health/worklist", {"region": XS1}).status_code == 404
    # the ID-number search does not find the other county's child either
    assert client.get("/api/v1/people/children", {"q": world["xs_child_id"]}).json()["count"] == 0
    assert (
        client.post(
            f"/api/v1/people/children/{xs.pk}/newborn-visits",
            {"visited_on": "2020-01-01"},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_a_civil_affairs_officer_never_sees_children(xiangshan_officer: Any, world: Any) -> None:
    client = _client(xiangshan_officer)
    assert client.get("/people/children/").status_code == 403
    assert client.get(f"/people/children/{world['xs_child'].pk}/").status_code == 403
    assert client.get("/people/health/").status_code == 403
    assert client.get("/api/v1/people/children").json()["count"] == 0
    assert client.get(f"/api/v1/people/children/{world['xs_child'].pk}").status_code == 404
    assert client.get("/api/v1/people/health/worklist", {"region": XS1}).status_code == 404
    response = client.post(
        f"/api/v1/people/children/{world['xs_child'].pk}/checks",
        {"age_point": "1m", "checked_on": "2020-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_elders_are_scoped_by_region(xiangshan_officer: Any, world: Any) -> None:
    client = _client(xiangshan_officer)
    page = client.get("/people/elders/").content.decode()
    assert "相山老人" in page and "二社区老人" in page and "濉溪老人" not in page
    assert client.get(f"/people/elders/{world['sx'].pk}/").status_code == 404
    assert client.get(f"/people/elders/{world['xs1'].pk}/").status_code == 200
    names = [e["name"] for e in client.get("/api/v1/people/elders").json()["items"]]
    assert "濉溪老人" not in names and "相山老人" in names
    assert client.get(f"/api/v1/people/elders/{world['sx'].pk}").status_code == 404
    assert client.get("/api/v1/people/visits/worklist", {"region": SX1}).status_code == 404
    assert client.get("/people/visits/", {"region": SX1}).status_code == 404


def test_a_community_worker_sees_only_their_communitys_visit_list(world: Any) -> None:
    worker = make_user("grid1", ["community_worker"], [XS1])
    client = _client(worker)
    page = client.get("/people/visits/").content.decode()  # their one community by default
    assert "相山老人" in page and "二社区老人" not in page and "濉溪老人" not in page
    assert client.get("/people/visits/", {"region": XS2}).status_code == 404
    assert client.get("/people/visits/", {"region": "340603001000"}).status_code == 404
    body = client.get("/api/v1/people/visits/worklist", {"region": XS1}).json()
    assert [i["name"] for i in body["items"]] == ["相山老人"]
    assert client.get("/api/v1/people/visits/worklist", {"region": XS2}).status_code == 404
    assert client.get(f"/people/elders/{world['xs2'].pk}/").status_code == 404
    assert (
        client.post(
            f"/people/visits/{world['xs2'].pk}/record/", {"visited_on": "2024-01-01", "mode": "home"}
        ).status_code
        == 404
    )
    # a health worker has no visit list at all
    health = make_user("wj1", ["health_community"], [XS1])
    assert _client(health).get("/people/visits/").status_code == 403


def test_nobody_sees_nothing(nobody: Any, world: Any) -> None:
    client = _client(nobody)
    assert "相山老人" not in client.get("/people/elders/").content.decode()
    assert client.get(f"/people/elders/{world['xs1'].pk}/").status_code == 404
    assert client.get("/api/v1/people/elders").json()["count"] == 0


def test_full_id_numbers_never_appear(admin_user: Any, world: Any) -> None:
    client = _client(admin_user)
    elder = world["xs1"]
    full = elder.id_number
    pages = [
        "/people/elders/",
        f"/people/elders/{elder.pk}/",
        f"/people/visits/?region={XS1}",
        "/people/children/",
        f"/people/children/{world['xs_child'].pk}/",
        f"/people/health/?region={XS1}",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        for secret in (full, world["xs_child_id"], world["sx_child_id"]):
            assert secret not in html, url
    assert full[:6] + "********" + full[-4:] in client.get(f"/people/elders/{elder.pk}/").content.decode()
    for url in (
        "/api/v1/people/elders",
        f"/api/v1/people/elders/{elder.pk}",
        f"/api/v1/people/visits/worklist?region={XS1}",
        "/api/v1/people/children",
        f"/api/v1/people/children/{world['xs_child'].pk}",
    ):
        text = client.get(url).content.decode()
        for secret in (full, world["xs_child_id"], world["sx_child_id"]):
            assert secret not in text, url


def test_reveal_goes_through_the_logged_mechanism(xiangshan_officer: Any, world: Any) -> None:
    elder = world["xs1"]
    client = _client(xiangshan_officer)
    assert (
        f"/reveal/people.elder/{elder.pk}/id_number"
        in client.get(f"/people/elders/{elder.pk}/").content.decode()
    )
    response = client.post(f"/reveal/people.elder/{elder.pk}/id_number")
    assert response.status_code == 200 and elder.id_number in response.content.decode()
    row = ChangeLog.objects.get(action=ChangeLog.Action.REVEAL, target_type="people.elder")
    assert row.target_id == str(elder.pk) and row.note == "id_number" and row.actor == xiangshan_officer
    # outside the officer's regions: not found, nothing logged
    assert client.post(f"/reveal/people.elder/{world['sx'].pk}/id_number").status_code == 404
    assert ChangeLog.objects.filter(action=ChangeLog.Action.REVEAL).count() == 1
