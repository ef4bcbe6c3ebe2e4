"""Issue 10 (9): a region named like an HTML payload runs no script and the policy reports nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from laoxiao.accounts.tests.factories import PASSWORD
from laoxiao.regions.models import Region
from laoxiao.web.browser import browser_page, chromium_path

EVIL = "<img src=x onerror=alert(1)>"


@pytest.mark.django_db
def test_headers_on_pages_and_api(city: dict[str, Any], admin_user: Any) -> None:
    c = Client()
    login = c.get("/login/")
    csp = login["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    c.force_login(admin_user)
    for url in ["/", "/regions/", "/api/v1/regions/"]:
        r = c.get(url)
        assert r["Cache-Control"] == "no-store" and r["Pragma"] == "no-cache", url


def test_no_inline_scripts_or_handlers_in_templates() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    bad = []
    for f in root.glob("*/templates/**/*.html"):
        text = f.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=", text):
            bad.append(str(f))
    assert bad == []


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed")
@pytest.mark.django_db(transaction=True)
def test_hostile_region_name_runs_no_script(live_server: Any, city: dict[str, Any], admin_user: Any) -> None:
    Region.objects.filter(code="340603000000").update(name=EVIL)
    with browser_page() as page:
        events: list[str] = []
        page.on("dialog", lambda d: (events.append("dialog " + d.message), d.dismiss()))
        page.on("console", lambda m: events.append("console " + m.text) if m.type == "error" else None)
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.error('CSP ' + e.violatedDirective))"
        )
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{live_server.url}/")
        for path in ["/", "/regions/", "/plan/cockpit/", "/providers/map/"]:
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            # show every tooltip of every chart on the page (the region names are in them)
            page.evaluate(
                """() => { if (!window.echarts) return;
                  document.querySelectorAll('[_echarts_instance_]').forEach(el => {
                    const ch = echarts.getInstanceByDom(el); if (!ch) return;
                    const n = ((ch.getOption().series || [])[0] || {}).data || [];
                    for (let i = 0; i < Math.min(n.length, 20); i++) ch.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: i});
                  }); }"""
            )
            page.wait_for_timeout(200)
            assert page.locator("img[src=x]").count() == 0, path
        assert [e for e in events if "dialog" in e or "CSP" in e] == [], events
