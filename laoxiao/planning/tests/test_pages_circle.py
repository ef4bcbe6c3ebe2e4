"""The planning pages and API on a small hand-made city (circle_factories): figures, scope, errors."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from laoxiao.accounts.tests.factories import PASSWORD
from laoxiao.planning.tests.factories import make_circle_city
from laoxiao.web.browser import browser_page, chromium_path


@pytest.fixture
def circle(db, city, admin_user):
    return make_circle_city(admin_user)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def report_of(html: str) -> dict:
    m = re.search(r'<script id="circle-data" type="application/json">(.*?)</script>', html, re.S)
    assert m, "no map data on the page"
    return json.loads(m.group(1))


def test_the_index_links_every_analysis(circle, admin_user):
    page = client_for(admin_user).get("/planning/").content.decode()
    for url in ("/planning/coverage/", "/planning/access/", "/planning/siting/"):
        assert f'href="{url}"' in page


def test_coverage_page(circle, admin_user):
    r = client_for(admin_user).get("/planning/coverage/", {"region": "340603000000", "radius": 1000})
    assert r.status_code == 200
    html = r.content.decode()
    report = report_of(html)
    assert report["summary"]["covered_weight"] == 3 and report["summary"]["weight"] == 4
    assert [(p["id"], p["covered"]) for p in report["demand"]] == [
        ("340603001001", True),
        ("340603001002", False),
    ]
    assert [p["id"] for p in report["supply"]] == [circle["home"].uscc]  # the draft home is left out
    assert 'id="circle-map"' in html and "75.0%" in html
    assert "东街道" in html  # the township's row


def test_access_page_and_api_agree(circle, admin_user):
    c = client_for(admin_user)
    params = {"region": "340603", "method": "2sfca", "radius": 1000, "capacity": "beds", "group": "elders"}
    page = report_of(c.get("/planning/access/", params).content.decode())
    api = c.get("/api/v1/planning/access", params).json()
    assert page["demand"] == api["demand"]
    scores = {p["id"]: p["score"] for p in api["demand"]}
    assert scores == pytest.approx({"340603001001": 40 / 3, "340603001002": 0.0})
    assert api["summary"]["weight_without_access"] == 1
    nursing = c.get("/api/v1/planning/access", {**params, "capacity": "nursing_beds"}).json()
    assert nursing["demand"][0]["score"] == pytest.approx(20 / 3)


def test_childcare_slots_come_from_the_classes(circle, admin_user):
    api = client_for(admin_user).get(
        "/api/v1/planning/access",
        {"region": "340621", "group": "children", "method": "2sfca", "radius": 1000},
    )
    assert api.status_code == 200
    assert api.json()["summary"]["capacity"] == 25  # 15 + 10 slots


def test_siting_page_and_api(circle, admin_user):
    c = client_for(admin_user)
    html = c.get("/planning/siting/", {"region": "340603000000", "k": 1, "radius": 1000}).content.decode()
    report = report_of(html)
    assert [(s["id"], s["order"], s["added_weight"]) for s in report["chosen"]] == [("340603001002", 1, 1.0)]
    assert report["summary"]["covered_before"] == 3 and report["summary"]["covered_after"] == 4
    assert "100.0%" in html
    api = c.get("/api/v1/planning/siting", {"region": "340603", "k": 1}).json()
    assert api["chosen"] == report["chosen"]


def test_bad_parameters_get_a_message_on_pages_and_422_in_the_api(circle, admin_user):
    c = client_for(admin_user)
    for url, params in [
        ("/planning/coverage/", {"radius": "far"}),
        ("/planning/coverage/", {"radius": 1e9}),
        ("/planning/siting/", {"k": 0}),
        ("/planning/access/", {"steps": "1000"}),
        ("/planning/access/", {"group": "children", "capacity": "beds"}),
    ]:
        r = c.get(url, params)
        assert r.status_code == 200
        assert 'class="messages circle-errors"' in r.content.decode(), (url, params)
    r = c.get("/planning/siting/", {"region": "340603000000", "k": 5})  # only one candidate site
    assert r.status_code == 200 and "circle-problem" in r.content.decode()
    for params, field in [
        ({"region": "340603", "radius": -1}, "radius"),
        ({"region": "340603", "radius": 1e9}, "radius"),
        ({"region": "340603", "group": "pets"}, "group"),
    ]:
        r = c.get("/api/v1/planning/coverage", params)
        assert r.status_code == 422
        assert field in [e["field"] for e in r.json()["errors"]]
    r = c.get("/api/v1/planning/siting", {"region": "340603", "k": 5})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "k"
    r = c.get("/api/v1/planning/access", {"region": "340603", "steps": "x:y"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "steps"


def test_scope_by_region_and_sector(circle, xiangshan_officer, suixi_officer, nobody):
    xs = client_for(xiangshan_officer)  # civil affairs, 相山区
    assert xs.get("/api/v1/planning/coverage", {"region": "340603"}).status_code == 200
    assert xs.get("/api/v1/planning/coverage", {"region": "340621"}).status_code == 404
    # a region outside the user's regions: not found, as the module says (it was a form error)
    assert xs.get("/planning/coverage/", {"region": "340621000000"}).status_code == 404
    r = xs.get("/planning/coverage/", {"region": "349999000000"})  # no such region: the form says so
    assert r.status_code == 200 and 'class="messages circle-errors"' in r.content.decode()
    assert xs.get("/api/v1/planning/coverage", {"region": "340603", "group": "children"}).status_code == 404
    sx = client_for(suixi_officer)  # health, 濉溪县: children only
    assert sx.get("/api/v1/planning/coverage", {"region": "340621", "group": "children"}).status_code == 200
    assert sx.get("/api/v1/planning/coverage", {"region": "340621", "group": "elders"}).status_code == 404
    page = sx.get("/planning/coverage/").content.decode()
    assert report_of(page)["group"] == "children" and report_of(page)["region"]["code"] == "340621000000"
    page = client_for(nobody).get("/planning/coverage/").content.decode()
    assert "circle-problem" in page and "circle-data" not in page
    assert client_for(nobody).get("/api/v1/planning/coverage", {"region": "340603"}).status_code == 404


def test_pages_need_a_login(circle):
    r = Client().get("/planning/coverage/")
    assert r.status_code == 302
    assert Client().get("/api/v1/planning/coverage", {"region": "340603"}).status_code == 401


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_maps_draw_in_a_real_browser(live_server, city, admin_user):

    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed")
    make_circle_city(admin_user)
    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{live_server.url}/")
        for path in ("/planning/coverage/", "/planning/access/?method=2sfca", "/planning/siting/?k=1"):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_selector("#circle-map canvas")
            page.wait_for_function(
                "() => { const c = echarts.getInstanceByDom(document.getElementById('circle-map'));"
                " return c && c.getOption() && c.getOption().geo && c.getOption().geo.length === 1; }"
            )
            drawn = page.evaluate(
                "() => echarts.getInstanceByDom(document.getElementById('circle-map')).getOption()"
                ".series.map(s => [s.id, s.data.length])"
            )
            assert drawn and sum(n for _, n in drawn) >= 3, (path, drawn)
        assert errors == []
