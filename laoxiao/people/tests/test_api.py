"""The people API (/api/v1/people): lists, details, writes through the actions, errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from laoxiao.accounts.tests.factories import make_user
from laoxiao.people.models import AbilityAssessment, Child, HealthCheck, WelfareVisit
from laoxiao.people.tests import factories as cf
from laoxiao.people.tests.factories import XS1, make_elder, make_elder_id, make_items

J = "application/json"


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the msgids: stable whatever the catalogue says
    client.force_login(user)
    return client


@pytest.fixture
def alone(xiangshan_officer: Any) -> Any:
    return make_elder(
        xiangshan_officer, seq=1, name="独居张", living_arrangement="alone", phone="13812345678"
    )


def test_elder_list_and_exact_id_lookup(xiangshan_officer: Any, alone: Any) -> None:
    make_elder(xiangshan_officer, seq=2, name="同住李", living_arrangement="with_family")
    client = _client(xiangshan_officer)
    body = client.get("/api/v1/people/elders", {"page_size": 1}).json()
    assert body["count"] == 2 and len(body["items"]) == 1
    body = client.get("/api/v1/people/elders", {"id_number": alone.id_number}).json()
    assert [e["name"] for e in body["items"]] == ["独居张"]
    assert body["items"][0]["id_number"] == alone.id_number[:6] + "********" + alone.id_number[-4:]
    assert body["items"][0]["phone"] == "138****5678"
    body = client.get("/api/v1/people/elders", {"on_visit_list": "true"}).json()
    assert [e["name"] for e in body["items"]] == ["独居张"]


def test_elder_detail_has_latest_level_and_visit_list(xiangshan_officer: Any, alone: Any) -> None:
    client = _client(xiangshan_officer)
    response = client.post(
        f"/api/v1/people/elders/{alone.pk}/assessments",
        {"assessed_on": "2024-03-01", "reason": "first", "items": make_items(50)},
        content_type=J,
    )
    assert response.status_code == 201 and response.json()["level"] == "moderate"
    body = client.get(f"/api/v1/people/elders/{alone.pk}").json()
    assert body["latest_level"] == "moderate" and body["latest_assessment"]["total"] == 50
    assert body["on_visit_list"] is True and set(body["visit_reasons"]) == {"alone", "disabled"}
    assert alone.id_number not in str(body) and "13812345678" not in str(body)


def test_elder_upsert_creates_then_updates(xiangshan_officer: Any, city: Any) -> None:
    client = _client(xiangshan_officer)
    number = make_elder_id(dt.date(1940, 2, 3), 7)
    payload = {"id_number": number, "name": "新老人", "region_code": XS1, "categories": ["dibao"]}
    body = client.post("/api/v1/people/elders", payload, content_type=J).json()
    assert body["name"] == "新老人" and [c["category"] for c in body["categories"]] == ["dibao"]
    assert number not in str(body)
    body = client.post(
        "/api/v1/people/elders", {"id_number": number, "address": "东街1号"}, content_type=J
    ).json()
    assert body["address"] == "东街1号" and body["name"] == "新老人"
    bad = client.post(
        "/api/v1/people/elders",
        {"id_number": number[:-1] + "0", "name": "x", "region_code": XS1},
        content_type=J,
    )
    if number.endswith("0"):
        bad = client.post(
            "/api/v1/people/elders",
            {"id_number": number[:-1] + "1", "name": "x", "region_code": XS1},
            content_type=J,
        )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "id_number"


def test_writes_422_403_404(xiangshan_officer: Any, suixi_officer: Any, alone: Any) -> None:
    client = _client(xiangshan_officer)
    url = f"/api/v1/people/elders/{alone.pk}/assessments"
    items = make_items(50)
    items["eating"] = 9
    response = client.post(
        url, {"assessed_on": "2024-03-01", "reason": "first", "items": items}, content_type=J
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "eating"
    response = client.post(url, {"reason": "first", "items": items}, content_type=J)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "assessed_on"
    response = client.post(
        f"/api/v1/people/elders/{alone.pk}/welfare-visits",
        {"visited_on": "1900-01-01", "mode": "home"},
        content_type=J,
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "visited_on"
    assert not AbilityAssessment.objects.exists() and not WelfareVisit.objects.exists()
    # another county: 404; a health officer of the county: 403 for an assessment, 201 for a health check
    response = _client(suixi_officer).post(
        url, {"assessed_on": "2024-03-01", "reason": "first", "items": make_items(50)}, content_type=J
    )
    assert response.status_code == 404
    xs_health = make_user("xs_wj", ["health_county"], ["340603000000"])
    response = _client(xs_health).post(
        url, {"assessed_on": "2024-03-01", "reason": "first", "items": make_items(50)}, content_type=J
    )
    assert response.status_code == 403
    response = _client(xs_health).post(
        f"/api/v1/people/elders/{alone.pk}/health-checks", {"checked_on": "2024-03-01"}, content_type=J
    )
    assert response.status_code == 201 and HealthCheck.objects.get().complete is True
    assert (
        client.post(
            "/api/v1/people/elders/999999/welfare-visits",
            {"visited_on": "2024-01-01", "mode": "home"},
            content_type=J,
        ).status_code
        == 404
    )


def test_visit_worklist(xiangshan_officer: Any, alone: Any) -> None:
    client = _client(xiangshan_officer)
    created = client.post(
        f"/api/v1/people/elders/{alone.pk}/welfare-visits",
        {"visited_on": "2024-05-10", "mode": "phone"},
        content_type=J,
    )
    assert created.status_code == 201
    body = client.get("/api/v1/people/visits/worklist", {"region": XS1, "month": "2024-05"}).json()
    assert body["count"] == 1 and body["visited"] == 1
    assert body["items"][0]["last_visit_on"] == "2024-05-10" and body["items"][0]["reasons"] == ["alone"]
    body = client.get("/api/v1/people/visits/worklist", {"region": XS1, "month": "2024-06"}).json()
    assert body["visited"] == 0 and body["overdue"] == 1
    bad = client.get("/api/v1/people/visits/worklist", {"region": XS1, "month": "2024-13"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "month"


@pytest.fixture
def health(city: Any) -> Any:
    return make_user("xs_wj", ["health_county"], ["340603000000"])


def test_children_api(health: Any) -> None:
    client = _client(health)
    birth = timezone.localdate() - dt.timedelta(days=40)
    body = client.post(
        "/api/v1/people/children",
        {
            "birth_certificate_number": "Q12345678",
            "name": "小花",
            "sex": "F",
            "birth_date": birth.isoformat(),
            "region_code": XS1,
        },
        content_type=J,
    )
    assert body.status_code == 200, body.content
    child = body.json()
    assert child["birth_certificate_number"] != "Q12345678" and child["followup"]["edition"]
    pk = child["id"]
    assert client.get("/api/v1/people/children", {"q": "Q12345678"}).json()["count"] == 1
    ok = client.post(
        f"/api/v1/people/children/{pk}/newborn-visits",
        {"visited_on": (birth + dt.timedelta(days=3)).isoformat()},
        content_type=J,
    )
    assert ok.status_code == 201 and ok.json()["child_id"] == pk
    ok = client.post(
        f"/api/v1/people/children/{pk}/checks",
        {"age_point": "1m", "checked_on": (birth + dt.timedelta(days=29)).isoformat()},
        content_type=J,
    )
    assert ok.status_code == 201
    ok = client.post(
        f"/api/v1/people/children/{pk}/vaccinations",
        {"vaccine": "HepB", "dose": 1, "given_on": birth.isoformat()},
        content_type=J,
    )
    assert ok.status_code == 201
    bad = client.post(
        f"/api/v1/people/children/{pk}/vaccinations",
        {"vaccine": "XYZ", "dose": 1, "given_on": birth.isoformat()},
        content_type=J,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "dose"
    bad = client.post(
        f"/api/v1/people/children/{pk}/checks",
        {"age_point": "1m", "checked_on": "2000-01-01"},
        content_type=J,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "checked_on"
    detail = client.get(f"/api/v1/people/children/{pk}").json()
    assert detail["followup"]["newborn_visit"]["status"] == "done"
    assert any(c["code"] == "1m" and c["status"] == "done" for c in detail["followup"]["checks"])
    assert any(v["code"] == "HepB 1" and v["status"] == "done" for v in detail["followup"]["vaccines"])
    body = client.get("/api/v1/people/health/worklist", {"region": XS1}).json()
    assert body["count"] in (0, 1) and all(i["child_id"] == pk for i in body["items"])
    assert client.post("/api/v1/people/children", {"name": "x"}, content_type=J).status_code == 422
    assert Child.objects.count() == 1


def test_child_404_and_health_worklist_items(health: Any) -> None:
    birth = timezone.localdate() - dt.timedelta(days=120)
    child = cf.make_child(name="逾期娃", birth=birth, region_code=XS1)
    client = _client(health)
    body = client.get("/api/v1/people/health/worklist", {"region": XS1}).json()
    assert body["items"][0]["child_id"] == child.pk and body["items"][0]["overdue"] is True
    assert client.get("/api/v1/people/children/999999").status_code == 404


def test_the_visit_work_list_answers_one_bounded_page(xiangshan_officer: Any, alone: Any) -> None:
    client = _client(xiangshan_officer)
    body = client.get("/api/v1/people/visits/worklist", {"region": XS1, "month": "2024-06"}).json()
    assert (body["page"], body["page_size"], body["count"], len(body["items"])) == (1, 50, 1, 1)
    past = client.get("/api/v1/people/visits/worklist", {"region": XS1, "month": "2024-06", "page": 2}).json()
    assert past["count"] == 1 and past["items"] == [] and past["overdue"] == 1  # the counts are the list's
    for size in (0, 501):
        bad = client.get("/api/v1/people/visits/worklist", {"region": XS1, "page_size": size})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "page_size"
