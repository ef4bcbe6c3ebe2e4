from __future__ import annotations

import pytest

from laoxiao.accounts.actions import token_create

pytestmark = pytest.mark.django_db

BASE = "/api/v1/plan"


@pytest.fixture
def api(client, xiangshan_officer):
    client.force_login(xiangshan_officer)
    return client


@pytest.mark.parametrize(
    "path",
    ["/indicators", "/indicators/E03", "/tasks", "/tasks/T01", "/units", "/indicators?sector=childcare"],
)
def test_without_credentials_401(client, db, path):
    response = client.get(BASE + path)
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "errors"}


def test_indicator_list_and_sector_filter(api):
    body = api.get(f"{BASE}/indicators").json()
    assert body["count"] == 26 and body["page"] == 1
    assert [i["code"] for i in body["items"]][:2] == ["E01", "E02"]
    body = api.get(f"{BASE}/indicators?sector=childcare").json()
    assert body["count"] == 10 and {i["sector"] for i in body["items"]} == {"childcare"}
    assert api.get(f"{BASE}/indicators?sector=nursing").status_code == 422
    body = api.get(f"{BASE}/indicators?page=2&page_size=20").json()
    assert [i["code"] for i in body["items"]] == ["C05", "C06", "C07", "C08", "C09", "C10"]


def test_indicator_detail(api):
    e03 = api.get(f"{BASE}/indicators/E03").json()
    assert e03["baseline"] == 50.83 and e03["target"] == 60 and e03["comparator"] == "gte"
    assert e03["target_text"] == "≥ 60"
    assert e03["responsible_unit"] == "civil_affairs" and e03["responsible_unit_name"] == "市民政局"
    c06 = api.get(f"{BASE}/indicators/c06").json()
    assert c06["baseline"] is None and c06["target"] == 80
    c01 = api.get(f"{BASE}/indicators/C01").json()
    assert (c01["baseline"], c01["target"], c01["comparator"]) == (94.2, 90, "gt")


def test_unknown_indicator_or_task_404_in_the_error_format(api):
    for path in ("/indicators/X99", "/tasks/T99"):
        response = api.get(BASE + path)
        assert response.status_code == 404
        body = response.json()
        assert set(body) == {"detail", "errors"} and body["errors"] == []


def test_tasks_with_units_in_order(api):
    body = api.get(f"{BASE}/tasks").json()
    assert body["count"] == 37
    t37 = api.get(f"{BASE}/tasks/T37").json()
    assert t37["lead_unit"] == "civil_affairs"
    assert len(t37["units"]) == 7 and t37["units"][0] == {
        "code": "civil_affairs",
        "name": "市民政局",
        "name_en": "Civil Affairs Bureau",
        "is_lead": True,
    }
    assert [u["is_lead"] for u in t37["units"]].count(True) == 1
    body = api.get(f"{BASE}/tasks?unit=education").json()
    assert [t["code"] for t in body["items"]] == ["T18", "T22", "T32"]
    assert api.get(f"{BASE}/tasks?unit=nobody").json()["count"] == 0


def test_units(api):
    body = api.get(f"{BASE}/units?page_size=100").json()
    assert body["count"] == 24
    by_code = {u["code"]: u for u in body["items"]}
    assert by_code["civil_affairs"]["task_count"] == 32
    assert by_code["economy_it"]["aliases"] == ["市经信委"]


def test_bearer_token(client, admin_user):
    _token, raw = token_create(actor=admin_user, user=admin_user)
    response = client.get(f"{BASE}/indicators/C05", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json()["target"] == 4.6
