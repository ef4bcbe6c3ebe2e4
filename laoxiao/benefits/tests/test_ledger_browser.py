"""The budget-use page in a real browser: the ECharts bar chart is drawn, the budget form sets a
budget, no page errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from laoxiao.accounts.tests.factories import PASSWORD
from laoxiao.benefits.actions.budgets import budget_set
from laoxiao.benefits.tests.factories_ledger import programme, sent_batch
from laoxiao.people.tests.factories import make_elder
from laoxiao.web.browser import browser_page, chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed"),
]


@pytest.fixture
def money(admin_user: Any, xiangshan_officer: Any, settings: Any, tmp_path: Path) -> None:
    """Made before the browser starts (Playwright's loop forbids database calls in the test)."""
    settings.VAR_DIR = tmp_path
    budget_set(
        actor=admin_user, programme=programme(), region_code="340603000000", year=2026, amount_fen=1_000_00
    )
    elders = [make_elder(admin_user, seq=i, birth=dt.date(1940, 2, i)) for i in (1, 2)]
    sent_batch(admin_user, elders, [100_00, 50_00], region_code="340603000000")


@pytest.mark.django_db(transaction=True)
def test_budget_page_draws_the_chart_and_sets_a_budget(live_server: Any, money: None) -> None:
    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "xs_mz")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/benefits/budgets/?year=2026")
        page.wait_for_selector("#budget-chart canvas")
        assert "1000.00" in page.inner_text("#budget-use")
        page.fill("#budget-form input[name=amount]", "1500.00")
        page.fill("#budget-form input[name=year]", "2026")
        page.click("#budget-form button")
        page.wait_for_selector("#budget-use:has-text('1500.00')")
        assert not errors, errors
