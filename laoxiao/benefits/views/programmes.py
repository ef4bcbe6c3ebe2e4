"""The benefits pages: programmes (list, a programme with its rule versions and certainty marks) and
the officers' eligibility lists (newly eligible without an account, paid but no longer eligible).
``urlpatterns`` here is included by ``benefits/urls.py``. The eligibility panel on a person's page
is ``benefits/_person_eligibility.html``, filled by the people views from
``selectors.eligibility.person_eligibility``."""

# (views read request.user, set by the middleware)

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from laoxiao.benefits.eligibility import calculator_for
from laoxiao.benefits.selectors import eligibility as selectors
from laoxiao.core import clock
from laoxiao.core.models import RuleVersion
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import scope_q

LISTS = {
    "new-without-account": selectors.newly_eligible_without_account,
    "paid-not-eligible": selectors.paid_but_not_eligible,
}


def _month(value: str | None) -> dt.date:
    today = clock.today()
    try:
        year, month = (value or "").split("-")
        return dt.date(int(year), int(month), 1)
    except ValueError:
        return dt.date(today.year, today.month, 1)


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    rows = []
    for p in selectors.programmes_for(request.user):
        current = (
            RuleVersion.objects.filter(key=p.rule_key, effective_from__lte=today)
            .order_by("-effective_from")
            .first()
        )
        rows.append({"p": p, "current": current, "source": calculator_for(p).source})
    return render(request, "benefits/programmes_list.html", {"rows": rows})


@login_required
def programme_detail(request: HttpRequest, code: str) -> HttpResponse:
    p = selectors.programme_get(actor=request.user, code=code)
    today = clock.today()
    versions = list(RuleVersion.objects.filter(key=p.rule_key).order_by("-effective_from"))
    current = next((v for v in versions if v.effective_from <= today), None)
    return render(
        request,
        "benefits/programmes_detail.html",
        {"p": p, "versions": versions, "current": current, "source": calculator_for(p).source},
    )


def _regions(user: Any) -> list[Region]:
    qs = Region.objects.filter(level__in=["city", "county", "township"]).order_by("code")
    q = scope_q("code", user.region_prefixes())
    return list(qs if q is None else qs.filter(q))


@login_required
def officer_list(request: HttpRequest, kind: str) -> HttpResponse:
    """One of the two officers' lists for a programme, a region and a month (GET filters)."""
    if kind not in LISTS:
        return HttpResponse(status=404)
    programmes = selectors.programmes_for(request.user)
    regions = _regions(request.user)
    f = {
        "programme": request.GET.get("programme") or (programmes[0].code if programmes else ""),
        "region": request.GET.get("region") or (regions[0].code if regions else ""),
        "period": request.GET.get("period") or f"{clock.today():%Y-%m}",
    }
    result = None
    if f["programme"] and f["region"]:
        result = LISTS[kind](
            actor=request.user,
            programme_code=f["programme"],
            region_code=f["region"],
            period=_month(f["period"]),
        )
    return render(
        request,
        "benefits/programmes_officer.html",
        {"kind": kind, "result": result, "f": f, "programmes": programmes, "regions": regions},
    )


urlpatterns: list[URLPattern] = [
    path("programmes/", programme_list, name="benefits-programmes"),
    path("programmes/<slug:code>/", programme_detail, name="benefits-programme"),
    path("eligibility/<slug:kind>/", officer_list, name="benefits-eligibility-list"),
]
