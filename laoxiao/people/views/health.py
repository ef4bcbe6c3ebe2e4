"""The health work list of a community: the follow-up items due, open or overdue."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from laoxiao.accounts import roles
from laoxiao.core import clock
from laoxiao.people import forms
from laoxiao.people.selectors import children as child_sel
from laoxiao.people.templatetags.people_tags import KINDS, STATUSES
from laoxiao.people.views.common import (
    own_community,
    parse_date,
    require_page_sector,
)
from laoxiao.regions.models import Region


def health_rows_html(entries: list[child_sel.WorklistEntry]) -> str:
    """The health work list's rows, built in Python (a community holds hundreds of open items)."""

    kinds = {k: str(v) for k, v in KINDS.items()}
    statuses = {k: str(v) for k, v in STATUSES.items()}
    sexes = {"M": _("male"), "F": _("female")}
    detail = reverse("people-child-detail", args=[0]).replace("/0/", "/{}/")

    def item(i: child_sel.WorkItem) -> str:
        label = kinds.get(i.kind, i.kind) + ("" if i.kind == "newborn_visit" else f" {i.code}")
        return format_html(
            '<span class="st-{}" title="{}">{} ({})</span>',
            i.status,
            i.due_on.isoformat(),
            label,
            statuses.get(str(i.status), str(i.status)),
        )

    return mark_safe(  # noqa: S308 - each piece is format_html
        "".join(
            format_html(
                '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>',
                detail.format(e.child_id),
                e.name,
                sexes.get(e.sex, e.sex),
                e.birth_date.isoformat(),
                e.region_code,
                mark_safe("; ".join(item(i) for i in e.items)),  # noqa: S308 - format_html pieces
                e.since.isoformat(),
            )
            for e in entries
        )
    )


@login_required
def health_worklist(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_page_sector(user, roles.SECTOR_HEALTH)
    today = clock.today()
    on = parse_date(request.GET.get("on"), today)
    region = request.GET.get("region") or own_community(user)
    entries: list[child_sel.WorklistEntry] = []
    if region:
        entries = child_sel.health_worklist(actor=user, region_code=region, on=on)
    return render(
        request,
        "people/health_worklist.html",
        {
            "entries": entries,
            "rows_html": health_rows_html(entries),
            "region": region,
            "on": on,
            "communities": forms.community_choices(Region.objects.visible_to(user)),
            "overdue": sum(1 for e in entries if e.overdue),
        },
    )
