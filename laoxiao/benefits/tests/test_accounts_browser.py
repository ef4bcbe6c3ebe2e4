"""The person payments page in a real browser: the account is masked, "show" reveals it in place
through htmx (and the reveal is logged), no page errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from laoxiao.accounts.tests.factories import PASSWORD
from laoxiao.benefits.loader import load_programmes
from laoxiao.benefits.tests.factories_accounts import make_account, make_batch, make_item
from laoxiao.core import clock
from laoxiao.core.masking import mask_account_number
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import load_rules
from laoxiao.people.tests.factories import make_elder
from laoxiao.web.browser import browser_page, chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed"),
]
NUMBER = "6222021234567891234"


@pytest.fixture
def person(city: Any, xiangshan_officer: Any) -> str:
    """Made before the browser starts (Playwright's loop forbids database calls in the test)."""
    load_programmes()
    load_rules()
    with clock.frozen(dt.date(2026, 4, 20)):
        elder = make_elder(xiangshan_officer, seq=4, birth=dt.date(1940, 1, 5))
    account = make_account(elder=elder, number=NUMBER)
    make_item(make_batch(), elder=elder, account=account)
    return f"e{elder.pk}"


@pytest.mark.django_db(transaction=True)
def test_reveal_the_account_in_place(live_server: Any, person: str) -> None:
    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "xs_mz")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/benefits/people/{person}/")
        masked = page.inner_text("#current-account")
        assert mask_account_number(NUMBER) in masked and NUMBER not in masked
        page.click("#current-account button.reveal")
        page.wait_for_function(
            "n => document.querySelector('#current-account').innerText.includes(n)", arg=NUMBER
        )
        assert page.is_visible("#account-form")
        assert errors == []
    assert ChangeLog.objects.filter(action="reveal", target_type="benefits.paymentaccount").count() == 1
