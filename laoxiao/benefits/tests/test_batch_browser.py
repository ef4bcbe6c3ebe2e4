"""The batch page in a real browser: a half-built batch's progress moves by itself (htmx polling)
while the build finishes in the background, then the checker approves it; no page errors."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections
from django.test import override_settings

from laoxiao.accounts.tests.factories import PASSWORD
from laoxiao.benefits.actions import batches as actions
from laoxiao.benefits.loader import load_programmes
from laoxiao.benefits.models import PaymentBatch
from laoxiao.benefits.tests.factories_batches import PERIOD, allowance, make_accounts, make_elders, users
from laoxiao.core.rules import load_rules
from laoxiao.web.browser import browser_page, chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed"),
]


class Stop(Exception):
    pass


@pytest.fixture
def half_built(city: dict[str, Any]) -> PaymentBatch:
    """Made before the browser starts (Playwright's loop forbids database calls in the test)."""
    load_rules()  # a transactional test starts from a flushed database
    load_programmes()
    make_accounts(make_elders(200), every=2)
    u = users(city)
    batch = actions.batch_open(actor=u["maker"], programme=allowance(), period=PERIOD, region_code="")

    def stop(done: int, total: int) -> None:
        if done >= 2:
            raise Stop

    with override_settings(LAOXIAO_BENEFIT_CHUNK_SIZE=10), pytest.raises(Stop):
        actions.batch_build(batch=batch, progress=stop)
    return PaymentBatch.objects.get(pk=batch.pk)


@pytest.mark.django_db(transaction=True)
def test_progress_moves_then_the_checker_approves(live_server: Any, half_built: PaymentBatch) -> None:
    batch = half_built
    assert batch.chunks_done == 2 and batch.chunks_total > 4

    def finish() -> None:
        try:
            actions.batch_build(batch=batch, owner="background")
        finally:
            connections.close_all()

    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "checker")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/benefits/batches/{batch.pk}/")
        assert page.text_content("#batch-chunks") == f"2/{batch.chunks_total}"
        assert page.get_attribute("#batch-progress", "data-status") == "draft"
        worker = threading.Thread(target=finish)
        worker.start()
        worker.join(timeout=60)
        # no reload: the polled card swaps itself in once the build is done
        page.wait_for_selector('#batch-progress[data-status="ready"]', timeout=15000)
        assert page.text_content("#batch-chunks") == f"{batch.chunks_total}/{batch.chunks_total}"
        page.reload()
        page.click("#batch-actions form:has(input[value=approve]) button")
        page.wait_for_selector("#batch-status")
        assert (
            "approve" in (page.text_content("#batch-status") or "").lower()
            or page.locator("#batch-actions input[value=send]").count()
        )
        assert not errors, errors
