"""``{% zh_en name name_en LANG %}``: a stored (Chinese) name, with its English beside it in English."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def zh_en(zh: str, en: str, lang: str, inline: bool = False) -> str:
    """The Chinese value as stored; when the active language is English and there is an English
    rendering, that too (on its own line, or in brackets with ``inline=True``)."""
    if lang != "en" or not en:
        return format_html("{}", zh)
    if inline:
        return format_html('{} <span class="muted">({})</span>', zh, en)
    return format_html('{}<br><span class="muted">{}</span>', zh, en)
