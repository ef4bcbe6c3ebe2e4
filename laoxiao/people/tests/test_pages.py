"""The people pages: who sees which page, the filters, and the forms (which call the actions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.models import ChangeLog
from laoxiao.people.actions import (
    assessment_record,
    elder_set_categories,
    elders_upsert_many,
    guardian_upsert,
)
from laoxiao.people.models import (
    AbilityAssessment,
    ChildHealthCheck,
    Elder,
    HealthCheck,
    NewbornVisit,
    Vaccination,
    WelfareVisit,
)
from laoxiao.people.tests import factories as cf
from laoxiao.people.tests.factories import ITEM_MAX, XS1, XS2, make_elder, make_elder_id, make_items
from laoxiao.people.views import visits as visit_views


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the msgids: stable whatever the catalogue says
    client.force_login(user)
    return client


@pytest.fixture
def elders(xiangshan_officer: Any) -> dict[str, Elder]:
    alone = make_elder(
        xiangshan_officer, seq=1, name="独居张", living_arrangement="alone", phone="13812345678"
    )
    family = make_elder(xiangshan_officer, seq=2, name="同住李", living_arrangement="with_family", region=XS2)
    poor = make_elder(xiangshan_officer, seq=3, name="低保王", living_arrangement="with_family")
    elder_set_categories(
        actor=xiangshan_officer, elder=poor, categories=["dibao"], support_mode=None, on=dt.date(2020, 1, 1)
    )
    assessment_record(
        actor=xiangshan_officer,
        elder=family,
        assessed_on=dt.date(2024, 3, 1),
        reason="first",
        items=make_items(70),
    )
    return {"alone": alone, "family": family, "poor": poor}


def _post_items(total: int) -> dict[str, Any]:
    return {f"item_{k}": v for k, v in make_items(total).items()}


def test_navigation_by_sector(xiangshan_officer: Any, suixi_officer: Any) -> None:
    civil = _client(xiangshan_officer).get("/").content.decode()
    assert "/people/elders/" in civil and "/people/visits/" in civil and "/people/children/" not in civil
    health = _client(suixi_officer).get("/").content.decode()
    assert "/people/children/" in health and "/people/health/" in health and "/people/visits/" not in health


def test_pages_need_a_login(city: Any) -> None:
    for url in ("/people/elders/", "/people/visits/", "/people/children/", "/people/health/"):
        assert Client().get(url).status_code == 302


def test_elder_list_filters(xiangshan_officer: Any, elders: Any) -> None:
    client = _client(xiangshan_officer)

    def names(**params: Any) -> list[str]:
        html = client.get("/people/elders/", params).content.decode()
        return [n for n in ("独居张", "同住李", "低保王") if n in html]

    assert names() == ["独居张", "同住李", "低保王"]
    assert names(region=XS2) == ["同住李"]
    assert names(q="王") == ["低保王"]
    assert names(id_number=elders["alone"].id_number) == ["独居张"]
    assert names(visit="yes") == ["独居张"]
    assert names(visit="no") == ["同住李", "低保王"]
    assert names(category="dibao") == ["低保王"]
    assert names(level="mild") == ["同住李"]
    assert names(level="severe") == []
    html = client.get("/people/elders/", {"id_number": "12345"}).content.decode()
    assert "18 characters" in html


def test_elder_list_pages_by_fifty(xiangshan_officer: Any, city: Any) -> None:

    elders_upsert_many(
        actor=xiangshan_officer,
        records=[
            {"id_number": make_elder_id(dt.date(1950, 1, 1), i), "name": f"人{i:03d}", "region_code": XS1}
            for i in range(1, 56)
        ],
    )
    client = _client(xiangshan_officer)
    first = client.get("/people/elders/").content.decode()
    assert "人050" in first and "人051" not in first and "page=2" in first and "of 55" in first
    second = client.get("/people/elders/", {"page": 2}).content.decode()
    assert "人055" in second and "人001" not in second


def test_elder_page_shows_the_whole_follow_up(xiangshan_officer: Any, elders: Any) -> None:
    family = elders["family"]
    html = _client(xiangshan_officer).get(f"/people/elders/{family.pk}/").content.decode()
    for part in (
        "Identity",
        "Categories",
        "Ability assessments",
        "Welfare visits",
        "Yearly health management",
        "Change history",
    ):
        assert part in html
    assert "2024-03-01" in html and "<b>70</b>" in html
    assert family.id_number not in html
    # 26 item inputs, grouped by domain, with their ranges
    assert html.count('class="score"') == len(ITEM_MAX)


def test_assessment_form_records_and_shows_errors(xiangshan_officer: Any, elders: Any) -> None:
    elder = elders["alone"]
    client = _client(xiangshan_officer)
    url = f"/people/elders/{elder.pk}/record/assessment/"
    bad = {"assessed_on": "2024-05-01", "reason": "first", "risk_events_30d": 0, **_post_items(60)}
    bad["item_eating"] = 9
    response = client.post(url, bad)
    assert response.status_code == 422
    assert 'id="form-assessment"' in response.content.decode() and "errorlist" in response.content.decode()
    assert not AbilityAssessment.objects.filter(elder=elder).exists()
    good = {"assessed_on": "2024-05-01", "reason": "first", "risk_events_30d": 0, **_post_items(30)}
    response = client.post(url, good)
    assert response.status_code == 302
    row = AbilityAssessment.objects.get(elder=elder)
    assert row.total == 30 and row.level


def test_visit_form_refuses_a_date_before_birth(xiangshan_officer: Any, elders: Any) -> None:
    elder = elders["alone"]
    client = _client(xiangshan_officer)
    url = f"/people/elders/{elder.pk}/record/visit/"
    response = client.post(url, {"visited_on": "1900-01-01", "mode": "home"})
    assert response.status_code == 422 and "before the person was born" in response.content.decode()
    assert not WelfareVisit.objects.exists()
    response = client.post(
        url,
        {"visited_on": "2024-06-01", "mode": "phone", "needs": "助餐", "routed_to_region": "340603000000"},
    )
    assert response.status_code == 302
    visit = WelfareVisit.objects.get(elder=elder)
    assert visit.needs == "助餐" and visit.routed_to_region == "340603000000"


def test_death_and_handover_forms(xiangshan_officer: Any, elders: Any) -> None:
    client = _client(xiangshan_officer)
    poor = elders["poor"]
    assert (
        client.post(f"/people/elders/{poor.pk}/record/death/", {"died_on": "2099-01-01"}).status_code == 422
    )
    assert (
        client.post(f"/people/elders/{poor.pk}/record/death/", {"died_on": "2024-02-01"}).status_code == 302
    )
    poor.refresh_from_db()
    assert poor.died_on == dt.date(2024, 2, 1)
    alone = elders["alone"]
    response = client.post(
        f"/people/elders/{alone.pk}/record/handover/", {"to_region_code": XS2, "on": "2024-01-01"}
    )
    assert response.status_code == 302
    alone.refresh_from_db()
    assert alone.region_code == XS2
    assert ChangeLog.objects.filter(action=ChangeLog.Action.HANDOVER, target_id=str(alone.pk)).count() == 2
    html = client.get(f"/people/elders/{alone.pk}/").content.decode()
    assert XS2 in html


def test_health_staff_see_health_checks_only(city: Any, elders: Any) -> None:
    health = make_user("xs_wj", ["health_county"], ["340603000000"])
    client = _client(health)
    elder = elders["family"]
    html = client.get(f"/people/elders/{elder.pk}/").content.decode()
    assert (
        "Yearly health management" in html
        and "Ability assessments" not in html
        and "Change history" not in html
    )
    response = client.post(
        f"/people/elders/{elder.pk}/record/health-check/", {"checked_on": "2024-04-01", "complete": "on"}
    )
    assert response.status_code == 302
    assert HealthCheck.objects.filter(elder=elder, complete=True).exists()
    # an assessment is the civil-affairs office's work
    response = client.post(
        f"/people/elders/{elder.pk}/record/assessment/",
        {"assessed_on": "2024-05-01", "reason": "first", "risk_events_30d": 0, **_post_items(30)},
    )
    assert response.status_code == 403


def test_visit_worklist_records_a_visit_inline(city: Any, elders: Any) -> None:
    worker = make_user("grid1", ["community_worker"], [XS1])
    client = _client(worker)
    html = client.get("/people/visits/").content.decode()
    assert "独居张" in html and "living alone" in html and "低保王" not in html
    today = timezone.localdate()
    response = client.post(
        f"/people/visits/{elders['alone'].pk}/record/",
        {"visited_on": today.isoformat(), "mode": "home", "findings": "安好", "month": f"{today:%Y-%m}"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and body.startswith("<tr") and "visited" in body
    assert WelfareVisit.objects.get(elder=elders["alone"]).findings == "安好"
    response = client.post(
        f"/people/visits/{elders['alone'].pk}/record/",
        {"visited_on": "1900-01-01", "mode": "home", "month": f"{today:%Y-%m}"},
    )
    assert "before the person was born" in response.content.decode()
    past = client.get("/people/visits/", {"month": "2020-01"}).content.decode()
    assert "overdue" in past


def test_the_visit_work_list_page_shows_a_bounded_page(
    xiangshan_officer: Any, elders: Any, monkeypatch: Any
) -> None:

    make_elder(xiangshan_officer, seq=9, name="独居赵", living_arrangement="alone")
    client = _client(xiangshan_officer)
    county = {"region": "340603000000", "month": "2024-06"}  # a county's list: thousands in the city
    whole = client.get("/people/visits/", county)
    on_list = len(whole.context["rows"])
    assert on_list >= 2
    monkeypatch.setattr(visit_views, "WORKLIST_PAGE_SIZE", 1)
    first = client.get("/people/visits/", county)
    assert len(first.context["rows"]) == 1 and first.context["summary"]["total"] == on_list
    assert "page=2" in first.content.decode()
    beyond = client.get("/people/visits/", {**county, "page": str(10**20)})
    assert beyond.status_code == 200 and len(beyond.context["rows"]) == 1  # the last page


@pytest.fixture
def baby(city: Any) -> Any:
    birth = timezone.localdate() - dt.timedelta(days=70)
    child = cf.make_child(
        name="小宝", birth=birth, region_code=XS1, cert="AB123456", discharge=birth + dt.timedelta(days=3)
    )

    health = make_user("xs_wj", ["health_county"], ["340603000000"])
    guardian_upsert(
        actor=health,
        child=child,
        id_number=cf.make_child_id("340603", dt.date(1995, 1, 1)),
        name="宝妈",
        phone="13900001111",
    )
    return {"child": child, "health": health}


def test_child_pages_and_forms(baby: Any) -> None:
    child, client = baby["child"], _client(baby["health"])
    html = client.get("/people/children/").content.decode()
    assert "小宝" in html and "AB123456" not in html
    assert "小宝" in client.get("/people/children/", {"key": "AB123456"}).content.decode()
    html = client.get(f"/people/children/{child.pk}/").content.decode()
    for part in ("Newborn home visit", "Health checks", "Vaccinations", "schedule edition", "宝妈"):
        assert part in html
    assert "13900001111" not in html and "139****1111" in html
    url = f"/people/children/{child.pk}/record/"
    bad = client.post(url + "check/", {"age_point": "1m", "checked_on": "2000-01-01"})
    assert bad.status_code == 422 and "before the child" in bad.content.decode()
    assert (
        client.post(
            url + "newborn-visit/", {"visited_on": (child.birth_date + dt.timedelta(days=5)).isoformat()}
        ).status_code
        == 302
    )
    assert (
        client.post(
            url + "check/",
            {"age_point": "1m", "checked_on": (child.birth_date + dt.timedelta(days=29)).isoformat()},
        ).status_code
        == 302
    )
    assert (
        client.post(
            url + "vaccination/", {"dose": "HepB|1", "given_on": child.birth_date.isoformat()}
        ).status_code
        == 302
    )
    assert NewbornVisit.objects.filter(child=child).exists()
    assert ChildHealthCheck.objects.filter(child=child, age_point="1m").exists()
    assert Vaccination.objects.filter(child=child, vaccine="HepB", dose=1).exists()
    html = client.get(f"/people/children/{child.pk}/").content.decode()
    assert "st-done" in html


def test_health_worklist(baby: Any) -> None:
    client = _client(baby["health"])
    html = client.get("/people/health/", {"region": XS1}).content.decode()
    assert "小宝" in html and ("overdue" in html or "due" in html)
    html = client.get("/people/health/").content.decode()
    assert "Pick a community" in html
