"""Template filters for money: ``{{ fen|yuan }}`` shows integer fen as yuan with two decimals."""

from __future__ import annotations

from typing import Any

from django import template

from laoxiao.benefits.selectors.ledger import yuan as _yuan

register = template.Library()


@register.filter
def yuan(fen: Any) -> str:
    """``12345`` → ``123.45``; empty for ``None``."""
    return _yuan(fen)
