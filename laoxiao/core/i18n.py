"""Messages in both of the platform's languages (import reports carry Chinese and English)."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.functional import lazy


def both(message: Any) -> tuple[str, str]:
    """(Chinese, English) renderings of a lazy-translated message."""
    with translation.override("zh-hans"):
        zh = str(message)
    with translation.override("en"):
        en = str(message)
    return zh, en


def fmt(message: Any, **params: Any) -> Any:
    """``message % params`` that stays lazy, so it renders in whichever language is active later.

    (``gettext_lazy(...) % {...}`` would render at once in the current language.)
    """
    return lazy(lambda: str(message) % params, str)()
