"""Scoping of every provider read path (page list, page detail, API list, API detail, the map JSON,
sub-resources): by region, by sector (civil affairs → elder care, health → childcare), a provider
operator's own provider only, nothing for a user without regions; 404 for what lies outside."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from laoxiao.accounts.tests.factories import make_user
from laoxiao.providers.tests.factories import make_staff, world

USCC = re.compile(r"(?<![0-9A-Z])9134\d{4}MA\d{7}[0-9A-Z](?![0-9A-Z])")


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _html(client: Client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return set(USCC.findall(response.content.decode()))


def _api(client: Client, url: str) -> set[str]:
    response = client.get(url, {"page_size": 500})
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    body = response.json()
    assert body["count"] == len(body["items"])
    return {item["uscc"] for item in body["items"]}


LIST_PATHS: dict[str, Callable[[Client], set[str]]] = {
    "page /providers/": lambda c: _html(c, "/providers/"),
    "page /providers/certificates/": lambda c: _html(c, "/providers/certificates/"),
    "api /api/v1/providers/": lambda c: _api(c, "/api/v1/providers/"),
    "api /api/v1/providers/map": lambda c: _api(c, "/api/v1/providers/map"),
    "api map with has_vacancy": lambda c: (
        _api(c, "/api/v1/providers/map?has_vacancy=true") | _api(c, "/api/v1/providers/map?has_vacancy=false")
    ),
}

DETAIL_PATHS = [
    "/providers/{}/",
    "/providers/{}/edit/",
    "/providers/{}/staff/new/",
    "/api/v1/providers/{}",
    "/api/v1/providers/{}/staff",
    "/api/v1/providers/{}/classes",
    "/api/v1/providers/{}/documents",
    "/api/v1/providers/{}/prices",
    "/api/v1/providers/{}/filing",
]


@pytest.fixture
def providers(city: dict[str, Any]) -> dict[str, Any]:
    out = world(city)
    for p in out.values():
        make_staff(p, name=f"员工{p.pk}", id_number=f"34060319800101{p.pk:03d}X"[:18])
    return out


def _expected(who: str, providers: dict[str, Any], users: dict[str, Any]) -> set[str]:
    keys = {
        "admin": set(providers),
        "xiangshan_officer": {"xs_elder", "xs_draft"},
        "suixi_officer": {"sx_child"},
        "operator": {"xs_child"},
        "nobody": set(),
    }[who]
    return {providers[k].uscc for k in keys}


@pytest.fixture
def users(
    city: dict[str, Any],
    admin_user: Any,
    xiangshan_officer: Any,
    suixi_officer: Any,
    nobody: Any,
    providers: Any,
) -> dict[str, Any]:
    operator = make_user("op", ["provider_operator"], [], provider=providers["xs_child"])
    return {
        "admin": admin_user,
        "xiangshan_officer": xiangshan_officer,
        "suixi_officer": suixi_officer,
        "operator": operator,
        "nobody": nobody,
    }


WHO = ["admin", "xiangshan_officer", "suixi_officer", "nobody"]


@pytest.mark.parametrize("path", list(LIST_PATHS))
@pytest.mark.parametrize("who", WHO)
def test_list_paths_show_only_what_the_user_may_see(path: str, who: str, users: Any, providers: Any) -> None:
    seen = LIST_PATHS[path](_client(users[who]))
    expected = _expected(who, providers, users)
    if path == "page /providers/certificates/":
        # certificates list the provider's staff; every provider has one expiring certificate
        assert {p.uscc for p in providers.values()} & seen <= expected
        assert seen == expected
    else:
        assert seen == expected, (path, who)


@pytest.mark.parametrize("path", [p for p in LIST_PATHS if p.startswith("api")])
def test_operator_lists_only_their_own_provider(path: str, users: Any, providers: Any) -> None:
    assert LIST_PATHS[path](_client(users["operator"])) == {providers["xs_child"].uscc}


def test_operator_lands_on_their_own_provider(users: Any, providers: Any) -> None:
    response = _client(users["operator"]).get("/providers/")
    assert response.status_code == 302
    assert response["Location"] == f"/providers/{providers['xs_child'].uscc}/"


@pytest.mark.parametrize("path", DETAIL_PATHS)
@pytest.mark.parametrize("who", [*WHO, "operator"])
def test_detail_paths_answer_404_outside_scope(path: str, who: str, users: Any, providers: Any) -> None:
    client = _client(users[who])
    expected = _expected(who, providers, users)
    for p in providers.values():
        response = client.get(path.format(p.uscc))
        if p.uscc in expected:
            assert response.status_code == 200, (path, who, p.name, response.status_code)
        else:
            assert response.status_code == 404, (path, who, p.name, response.status_code)


def test_suixi_officer_never_sees_a_xiangshan_provider(users: Any, providers: Any) -> None:
    client = _client(users["suixi_officer"])
    xs = providers["xs_child"]  # same sector (childcare), other county
    assert client.get(f"/providers/{xs.uscc}/").status_code == 404
    assert client.get(f"/api/v1/providers/{xs.uscc}").status_code == 404
    assert xs.name not in client.get("/providers/").content.decode()
    assert xs.uscc not in client.get("/api/v1/providers/map").content.decode()


def test_sector_scoping(users: Any, providers: Any) -> None:
    civil = _api(_client(users["xiangshan_officer"]), "/api/v1/providers/")
    assert providers["xs_child"].uscc not in civil  # civil affairs: no childcare
    health = _api(_client(users["suixi_officer"]), "/api/v1/providers/")
    assert providers["sx_elder"].uscc not in health  # health: no elder care


def test_staff_sub_resource_is_scoped_and_masked(users: Any, providers: Any) -> None:
    client = _client(users["xiangshan_officer"])
    own = client.get(f"/api/v1/providers/{providers['xs_elder'].uscc}/staff")
    assert own.status_code == 200
    (member,) = own.json()
    assert "*" in member["id_number"] and len(member["id_number"]) == 18
    other = client.get(f"/api/v1/providers/{providers['sx_elder'].uscc}/staff")
    assert other.status_code == 404


def test_writes_outside_scope_answer_404(users: Any, providers: Any) -> None:
    client = _client(users["xiangshan_officer"])
    sx = providers["sx_elder"]
    assert (
        client.patch(
            f"/api/v1/providers/{sx.uscc}", {"name": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/providers/{sx.uscc}/filing", {"to_status": "suspended"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.post(f"/providers/{sx.uscc}/filing/", {"to_status": "suspended"}).status_code == 404


def test_overdue_reviews_page_is_scoped(users: Any, providers: Any) -> None:
    for who in WHO:
        seen = _html(_client(users[who]), "/providers/reviews/")
        assert seen <= _expected(who, providers, users)
