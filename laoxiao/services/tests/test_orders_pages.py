"""The dispatch board and the order page (Django's test client), and the board in Chromium."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from laoxiao.accounts.tests.factories import PASSWORD, make_user
from laoxiao.core import clock
from laoxiao.core.rules import load_rules
from laoxiao.people.models import Elder
from laoxiao.providers.loader import load_service_items
from laoxiao.services.models import ServiceOrder
from laoxiao.services.tests.factories_orders import (
    DAY,
    NOW,
    at,
    make_family,
    make_home_provider,
    make_operator,
    make_order,
    make_person,
    make_worker,
)
from laoxiao.web.browser import browser_page, chromium_path

BOARD = "/services/dispatch/"


def build(officer: Any) -> dict[str, Any]:
    load_service_items()  # transactional tests flush the catalogue
    load_rules()
    with clock.frozen(NOW):
        elder = make_person(officer)
        Elder.objects.filter(pk=elder.pk).update(home_lon=116.80, home_lat=33.96)
        provider = make_home_provider()
        family = make_family(elder)
        w = {
            "elder": elder,
            "provider": provider,
            "family": family,
            "operator": make_operator(provider),
            "good": make_worker(provider, 1),
            "plain": make_worker(provider, 2, certificate=False),
        }
        w["bath"] = make_order(family, elder, provider, when=at(DAY, 15))
        w["walk"] = make_order(family, elder, provider, item="hv_walk", minutes=30, when=at(DAY, 16))
        w["late"] = make_order(family, elder, provider, when=at(DAY - dt.timedelta(days=3), 10))
        ServiceOrder.objects.filter(pk=w["late"].pk).update(accept_by=NOW - dt.timedelta(hours=1))
    return w


@pytest.fixture
def w(city: dict[str, Any], xiangshan_officer: Any) -> dict[str, Any]:
    return build(xiangshan_officer)


def signed(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_board_lists_today_and_overdue_and_offers_only_qualified_workers(w: dict[str, Any]) -> None:
    c = signed(w["operator"])
    with clock.frozen(NOW):
        r = c.get(BOARD)
        assert r.status_code == 200
        html = r.content.decode()
        for o in ("bath", "walk", "late"):
            assert f'data-order="{w[o].pk}"' in html
        assert len(r.context["points"]) == 3
        rows = {row["order"].pk: row for row in r.context["rows"]}
        assert rows[w["late"].pk]["overdue"]
        c.post(f"/services/orders/{w['bath'].pk}/accept/")
        c.post(f"/services/orders/{w['walk'].pk}/accept/")
        r = c.get(BOARD)
        rows = {row["order"].pk: row for row in r.context["rows"]}
        assert [x.pk for x in rows[w["bath"].pk]["workers"]] == [
            w["good"].pk
        ]  # the bath needs the certificate
        assert {x.pk for x in rows[w["walk"].pk]["workers"]} == {w["good"].pk, w["plain"].pk}
        # assigning an unqualified worker by a forged POST is refused
        c.post(f"/services/orders/{w['bath'].pk}/assign/", {"worker": str(w["plain"].pk)})
        assert ServiceOrder.objects.get(pk=w["bath"].pk).status == "accepted"
        c.post(f"/services/orders/{w['bath'].pk}/assign/", {"worker": str(w["good"].pk)})
        assert ServiceOrder.objects.get(pk=w["bath"].pk).worker_id == w["good"].pk
        assert c.get(f"/services/orders/{w['bath'].pk}/").status_code == 200


@pytest.mark.django_db
def test_board_scope(w: dict[str, Any], xiangshan_officer: Any) -> None:
    with clock.frozen(NOW):
        r = signed(xiangshan_officer).get(BOARD + f"?provider={w['provider'].uscc}")
        assert r.status_code == 200 and not r.context["can_act"]
        assert b"services/orders/" in r.content and b"accept/" not in r.content
        suixi = make_user("sx_mz", ["civil_affairs_county"], ["340621000000"])
        assert signed(suixi).get(BOARD + f"?provider={w['provider'].uscc}").status_code == 404
        assert signed(suixi).get(f"/services/orders/{w['bath'].pk}/").status_code == 404
        other = make_operator(make_home_provider(2), "op2")
        assert signed(other).get(BOARD + f"?provider={w['provider'].uscc}").status_code == 404
        assert signed(other).post(f"/services/orders/{w['bath'].pk}/accept/").status_code == 404
        # the officer may not accept
        signed(xiangshan_officer).post(f"/services/orders/{w['bath'].pk}/accept/")
        assert ServiceOrder.objects.get(pk=w["bath"].pk).status == "requested"


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed")
@pytest.mark.django_db(transaction=True)
def test_dispatch_board_in_chromium(
    live_server: Any, city: dict[str, Any], xiangshan_officer: Any, settings: Any
) -> None:
    settings.LAOXIAO_TODAY = DAY.isoformat()
    data = build(xiangshan_officer)
    # the live server's clock is DAY at the present time of day, which may be before NOW: put the
    # late order's deadline before DAY began, so it is overdue at any hour
    ServiceOrder.objects.filter(pk=data["late"].pk).update(accept_by=NOW - dt.timedelta(days=1))
    bath = data["bath"].pk
    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "op1")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}{BOARD}")
        page.wait_for_selector("#dispatch-map[data-ready='1'] canvas")
        assert page.locator("#dispatch-orders tr[data-order]").count() == 3
        assert page.locator("#dispatch-orders tr.overdue").count() == 1
        assert page.locator("#dispatch-map-count").inner_text() == "3"
        page.click(f"tr[data-order='{bath}'] button.accept")
        page.wait_for_selector(f"tr[data-order='{bath}'][data-status='accepted']")
        options = page.locator(f"tr[data-order='{bath}'] select option").all_inner_texts()
        assert options == [data["good"].name]
        page.click(f"tr[data-order='{bath}'] button.assign-button")
        page.wait_for_selector(f"tr[data-order='{bath}'][data-status='assigned']")
        assert data["good"].name in page.locator("#dispatch-workers").inner_text()
    assert errors == []
