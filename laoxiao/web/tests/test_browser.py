"""The shell in a real browser: sign in, see the home page in Chinese, expand the region tree."""

from __future__ import annotations

from typing import Any

import pytest

from laoxiao.accounts.tests.factories import PASSWORD
from laoxiao.web.browser import browser_page, chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed"),
]


@pytest.fixture
def signed_in_page(live_server: Any, city: dict[str, Any], admin_user: Any) -> Any:
    with browser_page() as page:
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{live_server.url}/")
        yield page


@pytest.mark.django_db(transaction=True)
def test_home_in_chinese_and_region_tree_expands(signed_in_page: Any, live_server: Any) -> None:
    page = signed_in_page
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "淮北市" in page.content()
    page.goto(f"{live_server.url}/regions/")
    assert page.locator("#r-340603000000").count() == 0
    page.click("#r-340600000000 button.expand")
    page.wait_for_selector("#r-340603000000")
    assert "相山区" in page.locator("#r-340603000000").inner_text()
    page.click("#r-340603000000 button.expand")
    page.wait_for_selector("#r-340603001000")


@pytest.mark.django_db(transaction=True)
def test_language_switch_to_english(signed_in_page: Any, live_server: Any) -> None:
    page = signed_in_page
    page.click("button[value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("nav.side").inner_text().find("Regions") >= 0
