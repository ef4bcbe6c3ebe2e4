"""The public portal (no login): filed providers only, and nothing personal — no staff names, no ID
numbers, no contact person or phone — on the pages or in the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from laoxiao.providers.models import ChildcareClass, Price, Provider
from laoxiao.providers.tests.factories import (
    CONTACT_NAME,
    CONTACT_PHONE,
    STAFF_ID,
    STAFF_NAME,
    make_staff,
    world,
)
from laoxiao.supervision.models import CreditRating, GradeRating, Inspection

PERSONAL = (STAFF_NAME, STAFF_ID, CONTACT_PHONE, CONTACT_NAME, "139****5678", "340603********1237")


@pytest.fixture
def providers(city: dict[str, Any]) -> dict[str, Provider]:
    out = world(city)
    for p in out.values():
        make_staff(p)
    p = out["xs_elder"]
    Price.objects.create(
        provider=p,
        region_code=p.region_code,
        item_id="bed_shared_month",
        price=1800,
        effective_from=dt.date(2024, 1, 1),
    )
    GradeRating.objects.create(
        provider=p, region_code=p.region_code, grade=3, rated_on=dt.date(2024, 1, 1), body="市民政局"
    )
    CreditRating.objects.create(
        provider=p,
        region_code=p.region_code,
        computed_on=dt.date(2024, 12, 31),
        score=90,
        level="A",
        tier="low",
        inspections_per_year=1,
    )
    Inspection.objects.create(
        provider=p,
        region_code=p.region_code,
        date=dt.date(2024, 11, 5),
        kind=Inspection.Kind.choices[0][0],
        inspectors="检查组",
        result=Inspection.Result.choices[0][0],
    )
    cc = out["sx_child"]
    ChildcareClass.objects.create(
        provider=cc, region_code=cc.region_code, name="托小", class_type="toddler", capacity=15, carers=3
    )
    return out


def _assert_nothing_personal(text: str) -> None:
    for value in PERSONAL:
        assert value not in text, value


def test_directory_lists_filed_providers_without_personal_data(providers: Any) -> None:
    response = Client().get("/public/providers/")
    assert response.status_code == 200
    page = response.content.decode()
    for key in ("xs_elder", "xs_child", "sx_elder", "sx_child"):
        assert providers[key].name in page
    assert "草稿养老院" not in page
    _assert_nothing_personal(page)
    assert (
        'id="provider-map"' in page
        and "/api/v1/public/providers/map" in page
        and "/public/boundaries.geojson" in page
    )


def test_directory_filters(providers: Any) -> None:
    page = (
        Client().get("/public/providers/", {"kind": "childcare_centre", "county": "340621"}).content.decode()
    )
    assert providers["sx_child"].name in page and providers["xs_child"].name not in page


def test_provider_page(providers: Any) -> None:
    p = providers["xs_elder"]
    response = Client().get(f"/public/providers/{p.uscc}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert p.name in page and p.address in page and "1800" in page
    assert response.context["p"]["latest_inspection"]["date"] == dt.date(2024, 11, 5)
    assert 'id="provider-location"' in page
    _assert_nothing_personal(page)


def test_a_provider_that_is_not_filed_is_404(providers: Any) -> None:
    assert Client().get(f"/public/providers/{providers['xs_draft'].uscc}/").status_code == 404
    assert Client().get(f"/api/v1/public/providers/{providers['xs_draft'].uscc}").status_code == 404
    assert Client().get("/public/providers/913406030000000000/").status_code == 404


def test_public_api_needs_no_login_and_shows_nothing_personal(providers: Any) -> None:
    response = Client().get("/api/v1/public/providers", {"page_size": 100})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert providers["xs_draft"].uscc not in {i["uscc"] for i in body["items"]}
    _assert_nothing_personal(response.content.decode())
    assert not {"contact_phone", "contact_name", "operator_name", "staff"} & set(body["items"][0])

    response = Client().get(f"/api/v1/public/providers/{providers['xs_elder'].uscc}")
    assert response.status_code == 200
    detail = response.json()
    _assert_nothing_personal(response.content.decode())
    assert detail["grade"] == 3 and detail["credit_level"] == "A" and detail["vacancies"] == 40
    assert detail["latest_inspection"]["date"] == "2024-11-05"
    assert detail["prices"][0]["item_code"] == "bed_shared_month"
    child = Client().get(f"/api/v1/public/providers/{providers['sx_child'].uscc}").json()
    assert child["slots"] == 15 and child["vacancies"] == 15 and child["latest_inspection"] is None


def test_public_api_filters(providers: Any) -> None:
    body = Client().get("/api/v1/public/providers", {"credit_level": "A"}).json()
    assert [i["uscc"] for i in body["items"]] == [providers["xs_elder"].uscc]
    body = Client().get("/api/v1/public/providers", {"kind": "childcare_centre", "has_vacancy": True}).json()
    assert [i["uscc"] for i in body["items"]] == [providers["sx_child"].uscc]


def test_public_map_and_boundaries(providers: Any) -> None:
    body = Client().get("/api/v1/public/providers/map").json()
    assert body["count"] == 4
    _assert_nothing_personal(str(body))
    response = Client().get("/public/boundaries.geojson")
    assert response.status_code == 200 and response.json()["type"] == "FeatureCollection"


def test_public_root_redirects_to_the_directory(city: Any) -> None:
    response = Client().get("/public/")
    assert response.status_code == 302 and response["Location"] == "/public/providers/"
