"""The projection, demand and residential pages and their API on a small hand-built city: scoping
(404 outside the user's regions), bad input (a message or 422, never a 500), writes logged."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from laoxiao.accounts.tests.factories import PASSWORD
from laoxiao.core.models import ChangeLog
from laoxiao.planning.actions import residential_project_create
from laoxiao.planning.models import ResidentialProject
from laoxiao.planning.selectors import demand as ad
from laoxiao.regions.actions import population_rollup
from laoxiao.web.browser import browser_page, chromium_path


@pytest.fixture
def rolled(city, admin_user):

    ad._CACHE.clear()
    population_rollup(actor=admin_user, years=[2021])
    return city


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def project(actor: Any, code: str, region: str, **kw: Any) -> ResidentialProject:
    data = {
        "code": code, "name": f"项目{code}", "region_code": region, "area_type": "new", "households": 1000,
        "residents": 2800, "eldercare_floor_area": 400, "largest_facility_area": 400, "childcare_slots": 28,
        "delivery_date": dt.date(2021, 6, 30),
    } | kw  # fmt: skip
    return residential_project_create(actor=actor, data=data)


def test_pages_need_a_login(rolled):
    for url in ("/planning/demand/", "/planning/demand/projection/", "/planning/demand/residential/"):
        assert Client().get(url).status_code == 302


def test_projection_page_for_the_city(rolled, admin_user):
    r = client_for(admin_user).get(
        "/planning/demand/projection/", {"region": "340600000000", "scenario": "three_child"}
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "淮北市" in html and 'id="demand-projection-data"' in html
    data = json.loads(
        html.split('id="demand-projection-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["years"][0] == 2021 and data["years"][-1] == 2035
    assert data["population"][0] == 6000 and data["groups"]["age_60_plus"][0] == 1200


def test_demand_page_table_and_map(rolled, admin_user):
    r = client_for(admin_user).get(
        "/planning/demand/", {"region": "340603000000", "measure": "slots", "year": 2030}
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "相山区" in html and 'id="demand-map"' in html
    chart = json.loads(html.split('id="demand-need-data" type="application/json">')[1].split("</script>")[0])
    assert chart["need"][0] == round(
        3000 * (0.56 + (4.6 - 0.56) / 5) / 1000
    )  # 2021 slots per 1,000 × 3,000 people
    assert chart["need"][chart["years"].index(2030)] == round(4.6 * 3)


def test_demand_scoping_and_bad_input(rolled, xiangshan_officer, nobody):
    c = client_for(xiangshan_officer)
    ok = c.get("/planning/demand/")
    assert ok.status_code == 200 and "相山区" in ok.content.decode()  # their county by default
    mapped = json.loads(
        ok.content.decode().split('id="demand-map-data" type="application/json">')[1].split("</script>")[0]
    )
    assert [v["name"] for v in mapped["values"]] == ["相山区"]  # not the other county
    assert c.get("/planning/demand/", {"region": "340621000000"}).status_code == 404
    assert c.get("/planning/demand/projection/", {"region": "340600000000"}).status_code == 404
    bad = c.get("/planning/demand/", {"region": "340603000000", "year": "1900"})
    assert bad.status_code == 200 and "demand-errors" in bad.content.decode()
    assert client_for(nobody).get("/planning/demand/").status_code == 404


def test_residential_list_is_scoped_with_reasons(rolled, admin_user, xiangshan_officer):
    project(admin_user, "A", "340603001001")
    project(admin_user, "B", "340603001002", eldercare_floor_area=185, largest_facility_area=185)
    project(admin_user, "C", "340621100001")
    r = client_for(xiangshan_officer).get("/planning/demand/residential/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "项目A" in html and "项目B" in html and "项目C" not in html
    assert "(actual 18.5)" in html or "实有18.5" in html
    assert "E05: 50.0%" in html or "50.0%" in html
    assert (
        client_for(xiangshan_officer)
        .get("/planning/demand/residential/", {"region": "340621000000"})
        .status_code
        == 404
    )


def test_residential_form_creates_logs_and_refuses_bad_input(rolled, xiangshan_officer, admin_user):
    c = client_for(xiangshan_officer)
    assert c.get("/planning/demand/residential/new/").status_code == 200
    form = {
        "code": "N1", "name": "新苑", "region_code": "340603001001", "area_type": "new", "households": "1000",
        "residents": "2800", "eldercare_floor_area": "300", "largest_facility_area": "500", "childcare_slots": "28",
        "delivery_date": "", "acceptance": "pending", "note": "",
    }  # fmt: skip
    bad = c.post("/planning/demand/residential/new/", form)
    assert bad.status_code == 200 and not ResidentialProject.objects.exists()
    assert "cannot exceed" in bad.content.decode() or "不能超过" in bad.content.decode()
    form["largest_facility_area"] = "300"
    ok = c.post("/planning/demand/residential/new/", form)
    assert ok.status_code == 302
    p = ResidentialProject.objects.get(code="N1")
    assert ChangeLog.objects.filter(target_id=str(p.pk), action="create").exists()
    edit = c.post(
        f"/planning/demand/residential/{p.pk}/",
        form | {"eldercare_floor_area": "350", "largest_facility_area": "350"},
    )
    assert edit.status_code == 302
    p.refresh_from_db()
    assert p.eldercare_floor_area == 350
    other = project(admin_user, "S", "340621100001")
    assert c.get(f"/planning/demand/residential/{other.pk}/").status_code == 404
    outside = c.post(
        "/planning/demand/residential/new/", form | {"code": "N2", "region_code": "340621100001"}
    )
    assert outside.status_code == 200 and not ResidentialProject.objects.filter(code="N2").exists()


# --- API ----------------------------------------------------------------------------------------


def test_api_projection_and_demand(rolled, admin_user, xiangshan_officer):
    c = client_for(admin_user)
    r = c.get("/api/v1/planning/projection", {"region": "340603"})
    assert r.status_code == 200
    body = r.json()
    assert body["code"] == "340603000000" and body["rows"][0]["population"] == 3000
    assert body["rows"][0]["births"] is None and body["rows"][1]["births"] > 0
    assert len(body["pyramids"]["2021"]["groups"]) == 21
    d = c.get("/api/v1/planning/demand", {"region": "340600000000", "measure": "beds", "year": 2025}).json()
    assert d["rows"][0]["need_beds"] == 42 and [x["code"] for x in d["counties"]] == [
        "340603000000",
        "340621000000",
    ]
    assert c.get("/api/v1/planning/demand", {"region": "340600000000", "measure": "x"}).status_code == 422
    bad = c.get("/api/v1/planning/demand", {"region": "340600000000", "scenario": "zz"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "scenario"
    assert c.get("/api/v1/planning/demand", {"region": "340600000000", "year": 2050}).status_code == 422
    officer = client_for(xiangshan_officer)
    assert officer.get("/api/v1/planning/projection", {"region": "340621"}).status_code == 404
    assert (
        officer.get("/api/v1/planning/demand", {"region": "340603", "year": 2025}).json()["counties"][0][
            "code"
        ]
        == "340603000000"
    )


def test_api_residential_projects(rolled, admin_user, xiangshan_officer):
    c = client_for(xiangshan_officer)
    body = {
        "code": "N1", "name": "新苑", "region_code": "340603001001", "area_type": "new", "households": 500,
        "residents": 1400, "eldercare_floor_area": "92.5", "largest_facility_area": "92.5", "childcare_slots": 10,
    }  # fmt: skip
    r = c.post("/api/v1/planning/residential-projects", body, content_type="application/json")
    assert r.status_code == 201, r.content
    created = r.json()
    assert (
        created["passed"] is False
        and "新建居住区每百户养老服务设施建筑面积不足30平方米（实有18.5）" in created["reasons"]
    )
    dup = c.post("/api/v1/planning/residential-projects", body, content_type="application/json")
    assert dup.status_code == 422 and dup.json()["errors"][0]["field"] == "code"
    neg = c.post(
        "/api/v1/planning/residential-projects",
        body | {"code": "N2", "households": -1},
        content_type="application/json",
    )
    assert neg.status_code == 422
    out = c.post(
        "/api/v1/planning/residential-projects",
        body | {"code": "N3", "region_code": "340621100001"},
        content_type="application/json",
    )
    assert out.status_code == 404
    p = c.patch(
        f"/api/v1/planning/residential-projects/{created['id']}",
        {"eldercare_floor_area": "400", "largest_facility_area": "400", "childcare_slots": 14},
        content_type="application/json",
    )
    assert p.status_code == 200 and p.json()["passed"] is True
    other = project(admin_user, "S", "340621100001")
    assert c.get(f"/api/v1/planning/residential-projects/{other.pk}").status_code == 404
    listing = c.get("/api/v1/planning/residential-projects").json()
    assert listing["count"] == 1 and listing["items"][0]["code"] == "N1"
    assert (
        client_for(admin_user)
        .get("/api/v1/planning/residential-projects", {"area_type": "new"})
        .json()["count"]
        == 2
    )


# --- in a real browser ----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_charts_and_map_draw_in_a_browser(live_server: Any, city: Any, admin_user: Any) -> None:

    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed")
    ad._CACHE.clear()
    population_rollup(actor=admin_user, years=[2021])
    ad.platform_projection(scenario="baseline")  # computed before the browser's event loop starts
    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/planning/demand/?region=340600000000&measure=beds&year=2030")
        page.wait_for_selector("#demand-need canvas")
        page.wait_for_selector("#demand-map canvas")
        names = page.evaluate(
            "() => echarts.getInstanceByDom(document.getElementById('demand-map')).getOption().series[0].data"
            ".filter(d => d.value != null && !isNaN(d.value)).map(d => d.name).sort()"
        )
        assert names == sorted(["相山区", "濉溪县"])
        page.goto(f"{live_server.url}/planning/demand/projection/?region=340603000000")
        page.wait_for_selector("#demand-pyramid canvas")
        page.wait_for_selector("#demand-trends canvas")
        assert errors == []
