"""The pages of children: the list, a child with their health follow-up, and the forms that record it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from laoxiao.accounts import roles
from laoxiao.benefits.selectors.eligibility import person_benefits
from laoxiao.core import clock
from laoxiao.core.forms import run_action
from laoxiao.core.models import ChangeLog
from laoxiao.people import actions, forms
from laoxiao.people.models import Child
from laoxiao.people.selectors import children as child_sel
from laoxiao.people.views.common import (
    done_message,
    in_order,
    parse_bool,
    people_page,
    region_choices,
    require_page_sector,
)
from laoxiao.regions.scoping import code_within


@login_required
def child_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_page_sector(user, roles.SECTOR_HEALTH, roles.SECTOR_CHILDCARE)
    g = request.GET
    today = clock.today()
    key = (g.get("key") or "").strip()
    q = key or (g.get("q") or "").strip() or None
    overdue = parse_bool(g.get("overdue")) if child_sel.can_see_followup(user) else None
    qs = child_sel.child_list(actor=user, region=g.get("region") or None, q=q, overdue=overdue, on=today)
    ids, page = people_page(request, qs, qs.count())
    rows = in_order(list(Child.objects.filter(pk__in=ids)), ids)
    followups = (
        child_sel.child_followups(children=Child.objects.filter(pk__in=ids), on=today)
        if child_sel.can_see_followup(user) and ids
        else {}
    )
    return render(
        request,
        "people/child_list.html",
        {
            "rows": [(c, followups.get(c.pk)) for c in rows],
            "page": page,
            "f": g,
            "regions": region_choices(user),
            "followup": child_sel.can_see_followup(user),
        },
    )


def _child_forms(
    user: Any, child: Child, rules: child_sel.ChildRules, bound: dict[str, Any] | None
) -> dict[str, Any]:
    if not child_sel.can_see_followup(user):
        return {}
    today = clock.today()
    doses = sorted(rules.known_doses(child.birth_date), key=lambda d: (d[0], d[1]))
    out: dict[str, Any] = {
        "newborn_visit": forms.NewbornVisitForm(initial={"visited_on": today}),
        "check": forms.ChildCheckForm(initial={"checked_on": today}),
        "vaccination": forms.VaccinationForm(doses=doses, initial={"given_on": today}),
        "death": forms.DeathForm(),
        "handover": forms.HandoverForm(exclude=child.region_code, initial={"on": today}),
    }
    out.update(bound or {})
    return out


def _render_child(request: HttpRequest, child: Child, bound: dict[str, Any] | None = None) -> HttpResponse:
    user = request.user
    today = clock.today()
    rules = child_sel.child_rules()
    followup = (
        child_sel.child_followup(actor=user, child=child, on=today)
        if child_sel.can_see_followup(user)
        else None
    )
    changes = ChangeLog.objects.filter(target_type="people.child", target_id=str(child.pk)).order_by(
        "-at", "-id"
    )
    return render(
        request,
        "people/child_detail.html",
        {
            "child": child,
            "guardians": list(child.guardians.order_by("name")),
            "followup": followup,
            "edition": rules.edition(child.birth_date, today),
            "age_months": child_sel.s.age_in_months(child.birth_date, today),
            "changes": list(changes[:200]),
            "forms": _child_forms(user, child, rules, bound),
            "person_benefits": person_benefits(actor=user, source="child", subject=child, on=today),
        },
        status=422 if bound else 200,
    )


@login_required
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_page_sector(request.user, roles.SECTOR_HEALTH, roles.SECTOR_CHILDCARE)
    child = child_sel.child_get(actor=request.user, pk=pk)
    child = Child.objects.select_related("provider", "childcare_class", "region").get(pk=child.pk)
    return _render_child(request, child)


def _child_write(
    user: Any, child: Child, kind: str, post: Any
) -> tuple[str, Any, Callable[[Any], Any], dict[str, str]]:
    today = clock.today()
    if kind == "newborn-visit":
        form: Any = forms.NewbornVisitForm(post)
        return (
            "newborn_visit",
            form,
            lambda f: actions.newborn_visit_record(
                actor=user,
                child=child,
                visited_on=f.cleaned_data["visited_on"],
                visitor=f.cleaned_data["visitor"],
            ),
            {},
        )
    if kind == "check":
        form = forms.ChildCheckForm(post)
        return (
            "check",
            form,
            lambda f: actions.child_check_record(
                actor=user,
                child=child,
                checked_on=f.cleaned_data["checked_on"],
                age_point=f.cleaned_data["age_point"],
            ),
            {},
        )
    if kind == "vaccination":
        doses = sorted(child_sel.child_rules().known_doses(child.birth_date))
        form = forms.VaccinationForm(post, doses=doses)

        def save(f: Any) -> Any:
            vaccine, dose = f.vaccine_dose()
            return actions.vaccination_record(
                actor=user, child=child, vaccine=vaccine, dose=dose, given_on=f.cleaned_data["given_on"]
            )

        return "vaccination", form, save, {}
    if kind == "death":
        form = forms.DeathForm(post)
        return (
            "death",
            form,
            lambda f: actions.child_death(actor=user, child=child, died_on=f.cleaned_data["died_on"]),
            {},
        )
    if kind == "handover":
        form = forms.HandoverForm(post, exclude=child.region_code)
        return (
            "handover",
            form,
            lambda f: actions.child_handover(
                actor=user,
                child=child,
                to_region_code=f.cleaned_data["to_region_code"],
                on=f.cleaned_data["on"] or today,
            ),
            {"region_code": "to_region_code"},
        )
    raise Http404


@login_required
@require_POST
def child_record(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    user = request.user
    require_page_sector(user, roles.SECTOR_HEALTH)
    child = child_sel.child_get(actor=request.user, pk=pk)
    key, form, save, field_map = _child_write(user, child, kind, request.POST)
    if form.is_valid() and run_action(form, lambda: save(form), field_map=field_map) is not None:
        messages.success(request, done_message(key))
        if key == "handover" and not code_within(form.cleaned_data["to_region_code"], user.region_prefixes()):
            return redirect("people-child-list")
        return redirect(reverse("people-child-detail", args=[pk]) + f"#{key}")
    child = Child.objects.select_related("provider", "childcare_class", "region").get(pk=child.pk)
    return _render_child(request, child, {key: form})
