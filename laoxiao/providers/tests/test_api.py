"""The providers API (/api/v1/providers): lists, details, writes through the actions, errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from laoxiao.accounts.tests.factories import make_user
from laoxiao.providers.models import FilingEvent, Provider, StaffMember
from laoxiao.providers.tests.factories import CONTACT_PHONE, make_provider, make_uscc, world

J = "application/json"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def providers(city: dict[str, Any]) -> dict[str, Provider]:
    return world(city)


def test_list_is_paginated_and_filtered(admin_user: Any, providers: Any) -> None:
    client = _client(admin_user)
    body = client.get("/api/v1/providers/", {"page_size": 2}).json()
    assert body["count"] == 5 and len(body["items"]) == 2
    body = client.get("/api/v1/providers/", {"kind": "childcare_centre", "county": "340621"}).json()
    assert [i["uscc"] for i in body["items"]] == [providers["sx_child"].uscc]
    body = client.get("/api/v1/providers/", {"filing_status": "draft"}).json()
    assert [i["name"] for i in body["items"]] == ["草稿养老院"]


def test_detail_masks_the_contact_phone(admin_user: Any, providers: Any) -> None:
    body = _client(admin_user).get(f"/api/v1/providers/{providers['xs_elder'].uscc}").json()
    assert body["contact_phone"] == "139****5678"
    assert CONTACT_PHONE not in str(body)
    assert body["vacancies"] == 40 and body["beds"] == 100


def test_unknown_provider_is_404_with_the_error_format(admin_user: Any, city: Any) -> None:
    response = _client(admin_user).get("/api/v1/providers/913406030000000000")
    assert response.status_code == 404
    assert response.json()["errors"] == []


def test_anonymous_callers_get_401(providers: Any) -> None:
    assert Client().get("/api/v1/providers/").status_code == 401
    assert Client().get("/api/v1/providers/map").status_code == 401


def test_map_json(admin_user: Any, providers: Any) -> None:
    body = (
        _client(admin_user)
        .get("/api/v1/providers/map", {"kind": "eldercare_home", "has_vacancy": "true"})
        .json()
    )
    assert body["count"] == len(body["items"]) == 3
    item = body["items"][0]
    assert {"uscc", "lon", "lat", "vacancies", "slots", "inclusive", "grade", "credit_level"} <= set(item)


def test_schema_errors_are_422_with_the_field(xiangshan_officer: Any, city: Any) -> None:
    response = _client(xiangshan_officer).post(
        "/api/v1/providers/", {"uscc": make_uscc(70), "name": "x", "beds": -1}, content_type=J
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"beds", "kind", "ownership", "supply_tier", "region_code"} <= fields


def _new(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "uscc": make_uscc(n),
        "name": f"新机构{n}",
        "kind": "eldercare_home",
        "ownership": "private",
        "supply_tier": "market",
        "region_code": "340603001001",
        "beds": 80,
        "nursing_beds": 40,
        "contact_phone": "13800001111",
        **extra,
    }


def test_create_update_and_file_a_provider(xiangshan_officer: Any, city: Any) -> None:
    client = _client(xiangshan_officer)
    response = client.post("/api/v1/providers/", _new(71), content_type=J)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["filing_status"] == "draft" and body["contact_phone"] == "138****1111"
    uscc = body["uscc"]
    response = client.patch(f"/api/v1/providers/{uscc}", {"occupied_beds": 30}, content_type=J)
    assert response.status_code == 200 and response.json()["vacancies"] == 50
    response = client.post(f"/api/v1/providers/{uscc}/filing", {"to_status": "submitted"}, content_type=J)
    assert response.status_code == 201 and response.json()["to_status"] == "submitted"
    response = client.post(f"/api/v1/providers/{uscc}/filing", {"to_status": "returned"}, content_type=J)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reasons"
    response = client.post(
        f"/api/v1/providers/{uscc}/filing",
        {"to_status": "returned", "reasons": ["缺消防验收"]},
        content_type=J,
    )
    assert response.status_code == 201
    events = client.get(f"/api/v1/providers/{uscc}/filing").json()
    assert [e["to_status"] for e in events][-2:] == ["submitted", "returned"]
    assert events[-1]["reasons"] == ["缺消防验收"]


def test_create_refuses_bad_values_with_422(xiangshan_officer: Any, city: Any) -> None:
    client = _client(xiangshan_officer)
    response = client.post("/api/v1/providers/", _new(72, uscc="913406030000000001"), content_type=J)
    assert response.status_code == 422
    assert "uscc" in {e["field"] for e in response.json()["errors"]}
    response = client.post("/api/v1/providers/", _new(73, nursing_beds=100), content_type=J)
    assert response.status_code == 422
    assert "nursing_beds" in {e["field"] for e in response.json()["errors"]}


def test_create_outside_the_officers_county_or_sector_is_refused(xiangshan_officer: Any, city: Any) -> None:
    client = _client(xiangshan_officer)
    response = client.post("/api/v1/providers/", _new(74, region_code="340621100001"), content_type=J)
    assert response.status_code in (403, 404, 422)
    response = client.post("/api/v1/providers/", _new(75, kind="childcare_centre"), content_type=J)
    assert response.status_code in (403, 422)
    assert not Provider.objects.filter(uscc__in=[make_uscc(74), make_uscc(75)]).exists()


def test_sub_resources(suixi_officer: Any, providers: Any) -> None:
    client = _client(suixi_officer)
    uscc = providers["sx_child"].uscc
    response = client.post(
        f"/api/v1/providers/{uscc}/classes",
        {"name": "托小1", "class_type": "toddler", "capacity": 15, "carers": 3},
        content_type=J,
    )
    assert response.status_code == 201, response.content
    assert client.get(f"/api/v1/providers/{uscc}").json()["slots"] == 15
    response = client.post(
        f"/api/v1/providers/{uscc}/classes",
        {"name": "乳儿1", "class_type": "infant", "capacity": 40, "carers": 1},
        content_type=J,
    )
    assert response.status_code == 422
    assert {"capacity", "carers"} & {e["field"] for e in response.json()["errors"]}

    response = client.post(
        f"/api/v1/providers/{uscc}/staff",
        {
            "id_number": "11010519491231002X",
            "name": "王育婴",
            "role": "infant_carer",
            "hired_on": "2024-01-01",
            "certificates": [{"kind": "育婴员", "number": "Y1", "expires_on": "2030-01-01"}],
        },
        content_type=J,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id_number"] == "110105********002X" and body["certificates"][0]["kind"] == "育婴员"
    listed = client.get(f"/api/v1/providers/{uscc}/staff").json()
    assert "11010519491231002X" not in str(listed)
    assert StaffMember.objects.get(name="王育婴").id_number == "11010519491231002X"

    response = client.post(
        f"/api/v1/providers/{uscc}/documents", {"kind": "business_licence", "number": "L1"}, content_type=J
    )
    assert response.status_code == 201, response.content
    assert client.get(f"/api/v1/providers/{uscc}/documents").json()[0]["number"] == "L1"

    response = client.post(
        f"/api/v1/providers/{uscc}/prices",
        {"item_code": "childcare_full_day_month", "price": "1800.00", "effective_from": "2024-01-01"},
        content_type=J,
    )
    assert response.status_code == 201, response.content
    assert client.get(f"/api/v1/providers/{uscc}/prices").json()[0]["price"] in ("1800.00", "1800.0", 1800)


def test_operator_edits_and_submits_their_own_provider(city: Any) -> None:
    own = make_provider(80, status=Provider.FilingStatus.DRAFT)
    other = make_provider(81)
    operator = make_user("op80", ["provider_operator"], [], provider=own)
    client = _client(operator)
    response = client.patch(f"/api/v1/providers/{own.uscc}", {"address": "新地址1号"}, content_type=J)
    assert response.status_code == 200 and response.json()["address"] == "新地址1号"
    response = client.patch(f"/api/v1/providers/{own.uscc}", {"supply_tier": "inclusive"}, content_type=J)
    assert response.status_code == 403
    response = client.post(f"/api/v1/providers/{own.uscc}/filing", {"to_status": "submitted"}, content_type=J)
    assert response.status_code == 201
    response = client.post(f"/api/v1/providers/{own.uscc}/filing", {"to_status": "accepted"}, content_type=J)
    assert response.status_code == 403
    assert client.get(f"/api/v1/providers/{other.uscc}").status_code == 404
    assert FilingEvent.objects.filter(provider=own, to_status="submitted").count() == 1


def test_filing_step_dates(admin_user: Any, city: Any) -> None:
    p = make_provider(82, status=Provider.FilingStatus.DRAFT)
    client = _client(admin_user)
    response = client.post(
        f"/api/v1/providers/{p.uscc}/filing", {"to_status": "submitted", "on": "2024-05-06"}, content_type=J
    )
    assert response.status_code == 201
    p.refresh_from_db()
    assert p.submitted_on == dt.date(2024, 5, 6)
