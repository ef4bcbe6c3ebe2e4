"""The navigation and the home page's tiles, by what the user may do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts import roles


@dataclass
class Entry:
    url: str
    label: Any
    description: Any
    icon: str = ""


def navigation_for(user: Any) -> list[Entry]:
    entries = [
        Entry(reverse("home"), _("Home"), _("What you can do here"), "⌂"),
        Entry(reverse("region-tree"), _("Regions"), _("The division tree with population figures"), "▦"),
        Entry(
            reverse("indicator-list"),
            _("Indicators"),
            _("The 25 indicators of the plan's Table 1, and C10"),
            "◎",
        ),
        Entry(
            reverse("task-list"),
            _("Tasks"),
            _("The 37 key tasks of Annex 1 and their responsible units"),
            "☑",
        ),
    ]
    if user.has_perm(roles.IMPORT) or user.has_perm(roles.MANAGE_REGIONS):
        entries.append(
            Entry(reverse("import-upload"), _("Import"), _("Load records from .xlsx or .csv files"), "⇪")
        )
    if user.has_perm(roles.EXPORT) or user.has_perm(roles.MANAGE_REGIONS):
        entries.append(Entry(reverse("export-list"), _("Export"), _("Download records of your regions"), "⇩"))
    entries.append(Entry(reverse("changelog"), _("Change log"), _("Who changed what, and when"), "☰"))
    return entries
