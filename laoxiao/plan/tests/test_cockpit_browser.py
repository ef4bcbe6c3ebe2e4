"""The cockpit in a real browser: the cards, ECharts canvases, switching the map's indicator."""

from __future__ import annotations

import json
from typing import Any

import pytest

from laoxiao.accounts.tests.factories import PASSWORD
from laoxiao.plan.tests.factories import make_stored_value
from laoxiao.plan.tests.test_cockpit import CITY, SUIXI, XIANGSHAN
from laoxiao.web.browser import browser_page, chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed"),
]


@pytest.fixture
def cockpit_values(city: dict[str, Any]) -> None:
    """Stored before the browser starts (Playwright's loop forbids database calls in the test)."""
    for code, v in ((CITY, 55), (XIANGSHAN, 40), (SUIXI, 70)):
        make_stored_value("E03", code, "2021", v, v, 100)
    for code, v in ((CITY, 93), (XIANGSHAN, 91.5), (SUIXI, 95)):
        make_stored_value("C01", code, "2021", v, v, 100)
    make_stored_value("E03", CITY, "2020", 50, 50, 100)


@pytest.fixture
def signed_in_page(live_server: Any, cockpit_values: None, admin_user: Any) -> Any:
    with browser_page() as page:
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{live_server.url}/")
        yield page


def _map_option(page: Any) -> Any:
    return page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-map')).getOption().series[0].data"
        ".filter(d => d.value != null).map(d => [d.name, d.value])"
    )


@pytest.mark.django_db(transaction=True)
def test_cockpit_cards_charts_and_map_switch(signed_in_page: Any, live_server: Any) -> None:
    page = signed_in_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/plan/cockpit/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("article.kpi").count() == 26
    assert "55" in page.locator("#card-E03 .kpi-value").inner_text()
    # ECharts draws on canvases: the trend, the counties' bars and the map
    for chart in ("chart-trend", "chart-children", "chart-map"):
        page.wait_for_selector(f"#{chart} canvas")
    page.wait_for_selector("#chart-map[data-indicator=E03]")
    assert sorted(_map_option(page)) == [["濉溪县", 70], ["相山区", 40]]
    # switch the indicator: the map is coloured by C01 now, the bars follow
    page.select_option("#chart-indicator", "C01")
    page.wait_for_selector("#chart-map[data-indicator=C01]")
    assert sorted(_map_option(page)) == [["濉溪县", 95], ["相山区", 91.5]]
    assert json.loads(page.locator("#chart-map").get_attribute("data-values")) == {XIANGSHAN: 91.5, SUIXI: 95}
    assert page.locator("#chart-children").get_attribute("data-indicator") == "C01"
    assert "indicator=C01" in page.url
    assert "selected" in (page.locator("#card-C01").get_attribute("class") or "")
    # a card's chart button does the same
    page.click("#card-E03 button.show-chart")
    page.wait_for_selector("#chart-map[data-indicator=E03]")
    # the period switch keeps the indicator
    page.select_option("#period", "2020")
    page.wait_for_url("**period=2020**")
    assert "indicator=E03" in page.url
    assert not errors, errors
