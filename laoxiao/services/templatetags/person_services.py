"""Template filters of the services section on a person's page."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def yuan(fen: Any) -> str:
    """An amount in fen as yuan with two decimals (``12345`` → ``123.45``)."""
    if fen is None or fen == "":
        return "—"
    n = int(fen)
    sign = "-" if n < 0 else ""
    n = abs(n)
    return f"{sign}{n // 100}.{n % 100:02d}"
