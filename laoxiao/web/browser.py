"""Headless Chromium for browser tests and screenshots: Debian's ``chromium`` driven by Playwright.

Playwright's own browser download is not used (and not possible on our machines); we point it at
the system Chromium. Without ``fonts-noto-cjk`` Chinese renders as empty boxes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@contextmanager
def browser_page(*, locale: str = "zh-CN", width: int = 1360, height: int = 860) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError("Debian's chromium is not installed: apt-get install chromium fonts-noto-cjk")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
            yield context.new_page()
        finally:
            browser.close()
