"""The visits API (check-in/out, list, one visit, review, the queue) and the officers' review queue
page, also in Chromium."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from laoxiao.accounts.tests.factories import PASSWORD
from laoxiao.core import clock
from laoxiao.services.models import ServiceVisit
from laoxiao.services.tests.factories_visits import (
    HOME_LAT,
    HOME_LON,
    at,
    load_reference,
    make_home_provider,
    make_operator,
    make_person,
    make_reviewer,
    make_worker,
    record,
    row,
)
from laoxiao.web.browser import browser_page, chromium_path

BASE = "/api/v1/services"
DAY = dt.date(2026, 11, 10)
S = ServiceVisit.Status


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def w(city: dict[str, Any]) -> dict[str, Any]:
    provider = make_home_provider()
    op = make_operator(provider)
    worker = make_worker(provider)
    elder = make_person()
    other = make_person(2)
    with clock.frozen(at(DAY, 20)):
        res = record(
            op,
            row(provider, worker, elder, start=at(DAY, 9)),  # overlaps the next: both held
            row(provider, worker, other, start=at(DAY, 9, 30)),
            row(provider, worker, elder, start=at(DAY, 14), minutes=20),  # too short
            row(provider, worker, other, start=at(DAY, 16)),  # verified
        )
    return {
        "provider": provider,
        "op": op,
        "worker": worker,
        "elder": elder,
        "other": other,
        "ids": res.visit_ids,
    }


def test_check_in_and_out_by_api(w: dict[str, Any]) -> None:
    c = client_for(w["op"])
    body = {
        "provider": w["provider"].uscc,
        "elder": w["elder"].pk,
        "item": "hv_walk",
        "worker": w["worker"].pk,
        "at": "2026-11-11T09:00:00+08:00",
        "lon": HOME_LON,
        "lat": HOME_LAT,
        "accuracy_m": 8,
        "method": "app_gps",
    }
    with clock.frozen(at(DAY + dt.timedelta(days=1), 9)):
        r = c.post(f"{BASE}/visits/check-in", body, content_type="application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["status"] == "open"
    with clock.frozen(at(DAY + dt.timedelta(days=1), 10)):
        r = c.post(
            f"{BASE}/visits/{pk}/check-out",
            {"at": "2026-11-11T09:40:00+08:00", "lon": HOME_LON, "lat": HOME_LAT, "accuracy_m": 8},
            content_type="application/json",
        )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "verified" and r.json()["minutes"] == 40


def test_bad_bodies_are_422_naming_the_field(w: dict[str, Any]) -> None:
    c = client_for(w["op"])
    r = c.post(
        f"{BASE}/visits/check-in",
        {
            "provider": w["provider"].uscc,
            "elder": w["elder"].pk,
            "item": "hv_walk",
            "worker": w["worker"].pk,
            "at": "2026-11-11T09:00:00+08:00",
            "lat": 95,
            "lon": HOME_LON,
        },
        content_type="application/json",
    )
    assert r.status_code == 422 and "lat" in r.content.decode()
    r = c.post(
        f"{BASE}/visits/check-in",
        {
            "provider": w["provider"].uscc,
            "elder": w["elder"].pk,
            "item": "hv_walk",
            "worker": w["worker"].pk,
            "at": "2026-11-11T09:00:00+08:00",
            "method": "telepathy",
        },
        content_type="application/json",
    )
    assert r.status_code == 422 and "method" in r.content.decode()
    rev = client_for(make_reviewer())
    r = rev.post(
        f"{BASE}/visits/{w['ids'][2]}/review",
        {"decision": "clear", "note": ""},
        content_type="application/json",
    )
    assert r.status_code == 422 and "note" in r.content.decode()


def test_list_filters_and_scope(w: dict[str, Any]) -> None:
    rev = client_for(make_reviewer())
    items = rev.get(f"{BASE}/visits").json()["items"]
    assert len(items) == 4
    held = rev.get(f"{BASE}/visits", {"status": "held"}).json()["items"]
    assert len(held) == 3
    short = rev.get(f"{BASE}/visits", {"flag": "too_short"}).json()["items"]
    assert [v["id"] for v in short] == [w["ids"][2]]
    assert len(rev.get(f"{BASE}/visits", {"elder": w["other"].pk}).json()["items"]) == 2
    assert len(rev.get(f"{BASE}/visits", {"day_from": "2026-11-11"}).json()["items"]) == 0
    queue = rev.get(f"{BASE}/visits/review-queue", {"flag": "overlap"}).json()["items"]
    assert {v["id"] for v in queue} == set(w["ids"][:2])
    one = rev.get(f"{BASE}/visits/{w['ids'][2]}").json()
    assert one["flags"] == ["too_short"] and "too_short" in one["flag_detail"]
    far = client_for(make_reviewer("sx", region="340621000000"))
    assert far.get(f"{BASE}/visits").json()["items"] == []
    assert far.get(f"{BASE}/visits/{w['ids'][0]}").status_code == 404
    other_op = client_for(make_operator(make_home_provider(13), "op2"))
    assert other_op.get(f"{BASE}/visits/{w['ids'][0]}").status_code == 404


def test_review_by_api(w: dict[str, Any]) -> None:
    r = client_for(make_reviewer()).post(
        f"{BASE}/visits/{w['ids'][2]}/review",
        {"decision": "clear", "note": "called back"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "cleared"
    r = client_for(w["op"]).post(
        f"{BASE}/visits/{w['ids'][0]}/review",
        {"decision": "clear", "note": "mine"},
        content_type="application/json",
    )
    assert r.status_code == 403
    assert ServiceVisit.objects.get(pk=w["ids"][0]).status == S.HELD


def test_the_review_queue_page(w: dict[str, Any]) -> None:
    c = client_for(make_reviewer())
    html = c.get("/services/review/").content.decode()
    for pk in w["ids"][:3]:
        assert f'id="visit-{pk}"' in html
    assert f'id="visit-{w["ids"][3]}"' not in html  # verified: not in the queue
    assert "flag-overlap" in html and "flag-too_short" in html
    only = c.get("/services/review/", {"flag": "too_short"}).content.decode()
    assert f'id="visit-{w["ids"][2]}"' in only and f'id="visit-{w["ids"][0]}"' not in only
    r = c.post(
        f"/services/review/{w['ids'][2]}/",
        {f"v{w['ids'][2]}-decision": "reject", f"v{w['ids'][2]}-note": "nobody home"},
    )
    assert r.status_code == 302
    assert ServiceVisit.objects.get(pk=w["ids"][2]).status == S.REJECTED
    r = c.post(
        f"/services/review/{w['ids'][1]}/", {f"v{w['ids'][1]}-decision": "clear", f"v{w['ids'][1]}-note": ""}
    )
    assert r.status_code == 200 and ServiceVisit.objects.get(pk=w["ids"][1]).status == S.HELD
    assert Client().get("/services/review/").status_code == 302
    far = client_for(make_reviewer("sx", region="340621000000")).get("/services/review/").content.decode()
    assert f'id="visit-{w["ids"][0]}"' not in far


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_review_queue_in_a_real_browser(live_server: Any, city: dict[str, Any]) -> None:
    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed")
    load_reference()
    provider = make_home_provider()
    op = make_operator(provider)
    worker = make_worker(provider)
    elder = make_person()
    with clock.frozen(at(DAY, 20)):
        res = record(op, row(provider, worker, elder, start=at(DAY, 14), minutes=20))
    pk = res.visit_ids[0]
    make_reviewer("reviewer")
    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "reviewer")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/services/review/")
        page.wait_for_selector(f"#visit-{pk} .flag-too_short")
        page.select_option(f"#visit-{pk} select", "clear")
        page.fill(f"#visit-{pk} input[name=v{pk}-note]", "回访确认")
        page.click(f"#visit-{pk} button")
        page.wait_for_url(f"{live_server.url}/services/review/")
        assert page.locator(f"#visit-{pk}").count() == 0
        assert errors == []
    assert ServiceVisit.objects.get(pk=pk).status == S.CLEARED
