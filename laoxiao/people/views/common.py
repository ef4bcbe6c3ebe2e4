"""What the people pages share: the sector check of a page, query parsing, the region filters, the
pager of the people lists (``people_page``) and the messages after a write."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from laoxiao.core.paging import page_of
from laoxiao.people import visitlist
from laoxiao.regions.models import Region

PAGE_SIZE = 50
ID_LIKE = re.compile(r"\d{17}[\dXx]")
MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


def require_page_sector(user: Any, *perms: str) -> None:
    """The page is for users with one of ``perms`` (sectors); others get 403."""
    if not any(user.has_perm(p) for p in perms):
        raise PermissionDenied(_("Your role does not work with these records."))


def parse_bool(value: str | None) -> bool | None:
    return {"yes": True, "1": True, "no": False, "0": False}.get((value or "").lower())


def parse_date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def parse_month(value: str | None, default: dt.date) -> dt.date:
    m = MONTH_RE.fullmatch(value or "")
    if m and 1 <= int(m.group(2)) <= 12:
        return dt.date(int(m.group(1)), int(m.group(2)), 1)
    return visitlist.month_start(default)


def own_community(user: Any) -> str | None:
    """The user's community when they are assigned exactly one region and it is a community."""
    codes = list(user.region_assignments.values_list("region_code", flat=True)[:2])
    if len(codes) == 1 and Region.objects.filter(code=codes[0], level=Region.Level.COMMUNITY).exists():
        return codes[0]
    return None


def region_choices(user: Any) -> list[tuple[str, str]]:
    """The regions the user sees (county, township, community), indented by level, for filters."""
    indent = {"city": "", "county": "", "township": "\u00a0\u00a0", "community": "\u00a0\u00a0\u00a0\u00a0"}
    qs = Region.objects.visible_to(user).exclude(level=Region.Level.CITY).order_by("code")
    return [
        (code, f"{indent.get(level, '')}{name}")
        for code, name, level in qs.values_list("code", "name", "level")
    ]


def people_page(
    request: HttpRequest, ids_qs: QuerySet[Any], count: int | None = None
) -> tuple[list[int], dict[str, Any]]:
    """A page of primary keys without counting the whole city (one more row tells whether there is
    a next page; ``count`` when an index answers it cheaply): the page's keys and its ``pager``."""
    page = page_of(
        ids_qs.values_list("pk", flat=True),
        request.GET.get("page"),
        per_page=PAGE_SIZE,
        count=count,
        count_rows=False,
        params=request.GET,
    )
    meta = page.meta()
    meta["count"] = count  # a page past the end is counted to find the last page, not shown as counted
    return list(page.items), meta


def in_order(rows: list[Any], ids: list[int]) -> list[Any]:
    by_pk = {r.pk: r for r in rows}
    return [by_pk[i] for i in ids if i in by_pk]


def office_choices() -> list[tuple[str, str]]:
    qs = Region.objects.filter(level__in=[Region.Level.CITY, Region.Level.COUNTY, Region.Level.TOWNSHIP])
    return [(c, n) for c, n in qs.order_by("code").values_list("code", "name")]


def done_message(key: str) -> str:
    return {
        "assessment": _("The assessment is recorded."),
        "visit": _("The visit is recorded."),
        "health_check": _("The health check is recorded."),
        "death": _("The death is recorded."),
        "home": _("The home position is saved."),
        "handover": _("The hand-over is recorded."),
        "newborn_visit": _("The newborn visit is recorded."),
        "check": _("The check is recorded."),
        "vaccination": _("The dose is recorded."),
    }[key]
