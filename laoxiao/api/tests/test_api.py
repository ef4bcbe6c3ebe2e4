"""The API's foundation: authentication, tokens, one error format, pagination, OpenAPI, junk input."""

from __future__ import annotations

import io
import urllib.parse
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from laoxiao.accounts.actions import token_create
from laoxiao.accounts.models import ApiToken
from laoxiao.core.models import ChangeLog

LISTS = ["/api/v1/regions/", "/api/v1/regions/population", "/api/v1/changelog/"]


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def assert_error_format(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], list)
    for e in body["errors"]:
        assert set(e) == {"field", "message"}
    return body


@pytest.fixture
def token(admin_user: Any, xiangshan_officer: Any) -> str:
    _row, raw = token_create(actor=admin_user, user=xiangshan_officer, name="test")
    return raw


# --- authentication ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*LISTS, "/api/v1/regions/340603000000", "/api/v1/changelog/1"])
def test_without_credentials_the_answer_is_401(client: Client, city: dict[str, Any], url: str) -> None:
    body = assert_error_format(client.get(url), 401)
    assert body["errors"] == []


def test_a_bearer_token_authenticates_as_its_user(client: Client, token: str) -> None:
    response = client.get("/api/v1/regions/", **bearer(token))
    assert response.status_code == 200
    codes = {r["code"] for r in response.json()["items"]}
    assert codes == {"340603000000", "340603001000", "340603001001", "340603001002"}
    assert ApiToken.objects.get().last_used_at is not None


def test_only_the_hash_of_a_token_is_stored(token: str) -> None:
    row = ApiToken.objects.get()
    assert token not in (row.key_hash, row.prefix)
    assert token.startswith(row.prefix)
    log = ChangeLog.objects.get(target_type="accounts.apitoken")
    assert token not in str(log.changes)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer lx_unknown-token",
        "Bearer ",
        "Token {token}",
        "Bearer {token}x",
        "bearer-{token}",
    ],
)
def test_an_unknown_or_malformed_token_answers_401(client: Client, token: str, header: str) -> None:
    response = client.get("/api/v1/regions/", HTTP_AUTHORIZATION=header.format(token=token))
    assert_error_format(response, 401)


def test_a_revoked_token_answers_401(client: Client, token: str, admin_user: Any) -> None:
    from laoxiao.accounts.actions import token_revoke

    assert client.get("/api/v1/regions/", **bearer(token)).status_code == 200
    token_revoke(actor=admin_user, token=ApiToken.objects.get())
    assert_error_format(client.get("/api/v1/regions/", **bearer(token)), 401)
    assert ChangeLog.objects.filter(target_type="accounts.apitoken", action="update").count() == 1


def test_a_session_authenticates_reads(client: Client, suixi_officer: Any) -> None:
    client.force_login(suixi_officer)
    response = client.get("/api/v1/regions/")
    assert response.status_code == 200
    assert {r["code"][:6] for r in response.json()["items"]} == {"340621"}


def test_a_bad_token_does_not_fall_back_to_nothing(client: Client, suixi_officer: Any) -> None:
    """With a session and a bad token the session still answers (either credential suffices)."""
    client.force_login(suixi_officer)
    assert client.get("/api/v1/regions/", HTTP_AUTHORIZATION="Bearer nope").status_code == 200


# --- the token command ---------------------------------------------------------------------------------


def test_token_command_create_list_revoke(client: Client, xiangshan_officer: Any) -> None:
    out = io.StringIO()
    call_command("token", "create", "xs_mz", "--name", "data centre", stdout=out, stderr=io.StringIO())
    raw = out.getvalue().strip()
    assert raw.startswith("lx_")
    assert client.get("/api/v1/regions/", **bearer(raw)).status_code == 200
    row = ApiToken.objects.get()
    assert (row.user, row.name) == (xiangshan_officer, "data centre")
    log = ChangeLog.objects.get(target_type="accounts.apitoken")
    assert log.actor_name == "system"

    out = io.StringIO()
    call_command("token", "list", "xs_mz", stdout=out)
    listing = out.getvalue()
    assert row.prefix in listing
    assert "data centre" in listing
    assert "active" in listing
    assert raw not in listing

    out = io.StringIO()
    call_command("token", "revoke", row.prefix, stdout=out)
    assert "revoked" in out.getvalue()
    assert client.get("/api/v1/regions/", **bearer(raw)).status_code == 401
    out = io.StringIO()
    call_command("token", "list", "xs_mz", stdout=out)
    assert "revoked" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("token", "revoke", row.prefix, stdout=io.StringIO())


