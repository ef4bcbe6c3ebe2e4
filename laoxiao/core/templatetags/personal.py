"""``{% protected obj "id_number" %}``: the masked value, with a reveal button for those who may."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from laoxiao.accounts.roles import REVEAL
from laoxiao.core.reveal import masked

register = template.Library()


@register.simple_tag(takes_context=True)
def protected(context: Any, obj: Any, field: str) -> str:
    shown = masked(obj, field)
    user = context.get("user")
    if not shown or user is None or not user.has_perm(REVEAL):
        return format_html('<span class="masked">{}</span>', shown)
    url = reverse("reveal", args=[obj._meta.label_lower, obj.pk, field])
    return format_html(
        '<span class="masked">{}</span> <button class="link reveal" hx-post="{}" hx-target="previous .masked" '
        'hx-swap="outerHTML" title="{}">{}</button>',
        shown,
        url,
        _("Showing the full value is logged."),
        _("show"),
    )
