"""What the OpenAPI document promises: every error answer, the enums, formats and bounds the code
enforces — and the schemas refuse what the document refuses (before any code runs)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from laoxiao.accounts.tests.factories import make_user

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def document(client: Client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, m, op) for path, item in document["paths"].items() for m, op in item.items() if m in METHODS
    ]


def test_every_operation_declares_its_error_answers_with_the_one_error_schema(
    document: dict[str, Any],
) -> None:
    error = document["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"detail", "errors"}
    operations = _operations(document)
    assert len(operations) > 50
    for path, method, op in operations:
        wanted = {"400", "404", "422"} | ({"401", "403"} if op.get("security") else set())
        assert wanted <= set(op["responses"]), (method, path)
        for status in wanted:
            schema = op["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)


def test_no_query_or_path_parameter_is_documented_as_null(document: dict[str, Any]) -> None:
    for path, method, op in _operations(document):
        for p in op.get("parameters", []):
            assert "null" not in str(p["schema"]), (method, path, p["name"])


def _props(document: dict[str, Any], schema: str) -> dict[str, Any]:
    return document["components"]["schemas"][schema]["properties"]


def _param(document: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    params = document["paths"][path]["get"]["parameters"]
    return next(p["schema"] for p in params if p["name"] == name)


def test_enums_formats_and_bounds_are_in_the_document(document: dict[str, Any]) -> None:
    # two enums called Kind (an inspection's, an incident's) no longer share one component
    assert "routine" in _props(document, "InspectionIn")["kind"]["enum"]
    assert "fall" in _props(document, "IncidentIn")["kind"]["enum"]
    assert "eldercare_home" in _props(document, "ProviderIn")["kind"]["enum"]  # model choices
    assert _props(document, "ProviderIn")["uscc"]["maxLength"] == 18  # the column's length
    beds = _props(document, "ProjectIn")["beds_added"]
    assert (beds["minimum"], beds["maximum"]) == (0, 2**31 - 1)
    price = _props(document, "PriceIn")["price"]
    assert price["type"] == "number" and price["maximum"] == 99999999.99  # Decimal(10, 2)
    assert _props(document, "ResidentialIn")["region_code"]["pattern"] == r"^\d{12}$"
    assert _param(document, "/api/v1/supervision/inspections", "date_to")["format"] == "date"
    assert _param(document, "/api/v1/providers/", "county")["pattern"] == r"^\d{2,12}$"


@pytest.fixture
def admin_client(city: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(make_user("doc_admin", ["city_admin"], [city["city"].code]))
    return client


def _refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in response.json()["errors"]}


@pytest.mark.parametrize("value", ["6.7e-207", "0", "1700000000", "2024-1-1", "20240101"])
def test_a_date_is_an_iso_date_not_a_number(admin_client: Client, value: str) -> None:
    _refused(admin_client.get("/api/v1/supervision/inspections", {"date_to": value}), "date_to")
    assert admin_client.get("/api/v1/supervision/inspections", {"date_to": "2024-01-31"}).status_code == 200


def test_an_integer_past_its_column_is_refused_by_the_schema(admin_client: Client) -> None:
    body = {"year": 2025, "name": "x", "kind": "other", "region_code": "340603001001", "investment": 1}
    for value in (2**63, 2**31):
        _refused(
            admin_client.post(
                "/api/v1/plan/major-projects", {**body, "beds_added": value}, content_type="application/json"
            ),
            "beds_added",
        )


def test_a_choice_and_a_length_are_refused_by_the_schema(admin_client: Client) -> None:
    _refused(admin_client.get("/api/v1/providers/", {"kind": "castle"}), "kind")
    _refused(admin_client.get("/api/v1/providers/", {"county": "34x6"}), "county")
    _refused(admin_client.get("/api/v1/people/elders", {"category": "royalty"}), "category")


def test_integer_path_parameters_state_the_range_the_guard_enforces(client: Any) -> None:
    from laoxiao.core.hostile import INT64_MAX

    doc = client.get("/api/v1/openapi.json").json()
    params = [
        p["schema"]
        for item in doc["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
        for p in op.get("parameters", [])
        if p.get("in") == "path" and p["schema"].get("type") == "integer"
    ]
    assert params and all(s.get("maximum", INT64_MAX + 1) <= INT64_MAX for s in params)
