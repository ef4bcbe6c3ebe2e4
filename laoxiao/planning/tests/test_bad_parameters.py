"""Bad parameters on every planning page and API endpoint: never a 500. A page shows what is wrong;
the API answers 422 naming the field; a region that exists outside the caller's regions is not
found (404) on both."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from laoxiao.planning.selectors import demand as ad
from laoxiao.planning.tests.factories import make_circle_city
from laoxiao.regions.actions import population_rollup

CIRCLE_PAGES = ("/planning/coverage/", "/planning/access/", "/planning/siting/")
DEMAND_PAGES = ("/planning/demand/", "/planning/demand/projection/")
API = (
    "/api/v1/planning/coverage",
    "/api/v1/planning/access",
    "/api/v1/planning/siting",
    "/api/v1/planning/projection",
    "/api/v1/planning/demand",
    "/api/v1/planning/residential-projects",
)


@pytest.fixture
def planned(db, city, admin_user):

    ad._CACHE.clear()
    population_rollup(actor=admin_user, years=[2021])
    return make_circle_city(admin_user)


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def fields(r: Any) -> list[str]:
    return [e["field"] for e in r.json()["errors"]]


def test_a_huge_sigma_is_refused_not_overflowed(planned, admin_user):
    c = client_for(admin_user)
    for sigma in ("1e308", "10001"):
        r = c.get("/planning/access/", {"region": "340603000000", "sigma": sigma})
        assert r.status_code == 200
        assert 'class="messages circle-errors"' in r.content.decode()
        r = c.get("/api/v1/planning/access", {"region": "340603", "sigma": sigma})
        assert r.status_code == 422 and fields(r) == ["sigma"]
    r = c.get("/api/v1/planning/access", {"region": "340603", "sigma": "10000"})  # the rule's max radius
    assert r.status_code == 200


@pytest.mark.parametrize("url", API)
def test_the_api_names_a_malformed_region(planned, admin_user, url):
    c = client_for(admin_user)
    for bad in ("abc", "-340603", "34060300000000000", " ", "3406O3"):
        r = c.get(url, {"region": bad, "k": 1})
        assert r.status_code == 422, (url, bad)
        assert fields(r) == ["region"]
    # well-formed but no such region: not found
    assert c.get(url, {"region": "349999", "k": 1}).status_code == 404


@pytest.mark.parametrize("url", CIRCLE_PAGES + DEMAND_PAGES + ("/planning/demand/residential/",))
def test_pages_404_outside_the_users_regions_and_explain_unknown_ones(
    planned, xiangshan_officer, admin_user, url
):
    xs = client_for(xiangshan_officer)
    assert xs.get(url, {"region": "340621000000", "k": 1}).status_code == 404
    assert xs.get(url, {"region": "340621", "k": 1}).status_code == 404  # 6 digits for the county
    assert xs.get(url, {"region": "340603000000", "k": 1}).status_code == 200
    for unknown in ("349999000000", "abc", "-1", "9" * 300):
        r = xs.get(url, {"region": unknown, "k": 1})
        assert r.status_code == 200, (url, unknown)
        html = r.content.decode()
        assert 'class="error"' in html or 'class="messages' in html, (url, unknown)


def test_the_residential_list_explains_a_bad_filter(planned, admin_user):
    c = client_for(admin_user)
    for params in ({"area_type": "villas"}, {"region": "340603000000", "area_type": "villas"}):
        r = c.get("/planning/demand/residential/", params)
        assert r.status_code == 200  # was a 404 with a region
        html = r.content.decode()
        assert (
            '<ul class="messages"><li class="error">' in html
            and "villas" in html.split('class="messages"')[1]
        )


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/planning/siting/", {"k": "99999999999999999999999"}),
        ("/planning/siting/", {"k": "-3"}),
        ("/planning/coverage/", {"radius": "nan"}),
        ("/planning/coverage/", {"radius": "inf"}),
        ("/planning/coverage/", {"detour": "1e308"}),
        ("/planning/access/", {"steps": "1e308:1"}),
        ("/planning/access/", {"steps": "nan:1"}),
        ("/planning/access/", {"method": "3sfca"}),
        ("/planning/demand/", {"year": "99999999999999999999"}),
        ("/planning/demand/", {"measure": "rooms"}),
        ("/planning/demand/projection/", {"scenario": "five_child"}),
    ],
)
def test_odd_numbers_on_pages_never_fail(planned, admin_user, url, params):
    r = client_for(admin_user).get(url, {"region": "340603000000", **params})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'class="messages' in html or 'class="error' in html or "1e308" in params.get("steps", "")


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/planning/siting", {"k": "99999999999999999999999"}, "k"),
        ("/api/v1/planning/coverage", {"radius": "nan"}, "radius"),
        ("/api/v1/planning/coverage", {"radius": "inf"}, "radius"),
        ("/api/v1/planning/access", {"steps": "nan:1"}, "steps"),
        ("/api/v1/planning/demand", {"year": "99999999999999999999"}, "year"),
        ("/api/v1/planning/projection", {"to": "-1"}, "to"),
        ("/api/v1/planning/residential-projects", {"page": "-1"}, "page"),
    ],
)
def test_odd_numbers_in_the_api_name_the_field(planned, admin_user, url, params, field):
    r = client_for(admin_user).get(url, {"region": "340603", "k": 1, **params})
    assert r.status_code == 422 and field in fields(r)


def test_nul_bytes_are_refused_before_the_views(planned, admin_user):
    c = client_for(admin_user)
    assert c.get("/planning/coverage/", {"region": "3406\x0003"}).status_code == 400
    r = c.get("/api/v1/planning/demand", {"region": "340603", "scenario": "\x00"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "scenario"


def test_residential_bodies_with_nul_bytes_or_malformed_regions_are_422(planned, admin_user):
    c = client_for(admin_user)
    body = {"code": "R-1", "name": "锦湖苑", "region_code": "340603001001", "area_type": "new"}
    body |= {"households": 100, "residents": 280}
    url = "/api/v1/planning/residential-projects"
    for bad, field in [
        ({"name": "锦\x00湖苑"}, "name"),
        ({"note": "\x00"}, "note"),
        ({"region_code": "东街道"}, "region_code"),
        ({"households": 10**30}, "households"),
    ]:
        r = c.post(url, body | bad, content_type="application/json")
        assert r.status_code == 422 and fields(r) == [field], bad
    r = c.post(url, body, content_type="application/json")
    assert r.status_code == 201
    pk = r.json()["id"]
    r = c.patch(f"{url}/{pk}", {"code": "R\x00"}, content_type="application/json")
    assert r.status_code == 422 and fields(r) == ["code"]
    r = c.patch(f"{url}/{pk}", {"region_code": "-1"}, content_type="application/json")
    assert r.status_code == 422 and fields(r) == ["region_code"]
    assert c.get(f"{url}/{pk}").json()["code"] == "R-1"
