"""The scoping suite: for every read path (page, API list, API detail, export), a user of one district
gets nothing of another district — 404 for details, absent from lists and exports.

Each read path is one entry in ``LIST_PATHS`` or ``DETAIL_PATHS``; adding a path is one line.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from python_calamine import CalamineWorkbook

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.models import ChangeLog
from laoxiao.imports.base import run_import

XIANGSHAN = "340603"
SUIXI = "340621"
CITY = "340600000000"
CODE = re.compile(r"(?<!\d)34\d{10}(?!\d)")


# --- how each read path answers: the set of region codes a user sees ------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _html_codes(client: Client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return set(CODE.findall(response.content.decode()))


def _api_codes(client: Client, url: str, key: str = "region_code") -> set[str]:
    response = client.get(url, {"page_size": 500})
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    body = response.json()
    assert body["count"] == len(body["items"])
    return {item[key] for item in body["items"]}


def _csv_codes(data: str) -> set[str]:
    rows = [line.split(",") for line in data.strip().splitlines()]
    return {row[0] for row in rows[1:]}


def _export_csv(client: Client, kind: str) -> set[str]:
    response = client.get(f"/imports/export/{kind}", {"format": "csv"})
    assert response.status_code == 200
    return _csv_codes(response.content.decode("utf-8-sig"))


def _export_xlsx(client: Client, kind: str) -> set[str]:
    response = client.get(f"/imports/export/{kind}", {"format": "xlsx"})
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0][0] in ("code", "region_code")
    return {str(row[0]) for row in rows[1:]}


def _cli_export(user: Any, kind: str) -> set[str]:
    out = io.StringIO()
    call_command("export", kind, "--format", "csv", "--user", user.username, stdout=out)
    return _csv_codes(out.getvalue())


ListPath = Callable[[Any], set[str]]

LIST_PATHS: dict[str, ListPath] = {
    "page /regions/": lambda u: _html_codes(_client(u), "/regions/"),
    "api regions list": lambda u: _api_codes(_client(u), "/api/v1/regions/", key="code"),
    "api population list": lambda u: _api_codes(_client(u), "/api/v1/regions/population"),
    "export regions csv": lambda u: _export_csv(_client(u), "regions"),
    "export regions xlsx": lambda u: _export_xlsx(_client(u), "regions"),
    "export population csv": lambda u: _export_csv(_client(u), "population"),
    "export population xlsx": lambda u: _export_xlsx(_client(u), "population"),
    "cli export regions": lambda u: _cli_export(u, "regions"),
    "cli export population": lambda u: _cli_export(u, "population"),
    "page /changelog/": lambda u: _html_codes(_client(u), "/changelog/"),
    "api changelog list": lambda u: _api_codes(_client(u), "/api/v1/changelog/"),
}

# a detail path: (user, code) → HTTP status
DetailPath = Callable[[Any, str], int]

DETAIL_PATHS: dict[str, DetailPath] = {
    "page /regions/<code>/": lambda u, c: _client(u).get(f"/regions/{c}/").status_code,
    "page /regions/<code>/children": lambda u, c: _client(u).get(f"/regions/{c}/children").status_code,
    "api region detail": lambda u, c: _client(u).get(f"/api/v1/regions/{c}").status_code,
    "api region population": lambda u, c: _client(u).get(f"/api/v1/regions/{c}/population").status_code,
}


def _target(row: ChangeLog) -> str:
    return f"{row.target_type}#{row.target_id}"


def _changelog_page_targets(user: Any) -> set[str]:
    html = _client(user).get("/changelog/").content.decode()
    return set(re.findall(r"[a-z_]+\.[a-z_]+#\d+", html))


def _changelog_api_targets(user: Any) -> set[str]:
    body = _client(user).get("/api/v1/changelog/", {"page_size": 500}).json()
    return {f"{item['target_type']}#{item['target_id']}" for item in body["items"]}


# the records (type#id) whose change rows a user sees
CHANGELOG_PATHS: dict[str, Callable[[Any], set[str]]] = {
    "page /changelog/": _changelog_page_targets,
    "api changelog list": _changelog_api_targets,
}


# --- the city, with change rows in both districts ----------------------------------------------------


@pytest.fixture
def changes(city: dict[str, Any], admin_user: Any) -> list[ChangeLog]:
    """Change rows in both districts: population entered for 2022 (created, and summed upward) and
    one 2021 figure updated in each district."""
    lines = ["region_code,year,population,age_60_plus"]
    for code in ("340603001001", "340603001002", "340621100001", "340621100002"):
        lines.append(f"{code},2022,3000,500")
    lines.append("340603001001,2021,1111,200")
    lines.append("340621100002,2021,2222,400")
    data = ("\n".join(lines) + "\n").encode()
    report = run_import("population", io.BytesIO(data), actor=admin_user, filename="population.csv")
    assert report.ok and report.written, report.errors
    rows = list(ChangeLog.objects.all())
    assert {r.region_code[:6] for r in rows} >= {XIANGSHAN, SUIXI}
    return rows


@pytest.fixture
def township_officer(city: dict[str, Any]) -> Any:
    return make_user("xs_town", ["civil_affairs_township"], ["340603001000"])


USERS = {
    # user fixture: (what it must see, what it must not see)
    "xiangshan_officer": (XIANGSHAN, SUIXI),
    "suixi_officer": (SUIXI, XIANGSHAN),
}


def _codes_of(city: dict[str, Any], prefix: str) -> list[str]:
    return sorted(code for code in city if code.startswith(prefix))


# --- lists and exports --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(LIST_PATHS))
@pytest.mark.parametrize("who", list(USERS))
def test_lists_hold_only_the_own_district(
    request: pytest.FixtureRequest, changes: list[ChangeLog], path: str, who: str
) -> None:
    user = request.getfixturevalue(who)
    own, other = USERS[who]
    codes = LIST_PATHS[path](user)
    assert codes, f"{path} shows {who} nothing of the own district"
    assert all(c.startswith(own) for c in codes), sorted(codes)
    assert not any(c.startswith(other) for c in codes)
    assert CITY not in codes


@pytest.mark.parametrize("path", list(LIST_PATHS))
def test_a_user_without_regions_sees_nothing(changes: list[ChangeLog], nobody: Any, path: str) -> None:
    assert LIST_PATHS[path](nobody) == set()


@pytest.mark.parametrize("path", list(LIST_PATHS))
def test_the_city_administrator_sees_both_districts(
    changes: list[ChangeLog], admin_user: Any, path: str
) -> None:
    codes = LIST_PATHS[path](admin_user)
    if path == "page /regions/":  # the tree shows the city; its districts open below it
        assert CITY in codes
        return
    assert any(c.startswith(XIANGSHAN) for c in codes)
    assert any(c.startswith(SUIXI) for c in codes)


@pytest.mark.parametrize("path", list(LIST_PATHS))
def test_a_township_officer_sees_only_the_township(
    changes: list[ChangeLog], township_officer: Any, path: str
) -> None:
    codes = LIST_PATHS[path](township_officer)
    assert codes
    assert all(c.startswith("340603001") for c in codes), sorted(codes)


def test_the_tree_of_a_district_officer_starts_at_the_district(
    client: Client, xiangshan_officer: Any
) -> None:
    client.force_login(xiangshan_officer)
    html = client.get("/regions/").content.decode()
    assert "相山区" in html
    assert "濉溪" not in html
    assert "淮北市" not in html


# --- details -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(DETAIL_PATHS))
@pytest.mark.parametrize("who", list(USERS))
def test_details_of_another_district_are_not_found(
    request: pytest.FixtureRequest, city: dict[str, Any], path: str, who: str
) -> None:
    user = request.getfixturevalue(who)
    own, other = USERS[who]
    for code in _codes_of(city, other):
        assert DETAIL_PATHS[path](user, code) == 404, code
    assert DETAIL_PATHS[path](user, CITY) == 404
    for code in _codes_of(city, own):
        assert DETAIL_PATHS[path](user, code) == 200, code


@pytest.mark.parametrize("path", list(DETAIL_PATHS))
def test_a_user_without_regions_finds_no_detail(city: dict[str, Any], nobody: Any, path: str) -> None:
    for code in _codes_of(city, "34"):
        assert DETAIL_PATHS[path](nobody, code) == 404, code


@pytest.mark.parametrize("path", list(DETAIL_PATHS))
def test_the_city_administrator_finds_every_detail(city: dict[str, Any], admin_user: Any, path: str) -> None:
    for code in _codes_of(city, "34"):
        assert DETAIL_PATHS[path](admin_user, code) == 200, code


def test_a_district_page_lists_only_visible_children(
    client: Client, city: dict[str, Any], xiangshan_officer: Any
) -> None:
    client.force_login(xiangshan_officer)
    html = client.get("/regions/340603001000/").content.decode()
    assert "340603001001" in html
    assert "340603001002" in html
    assert SUIXI not in html
    assert "淮北市" not in html  # no breadcrumb above the own district


# --- change log -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(CHANGELOG_PATHS))
@pytest.mark.parametrize("who", list(USERS))
def test_change_log_lists_only_rows_of_the_own_district(
    request: pytest.FixtureRequest, changes: list[ChangeLog], path: str, who: str
) -> None:
    user = request.getfixturevalue(who)
    own, _other = USERS[who]
    expected = {_target(r) for r in changes if r.region_code.startswith(own)}
    assert expected
    assert not expected & {_target(r) for r in changes if not r.region_code.startswith(own)}
    assert CHANGELOG_PATHS[path](user) == expected


@pytest.mark.parametrize("path", list(CHANGELOG_PATHS))
def test_change_log_shows_the_city_administrator_every_row(
    changes: list[ChangeLog], admin_user: Any, path: str
) -> None:
    assert CHANGELOG_PATHS[path](admin_user) == {_target(r) for r in ChangeLog.objects.all()}


@pytest.mark.parametrize("who", [*USERS, "nobody"])
def test_change_log_detail_of_another_district_is_not_found(
    request: pytest.FixtureRequest, changes: list[ChangeLog], who: str
) -> None:
    user = request.getfixturevalue(who)
    own = USERS[who][0] if who in USERS else None
    client = _client(user)
    for row in changes:
        status = client.get(f"/api/v1/changelog/{row.pk}").status_code
        visible = own is not None and row.region_code.startswith(own)
        assert status == (200 if visible else 404), (who, row.region_code)


def test_change_log_detail_for_the_city_administrator(changes: list[ChangeLog], admin_user: Any) -> None:
    client = _client(admin_user)
    for row in changes:
        response = client.get(f"/api/v1/changelog/{row.pk}")
        assert response.status_code == 200
        assert response.json()["region_code"] == row.region_code


# --- inactive users -------------------------------------------------------------------------------------


def test_an_inactive_officer_sees_nothing_by_token_or_session(
    client: Client, changes: list[ChangeLog], xiangshan_officer: Any, admin_user: Any
) -> None:
    from laoxiao.accounts.actions import token_create

    _token, raw = token_create(actor=admin_user, user=xiangshan_officer)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/regions/", **auth).json()["count"] > 0
    client.force_login(xiangshan_officer)
    xiangshan_officer.is_active = False
    xiangshan_officer.save(update_fields=["is_active"])
    assert client.get("/api/v1/regions/", **auth).status_code == 401
    assert client.get("/api/v1/regions/").status_code == 401
    assert client.get("/regions/").status_code == 302  # back to sign-in
    with pytest.raises(Exception, match="no such active user"):
        call_command("export", "regions", "--user", "xs_mz", stdout=io.StringIO())
