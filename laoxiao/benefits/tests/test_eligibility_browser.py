"""The rules page in a real browser: a city administrator adds a version of a programme's rule,
which the programme's page then shows (and its "?" mark), with no page errors."""

from __future__ import annotations

from typing import Any

import pytest

from laoxiao.accounts.tests.factories import PASSWORD
from laoxiao.benefits.tests import factories_eligibility as f
from laoxiao.web.browser import browser_page, chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed"),
]


@pytest.fixture
def loaded(admin_user: Any) -> Any:
    """Made before the browser starts (Playwright's loop forbids database calls in the test)."""
    f.prog("elderly_allowance")
    return admin_user


@pytest.mark.django_db(transaction=True)
def test_city_admin_adds_a_rule_version_seen_on_the_programme(live_server: Any, loaded: Any) -> None:
    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", loaded.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/rules/?key=benefits.childcare_subsidy")
        page.click("#rule-add summary")
        page.fill("#form-rule-version input[name=effective_from]", "2027-01-01")
        page.fill(
            "#form-rule-version textarea[name=content]",
            '{"yearly": "4800", "monthly": "400", "under_age_years": 3, "needs_guardian": true}',
        )
        page.select_option("#form-rule-version select[name=certainty]", "?")
        page.fill("#form-rule-version input[name=source]", "淮北市 2026")
        page.click("#form-rule-version button")
        page.wait_for_selector("#rule-benefits\\.childcare_subsidy")
        page.goto(f"{live_server.url}/benefits/programmes/childcare_subsidy/")
        rows = page.inner_text("#rule-versions")
        assert "2027-01-01" in rows and "4800" in rows
        assert page.locator("#rule-versions .certainty-unconfirmed").count() >= 1
        assert errors == []
