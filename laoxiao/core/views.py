from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape

from laoxiao import __version__
from laoxiao.core import clock, selectors
from laoxiao.core.access import is_city_admin
from laoxiao.core.actions import rule_version_create
from laoxiao.core.errors import NotFound
from laoxiao.core.forms import run_action
from laoxiao.core.forms_rules import RuleVersionForm
from laoxiao.core.models import ChangeLog, RuleVersion
from laoxiao.core.paging import page_of
from laoxiao.core.reveal import reveal_field


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        db = "ok"
    except Exception:  # the check must answer, whatever the database does
        db = "error"
    status = 200 if db == "ok" else 503
    return JsonResponse(
        {"status": "ok" if db == "ok" else "degraded", "database": db, "version": __version__}, status=status
    )


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def changelog(request: HttpRequest) -> HttpResponse:
    qs = selectors.changelog_list(
        actor=request.user,
        action=request.GET.get("action") or None,
        target_type=request.GET.get("target_type") or None,
        region=request.GET.get("region") or None,
        actor_name=request.GET.get("actor") or None,
        since=_date(request.GET.get("since")),
        until=_date(request.GET.get("until")),
    )
    page = page_of(qs, request.GET.get("page"), per_page=50, params=request.GET)
    return render(
        request,
        "core/changelog.html",
        {
            "page": page,
            "actions": ChangeLog.Action.choices,
            "target_types": selectors.changelog_target_types(actor=request.user),
            "f": request.GET,
        },
    )


@login_required
def reveal(request: HttpRequest, target_type: str, target_id: str, field: str) -> HttpResponse:
    """POST only: the full value of one protected field (htmx swaps it in place of the mask)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        value = reveal_field(actor=request.user, target_type=target_type, target_id=target_id, field=field)
    except NotFound:
        raise Http404 from None
    except PermissionDenied:
        return HttpResponse(status=403)
    return HttpResponse(f'<span class="revealed">{escape(value)}</span>')


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """Every versioned rule, with the version in force today and the history; a city administrator
    adds a version (POST: ``rule_version_create``)."""
    today = clock.today()
    can_add = is_city_admin(request.user)
    form = RuleVersionForm(initial={"key": request.GET.get("key", ""), "certainty": "?"})
    status = 200
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        form = RuleVersionForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            done = run_action(
                form,
                lambda: rule_version_create(
                    actor=request.user,
                    key=d["key"],
                    effective_from=d["effective_from"],
                    data=d["content"],
                    certainty=d["certainty"],
                    source=d["source"],
                    note=d["note"],
                ),
                field_map={"data": "content"},
            )
            if done is not None:
                return redirect(f"{reverse('rules')}#rule-{done.key}")
        status = 422
    grouped: dict[str, list[RuleVersion]] = defaultdict(list)
    for v in RuleVersion.objects.order_by("key", "-effective_from"):
        grouped[v.key].append(v)
    rows = []
    for key, versions in grouped.items():
        current = next((v for v in versions if v.effective_from <= today), None)
        rows.append({"key": key, "title": versions[0].title, "current": current, "versions": versions})
    return render(
        request,
        "core/rules.html",
        {"rows": rows, "today": today, "form": form, "can_add": can_add},
        status=status,
    )