@pytest.mark.parametrize(
    "args",
    [("create", "nosuchuser"), ("list", "nosuchuser"), ("revoke", "lx_nosuch"), ("revoke", "lx")],
)
def test_token_command_errors(city: dict[str, Any], args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError):
        call_command("token", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiToken.objects.exists()


def test_token_command_refuses_an_inactive_user(xiangshan_officer: Any) -> None:
    xiangshan_officer.is_active = False
    xiangshan_officer.save(update_fields=["is_active"])
    with pytest.raises(CommandError):
        call_command("token", "create", "xs_mz", stdout=io.StringIO(), stderr=io.StringIO())


# --- errors, pagination --------------------------------------------------------------------------------


@pytest.fixture
def officer(client: Client, xiangshan_officer: Any) -> Client:
    client.force_login(xiangshan_officer)
    return client


@pytest.mark.parametrize("url", LISTS)
def test_pagination(officer: Client, url: str) -> None:
    body = officer.get(url).json()
    assert set(body) == {"items", "count", "page", "page_size"}
    assert (body["page"], body["page_size"]) == (1, 50)


def test_pages_of_a_list(officer: Client) -> None:
    first = officer.get("/api/v1/regions/", {"page_size": 3}).json()
    second = officer.get("/api/v1/regions/", {"page_size": 3, "page": 2}).json()
    assert first["count"] == second["count"] == 4
    assert len(first["items"]) == 3
    assert len(second["items"]) == 1
    assert {r["code"] for r in first["items"]}.isdisjoint({r["code"] for r in second["items"]})
    past = officer.get("/api/v1/regions/", {"page": 99}).json()
    assert past["items"] == [] and past["count"] == 4
    assert officer.get("/api/v1/regions/", {"page_size": 500}).status_code == 200


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/regions/", {"page_size": "501"}, "page_size"),
        ("/api/v1/regions/", {"page_size": "0"}, "page_size"),
        ("/api/v1/regions/", {"page": "0"}, "page"),
        ("/api/v1/regions/", {"page": "x"}, "page"),
        ("/api/v1/regions/population", {"year": "abc"}, "year"),
        ("/api/v1/changelog/", {"since": "yesterday"}, "since"),
        ("/api/v1/changelog/", {"until": "2024-13-01"}, "until"),
        ("/api/v1/changelog/abc", {}, "pk"),
    ],
)
def test_a_bad_parameter_answers_422_with_its_name(
    officer: Client, url: str, params: dict[str, str], field: str
) -> None:
    body = assert_error_format(officer.get(url, params), 422)
    assert body["errors"][0]["field"] == field
    assert body["errors"][0]["message"]


@pytest.mark.parametrize(
    "url",
    ["/api/v1/regions/999999999999", "/api/v1/regions/340621000000/population", "/api/v1/changelog/999999"],
)
def test_not_found_has_the_error_format(officer: Client, url: str) -> None:
    assert_error_format(officer.get(url), 404)


def test_filters_on_the_population_list(officer: Client) -> None:
    body = officer.get("/api/v1/regions/population", {"year": 2021, "region": "340603001002"}).json()
    assert [(f["region_code"], f["population"]) for f in body["items"]] == [("340603001002", 2000)]
    assert officer.get("/api/v1/regions/population", {"year": 1990}).json()["count"] == 0
    levels = officer.get("/api/v1/regions/", {"level": "community"}).json()
    assert {r["code"] for r in levels["items"]} == {"340603001001", "340603001002"}
    found = officer.get("/api/v1/regions/", {"q": "社区"}).json()
    assert [r["code"] for r in found["items"]] == ["340603001001", "340603001002"]
    found = officer.get("/api/v1/regions/", {"q": "340603001"}).json()
    assert found["count"] == 3


# --- OpenAPI -------------------------------------------------------------------------------------------


def test_openapi_lists_the_paths(client: Client, db: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = set(schema["paths"])
    assert {
        "/api/v1/regions/",
        "/api/v1/regions/population",
        "/api/v1/regions/{code}",
        "/api/v1/regions/{code}/population",
        "/api/v1/changelog/",
        "/api/v1/changelog/{pk}",
    } <= paths
    params = {p["name"] for p in schema["paths"]["/api/v1/regions/population"]["get"]["parameters"]}
    assert {"region", "year", "level", "page", "page_size"} <= params
    assert schema["components"]["securitySchemes"]


# --- junk input never answers 500 ----------------------------------------------------------------------

JUNK = [
    "page=-1",
    "page=1e3",
    "page=99999999999999999999999",
    "page_size=99999999999999999999",
    "page=9223372036854775807&page_size=500",
    "year=99999999999999999999",
    "year=-1",
    "year=%20",
    "q=%25",
    "q=_",
    "q=%27%3B--",
    "parent=%E4%B8%AD",
    "level=" + "x" * 5000,
    "region=1",
    "region=%E2%80%AE",
    "since=0000-00-00",
    "since=2024-02-30",
    "target_id=%27",
    "page=1&page=2",
    "%ZZ=%ZZ",
]


@pytest.mark.parametrize("query", JUNK)
@pytest.mark.parametrize("url", LISTS)
def test_junk_query_strings_never_answer_500(officer: Client, url: str, query: str) -> None:
    response = officer.get(f"{url}?{query}")
    assert response.status_code in (200, 422), (response.status_code, response.content[:300])
    if response.status_code == 422:
        assert_error_format(response, 422)


@pytest.mark.parametrize("code", ["x", "3406030000000000", "%25", "%E4%B8%AD", "340603000000%20"])
def test_junk_codes_answer_404(officer: Client, code: str) -> None:
    for url in (f"/api/v1/regions/{code}", f"/api/v1/regions/{code}/population"):
        assert_error_format(officer.get(url), 404)


_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    url=st.sampled_from(LISTS),
    params=st.dictionaries(
        st.sampled_from(
            ["page", "page_size", "year", "region", "level", "parent", "q", "since", "until", "action", "zz"]
        ),
        st.one_of(_text, st.integers(min_value=-(10**30), max_value=10**30).map(str)),
        max_size=4,
    ),
)
def test_generated_query_strings_never_answer_500(officer: Client, url: str, params: dict[str, str]) -> None:
    response = officer.get(f"{url}?{urllib.parse.urlencode(params)}")
    assert response.status_code in (200, 422), (params, response.content[:300])
