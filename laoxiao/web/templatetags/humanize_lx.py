from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def num(value: Any) -> str:
    """Thousands separators; an em dash for a missing figure."""
    if value is None or value == "":
        return "—"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)
