"""The pages of older people: the list, a person with their follow-up, and the forms that record it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from laoxiao.accounts import roles
from laoxiao.benefits.selectors.eligibility import person_benefits
from laoxiao.core import clock
from laoxiao.core.forms import run_action
from laoxiao.people import actions, forms
from laoxiao.people.models import AbilityLevel, Elder, ElderCategory
from laoxiao.people.selectors import elders as elder_sel
from laoxiao.people.views.common import (
    ID_LIKE,
    done_message,
    in_order,
    office_choices,
    parse_bool,
    people_page,
    region_choices,
    require_page_sector,
)
from laoxiao.providers import selectors as provider_sel
from laoxiao.providers.models import ELDERCARE_KINDS, Provider
from laoxiao.regions.scoping import code_within
from laoxiao.services.selectors.person import person_services


@login_required
def elder_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_page_sector(user, roles.SECTOR_ELDERCARE, roles.SECTOR_HEALTH)
    g = request.GET
    today = clock.today()
    id_number = (g.get("id_number") or "").strip()
    error = ""
    q = (g.get("q") or "").strip() or None
    if id_number:
        if ID_LIKE.fullmatch(id_number):
            q = id_number  # the selector looks a whole ID number up by its blind index
        else:
            error = _("An ID number has 18 characters: 17 digits and a digit or X.")
    region = g.get("region") or None
    visit = parse_bool(g.get("visit")) if "eldercare" in user.sectors() else None
    filters = {
        "region": region,
        "q": q,
        "on_visit_list": False if visit is False else None,
        "category": g.get("category") or None,
        "level": g.get("level") or None,
    }
    qs = elder_sel.elder_list(actor=user, on=today, **filters)  # type: ignore[arg-type]
    if visit:
        # the visit-list condition on the rows themselves (not ``pk IN (the whole city's list)``):
        # the database stops at the page's last row
        qs = elder_sel.visit_list_queryset(qs, on=today)
    if error:
        qs = qs.none()
    # Chinese names sorted by code point are no useful order: people are listed by community, in
    # the order they were registered, which the region_code index serves up to the page's last row
    qs = qs.order_by("region_code", "pk")
    # count only what an index answers (a region, an ID number); other filters page without a count
    cheap = not (visit is not None or filters["category"] or filters["level"] or (q and not id_number))
    count = qs.count() if cheap else None
    ids, page = people_page(request, qs, count)
    rows = list(
        elder_sel.with_latest_assessment(Elder.objects.filter(pk__in=ids), today).select_related("region")
    )
    return render(
        request,
        "people/elder_list.html",
        {
            "rows": in_order(rows, ids),
            "page": page,
            "f": g,
            "error": error,
            "regions": region_choices(user),
            "categories": ElderCategory.Category.choices,
            "levels": AbilityLevel.choices,
            "eldercare": "eldercare" in user.sectors(),
        },
    )


def _providers_for(user: Any, elder: Elder) -> list[tuple[int, str]]:
    qs = provider_sel.provider_list(actor=user, county=elder.region_code[:6]).filter(kind__in=ELDERCARE_KINDS)
    return [(pk, name) for pk, name in qs.order_by("name").values_list("pk", "name")[:200]]


def _elder_forms(user: Any, elder: Elder, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    today = clock.today()
    sectors = user.sectors()
    out: dict[str, Any] = {}
    if "eldercare" in sectors:
        out["assessment"] = forms.AssessmentForm(
            rules=actions.scoring_rules(today),
            initial={"assessed_on": today, "reason": "routine", "risk_events_30d": 0},
        )
        out["visit"] = forms.WelfareVisitForm(
            providers=_providers_for(user, elder),
            offices=office_choices(),
            initial={"visited_on": today, "mode": "home"},
        )
        out["death"] = forms.DeathForm()
        out["home"] = forms.HomePositionForm(initial={"lon": elder.home_lon, "lat": elder.home_lat})
        out["handover"] = forms.HandoverForm(exclude=elder.region_code, initial={"on": today})
    if sectors & {"eldercare", "health"}:
        out["health_check"] = forms.HealthCheckForm(initial={"checked_on": today, "complete": True})
    out.update(bound or {})
    return out


def _assessment_rows(followup: elder_sel.Followup) -> list[dict[str, Any]]:
    """Each assessment with its items grouped by domain (names from the table of its date)."""
    out = []
    for a in followup.assessments:
        try:
            rules = actions.scoring_rules(a.assessed_on)
        except Exception:  # noqa: BLE001 - a table removed since: show the raw items
            rules = None
        groups = []
        if rules is not None:
            for d in rules.domains:
                groups.append(
                    {
                        "name": d.name,
                        "max": d.max,
                        "sum": getattr(a, d.key, None),
                        "items": [
                            (i.name, a.items.get(i.key), i.max) for i in rules.items if i.domain == d.key
                        ],
                    }
                )
        adjustments = [
            label
            for flag, label in (
                (a.coma, _("coma")),
                (a.dementia, _("dementia")),
                (a.psychiatric, _("psychiatric diagnosis")),
                (a.risk_events_30d >= 2, _("%(n)d risk events in 30 days") % {"n": a.risk_events_30d}),
            )
            if flag
        ]
        out.append({"a": a, "groups": groups, "adjustments": adjustments})
    return out


def _render_elder(request: HttpRequest, elder: Elder, bound: dict[str, Any] | None = None) -> HttpResponse:
    user = request.user
    followup = elder_sel.elder_followup(actor=user, elder=elder)  # type: ignore[arg-type]
    today = clock.today()
    categories_now = [
        c
        for c in followup.categories
        if c.valid_from <= today and (c.valid_to is None or c.valid_to >= today)
    ]
    latest = followup.assessments[0] if followup.assessments else None
    return render(
        request,
        "people/elder_detail.html",
        {
            "elder": followup.elder,
            "f": followup,
            "categories_now": categories_now,
            "latest": latest,
            "assessments": _assessment_rows(followup),
            "forms": _elder_forms(user, followup.elder, bound),
            "eldercare": "eldercare" in user.sectors(),
            "age": _age(followup.elder.birth_date, today),
            "person_services": person_services(actor=user, elder=followup.elder, on=today)
            if "eldercare" in user.sectors()
            else None,
            "person_benefits": person_benefits(actor=user, source="elder", subject=followup.elder, on=today),
        },
        status=422 if bound else 200,
    )


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@login_required
def elder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_page_sector(request.user, roles.SECTOR_ELDERCARE, roles.SECTOR_HEALTH)
    return _render_elder(request, elder_sel.elder_get(actor=request.user, pk=pk))  # type: ignore[arg-type]


def _elder_write(
    user: Any, elder: Elder, kind: str, post: Any
) -> tuple[str, Any, Callable[[Any], Any], dict[str, str]]:
    """The form of ``kind`` bound to ``post`` and the action that saves it."""
    today = clock.today()
    if kind == "assessment":
        form: Any = forms.AssessmentForm(post, rules=actions.scoring_rules(today))

        def save(f: Any) -> Any:
            d = f.cleaned_data
            return actions.assessment_record(
                actor=user,
                elder=elder,
                assessed_on=d["assessed_on"],
                reason=d["reason"],
                items=f.items(),
                coma=d["coma"],
                dementia=d["dementia"],
                psychiatric=d["psychiatric"],
                risk_events_30d=d["risk_events_30d"] or 0,
                assessor=d["assessor"],
            )

        return "assessment", form, save, form.field_map
    if kind == "visit":
        form = forms.WelfareVisitForm(post, providers=_providers_for(user, elder), offices=office_choices())

        def save(f: Any) -> Any:
            d = f.cleaned_data
            inst = (
                Provider.objects.filter(pk=d["routed_to_provider"]).first()
                if d["routed_to_provider"]
                else None
            )
            return actions.welfare_visit_record(
                actor=user,
                elder=elder,
                visited_on=d["visited_on"],
                mode=d["mode"],
                visitor=d["visitor"],
                findings=d["findings"],
                needs=d["needs"],
                follow_up=d["follow_up"],
                routed_to_provider=inst,
                routed_to_region=d["routed_to_region"] or "",
            )

        return "visit", form, save, {}
    if kind == "health-check":
        form = forms.HealthCheckForm(post)

        def save(f: Any) -> Any:
            d = f.cleaned_data
            return actions.health_check_record(
                actor=user,
                elder=elder,
                checked_on=d["checked_on"],
                provider=d["provider"],
                complete=d["complete"],
            )

        return "health_check", form, save, {}
    if kind == "home":
        form = forms.HomePositionForm(post)

        def save(f: Any) -> Any:
            d = f.cleaned_data
            return actions.elder_upsert(
                actor=user,
                data={"id_number": elder.id_number, "home_lon": d["lon"], "home_lat": d["lat"]},
            )

        return "home", form, save, {"home_lon": "lon", "home_lat": "lat"}
    if kind == "death":
        form = forms.DeathForm(post)
        return (
            "death",
            form,
            lambda f: actions.elder_death(actor=user, elder=elder, died_on=f.cleaned_data["died_on"]),
            {},
        )
    if kind == "handover":
        form = forms.HandoverForm(post, exclude=elder.region_code)

        def save(f: Any) -> Any:
            d = f.cleaned_data
            return actions.elder_handover(
                actor=user, elder=elder, to_region_code=d["to_region_code"], on=d["on"] or today
            )

        return "handover", form, save, {}
    raise Http404


@login_required
@require_POST
def elder_record(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    user = request.user
    require_page_sector(user, roles.SECTOR_ELDERCARE, roles.SECTOR_HEALTH)
    elder = elder_sel.elder_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    key, form, save, field_map = _elder_write(user, elder, kind, request.POST)
    if form.is_valid() and run_action(form, lambda: save(form), field_map=field_map) is not None:
        messages.success(request, done_message(key))
        if key == "handover" and not code_within(form.cleaned_data["to_region_code"], user.region_prefixes()):
            return redirect("people-elder-list")
        return redirect(reverse("people-elder-detail", args=[pk]) + f"#{key}")
    elder.refresh_from_db()
    return _render_elder(request, elder, {key: form})
