"""The alarms board in a real browser: acknowledge, on site and close through htmx, no page errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from laoxiao.accounts.tests.factories import PASSWORD
from laoxiao.services.actions.alarms import device_event_ingest
from laoxiao.services.models import Alarm
from laoxiao.services.tests.factories_alarms import make_alarm_elder, make_centre, make_device, make_vendor
from laoxiao.web.browser import browser_page, chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed"),
]


@pytest.fixture
def open_alarm(admin_user: Any, xiangshan_officer: Any) -> Alarm:
    """Made before the browser starts (Playwright's loop forbids database calls in the test)."""
    vendor, _raw = make_vendor(admin_user)
    elder = make_alarm_elder(xiangshan_officer)
    make_centre()
    make_device(vendor, elder)
    alarm, _ = device_event_ingest(
        vendor=vendor,
        event_id="b-1",
        serial="SN-1",
        kind="fall",
        occurred_at=timezone.now() - dt.timedelta(minutes=3),
        payload={},
    )
    return alarm


@pytest.mark.django_db(transaction=True)
def test_board_steps_through_htmx(live_server: Any, open_alarm: Alarm) -> None:
    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "xs_mz")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/services/alarms/")
        row = f"#alarm-{open_alarm.pk}"
        page.wait_for_selector(f"{row}.alarm-open")
        page.click(f"{row} form[action$='/acknowledge'] button")
        page.wait_for_selector(f"{row}.alarm-acknowledged")
        assert page.url.endswith("/services/alarms/")  # swapped in place
        page.click(f"{row} form[action$='/on-site'] button")
        page.wait_for_selector(f"{row}.alarm-on_site")
        page.fill(f"{row} input[name=outcome]", "helped up")
        page.click(f"{row} form[action$='/close'] button")
        page.wait_for_selector("#alarms-closed >> text=helped up")
        assert page.locator(row).count() == 0
        assert not errors, errors
