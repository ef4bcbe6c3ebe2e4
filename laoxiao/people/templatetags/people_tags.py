"""Labels for the codes the people pages show (visit-list reasons, follow-up statuses)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

REASONS = {
    "alone": _("living alone"),
    "empty_nest": _("empty-nest"),
    "left_behind": _("left-behind"),
    "disabled": _("moderate or worse loss of ability"),
    "severe_disability": _("severe disability"),
    "fp_special": _("family-planning special family"),
}

STATUSES = {
    "done": _("done"),
    "outside_window": _("done outside the window"),
    "upcoming": _("upcoming"),
    "due": _("due"),
    "overdue": _("overdue"),
    "missed": _("missed"),
    "closed": _("closed"),
}

KINDS = {"newborn_visit": _("newborn visit"), "check": _("health check"), "vaccine": _("vaccination")}


@register.filter
def reason_label(code: str) -> Any:
    return REASONS.get(code, code)


@register.filter
def status_label(code: Any) -> Any:
    return STATUSES.get(str(code), str(code))


@register.filter
def kind_label(code: str) -> Any:
    return KINDS.get(code, code)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
