"""The monthly visit work list of a community, and recording a visit from it (htmx)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from laoxiao.accounts import roles
from laoxiao.core import clock
from laoxiao.core.forms import run_action
from laoxiao.people import actions, forms, visitlist
from laoxiao.people.models import WelfareVisit
from laoxiao.people.selectors import elders as elder_sel
from laoxiao.people.templatetags.people_tags import REASONS
from laoxiao.people.views.common import (
    own_community,
    parse_month,
    require_page_sector,
)
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import code_within


class VisitRowRenderer:
    """The work list's rows as HTML, built in Python: a community's list holds hundreds of rows,
    each with an inline form, and the template engine would spend most of the request on them."""

    def __init__(self, *, month: dt.date, visit_day: dt.date) -> None:

        self.month_value = f"{month:%Y-%m}"
        self.visit_day = visit_day.isoformat()
        self.detail = reverse("people-elder-detail", args=[0]).replace("/0/", "/{}/")
        self.record = reverse("people-visit-record", args=[0]).replace("/0/", "/{}/")
        self.reasons = {k: str(v) for k, v in REASONS.items()}
        self.modes = format_html_join(
            "", '<option value="{}">{}</option>', ((c, str(label)) for c, label in WelfareVisit.Mode.choices)
        )
        self.words = {
            "visited": _("visited"),
            "overdue": _("overdue"),
            "due": _("due"),
            "findings": _("Findings"),
            "record": _("Record"),
        }

    def errors(self, form: Any) -> str:
        if form is None or not form.errors:
            return ""
        items = format_html_join("", "<li>{}</li>", ((e,) for errs in form.errors.values() for e in errs))
        return format_html('<ul class="errorlist">{}</ul>', items)

    def row(self, r: elder_sel.WorklistRow, *, saved: bool = False, form: Any = None) -> str:
        e = r.elder
        w = self.words
        if r.visited:
            status = format_html('<span class="tag">{}</span>', w["visited"])
        elif r.overdue:
            status = format_html('<span class="tag bad">{}</span>', w["overdue"])
        else:
            status = format_html('<span class="tag warn">{}</span>', w["due"])
        reasons = format_html_join(
            " ", '<span class="tag warn">{}</span>', ((self.reasons.get(c, c),) for c in r.reasons)
        )
        return format_html(
            '<tr id="elder-{pk}" class="{cls}"><td><a href="{detail}">{name}</a></td><td>{born}</td>'
            "<td>{reasons}</td><td>{last}</td><td>{status}</td>"
            '<td><form class="inline-visit" hx-post="{record}" hx-target="closest tr" hx-swap="outerHTML">'
            '<input type="hidden" name="month" value="{month}">'
            '<input type="date" name="visited_on" value="{day}" required>'
            '<select name="mode">{modes}</select>'
            '<input type="text" name="findings" placeholder="{findings}">'
            '<button class="primary">{button}</button>{errors}</form></td></tr>',
            pk=e.pk,
            cls="saved" if saved else "",
            detail=self.detail.format(e.pk),
            name=e.name,
            born=e.birth_date.year,
            reasons=reasons,
            last=r.last_visit_on.isoformat() if r.last_visit_on else "—",
            status=status,
            record=self.record.format(e.pk),
            month=self.month_value,
            day=self.visit_day,
            modes=self.modes,
            findings=w["findings"],
            button=w["record"],
            errors=self.errors(form),
        )

    def rows(self, rows: list[elder_sel.WorklistRow]) -> str:
        return mark_safe("".join(self.row(r) for r in rows))  # noqa: S308 - each row is format_html


WORKLIST_PAGE_SIZE = 200  # rows of the visit work list page; the summary counts the whole list


def _worklist_context(request: HttpRequest, region: str | None, month: dt.date) -> dict[str, Any]:
    user = request.user
    today = clock.today()
    rows: list[elder_sel.WorklistRow] = []
    if region:
        if not code_within(region, user.region_prefixes()):
            raise Http404
        rows = elder_sel.visit_worklist(actor=user, region_code=region, month=month, today=today)  # type: ignore[arg-type]
    renderer = VisitRowRenderer(month=month, visit_day=min(today, visitlist.month_end(month)))
    page = Paginator(rows, WORKLIST_PAGE_SIZE).get_page(request.GET.get("page"))  # a county: thousands
    return {
        "rows": page.object_list,
        "rows_html": renderer.rows(list(page.object_list)),
        "page": page,
        "region": region,
        "month": month,
        "month_value": f"{month:%Y-%m}",
        "communities": forms.community_choices(Region.objects.visible_to(user)),
        "summary": {
            "total": len(rows),
            "visited": sum(1 for r in rows if r.visited),
            "overdue": sum(1 for r in rows if r.overdue),
            "due": sum(1 for r in rows if not r.visited and not r.overdue),
        },
    }


@login_required
def visit_worklist(request: HttpRequest) -> HttpResponse:
    require_page_sector(request.user, roles.SECTOR_ELDERCARE)
    month = parse_month(request.GET.get("month"), clock.today())
    region = request.GET.get("region") or own_community(request.user)
    return render(request, "people/visit_worklist.html", _worklist_context(request, region, month))


@login_required
@require_POST
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a visit from the work list (htmx): answers the person's row, updated, or with errors."""
    user: Any = request.user
    require_page_sector(user, roles.SECTOR_ELDERCARE)
    elder = elder_sel.elder_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    today = clock.today()
    month = parse_month(request.POST.get("month"), today)
    form = forms.QuickVisitForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        run_action(
            form,
            lambda: actions.welfare_visit_record(
                actor=user,
                elder=elder,
                visited_on=d["visited_on"],
                mode=d["mode"],
                visitor=str(user),
                findings=d["findings"],
            ),
        )
    rows = [
        r
        for r in elder_sel.visit_worklist(actor=user, region_code=elder.region_code, month=month, today=today)
        if r.elder.pk == elder.pk
    ]
    renderer = VisitRowRenderer(month=month, visit_day=min(today, visitlist.month_end(month)))
    if rows:
        return HttpResponse(renderer.row(rows[0], saved=not form.errors, form=form))
    return HttpResponse(
        format_html(
            '<tr id="elder-{}"><td>{}</td><td colspan="5">{}</td></tr>',
            elder.pk,
            elder.name,
            renderer.errors(form) or _("The visit is recorded; the person is not on this month's list."),
        )
    )
