"""Pages of the people registries (/people/): older people, their follow-up and the monthly visit
work list; children, their health follow-up and the health work list.

Views parse, call a selector or an action, and render. The selectors scope by region and sector
(civil-affairs staff: older people; health staff: children, health follow-up and older people's
health checks); something outside the user's regions answers 404; a page of another sector's work
answers 403. Forms post to ``…/record/<kind>/``; the actions' ``ValidationError`` fields go back on
the form (``forms.apply_errors``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from laoxiao.accounts import roles
from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.core.paging import last_page, page_number
from laoxiao.people import actions, forms, visitlist
from laoxiao.people.models import AbilityLevel, Child, Elder, ElderCategory, WelfareVisit
from laoxiao.people.selectors import children as child_sel
from laoxiao.people.selectors import elders as elder_sel
from laoxiao.providers.models import ELDERCARE_KINDS, Provider
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import code_within

PAGE_SIZE = 50
ID_LIKE = re.compile(r"\d{17}[\dXx]")
MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


def _require(user: Any, *perms: str) -> None:
    """The page is for users with one of ``perms`` (sectors); others get 403."""
    if not any(user.has_perm(p) for p in perms):
        raise PermissionDenied(_("Your role does not work with these records."))


def _bool(value: str | None) -> bool | None:
    return {"yes": True, "1": True, "no": False, "0": False}.get((value or "").lower())


def _date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _month(value: str | None, default: dt.date) -> dt.date:
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


def _pager(request: HttpRequest, ids_qs: QuerySet[Any], count: int | None = None) -> dict[str, Any]:
    """A page of primary keys without counting the whole city: one more row tells if there is a next page."""
    number = page_number(request.GET.get("page"))
    if count is not None:
        number = min(number, last_page(count, PAGE_SIZE))
    offset = (number - 1) * PAGE_SIZE
    ids = list(ids_qs.values_list("pk", flat=True)[offset : offset + PAGE_SIZE + 1])
    if not ids and number > 1:  # past the end: show the last page
        number = last_page(ids_qs.count() if count is None else count, PAGE_SIZE)
        offset = (number - 1) * PAGE_SIZE
        ids = list(ids_qs.values_list("pk", flat=True)[offset : offset + PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    base = query.urlencode()
    return {
        "ids": ids[:PAGE_SIZE],
        "number": number,
        "has_previous": number > 1,
        "has_next": len(ids) > PAGE_SIZE,
        "previous": number - 1,
        "next": number + 1,
        "query": f"{base}&" if base else "",
        "count": count,
        "start": offset + 1 if ids else 0,
        "end": offset + min(len(ids), PAGE_SIZE),
    }


def _in_order(rows: list[Any], ids: list[int]) -> list[Any]:
    by_pk = {r.pk: r for r in rows}
    return [by_pk[i] for i in ids if i in by_pk]


# --- older people ---------------------------------------------------------------------------------


def _elder_or_404(request: HttpRequest, pk: int) -> Elder:
    try:
        return elder_sel.elder_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None


@login_required
def elder_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, roles.SECTOR_ELDERCARE, roles.SECTOR_HEALTH)
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
    visit = _bool(g.get("visit")) if "eldercare" in user.sectors() else None  # type: ignore[union-attr]
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
    page = _pager(request, qs, count)
    rows = list(
        elder_sel.with_latest_assessment(Elder.objects.filter(pk__in=page["ids"]), today).select_related(
            "region"
        )
    )
    return render(
        request,
        "people/elder_list.html",
        {
            "rows": _in_order(rows, page["ids"]),
            "page": page,
            "f": g,
            "error": error,
            "regions": region_choices(user),
            "categories": ElderCategory.Category.choices,
            "levels": AbilityLevel.choices,
            "eldercare": "eldercare" in user.sectors(),  # type: ignore[union-attr]
        },
    )


def _providers_for(user: Any, elder: Elder) -> list[tuple[int, str]]:
    from laoxiao.providers import selectors as inst_sel

    qs = inst_sel.provider_list(actor=user, county=elder.region_code[:6]).filter(kind__in=ELDERCARE_KINDS)
    return [(pk, name) for pk, name in qs.order_by("name").values_list("pk", "name")[:200]]


def _offices() -> list[tuple[str, str]]:
    qs = Region.objects.filter(level__in=[Region.Level.CITY, Region.Level.COUNTY, Region.Level.TOWNSHIP])
    return [(c, n) for c, n in qs.order_by("code").values_list("code", "name")]


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
            offices=_offices(),
            initial={"visited_on": today, "mode": "home"},
        )
        out["death"] = forms.DeathForm()
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
    try:
        followup = elder_sel.elder_followup(actor=user, elder=elder)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
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
            "eldercare": "eldercare" in user.sectors(),  # type: ignore[union-attr]
            "age": _age(followup.elder.birth_date, today),
        },
        status=422 if bound else 200,
    )


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@login_required
def elder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, roles.SECTOR_ELDERCARE, roles.SECTOR_HEALTH)
    return _render_elder(request, _elder_or_404(request, pk))


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
        form = forms.WelfareVisitForm(post, providers=_providers_for(user, elder), offices=_offices())

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


def _done_message(key: str) -> str:
    return {
        "assessment": _("The assessment is recorded."),
        "visit": _("The visit is recorded."),
        "health_check": _("The health check is recorded."),
        "death": _("The death is recorded."),
        "handover": _("The hand-over is recorded."),
        "newborn_visit": _("The newborn visit is recorded."),
        "check": _("The check is recorded."),
        "vaccination": _("The dose is recorded."),
    }[key]


@login_required
@require_POST
def elder_record(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    user = request.user
    _require(user, roles.SECTOR_ELDERCARE, roles.SECTOR_HEALTH)
    elder = _elder_or_404(request, pk)
    key, form, save, field_map = _elder_write(user, elder, kind, request.POST)
    if form.is_valid():
        try:
            save(form)
        except ValidationError as exc:
            forms.apply_errors(form, exc, field_map)
        except NotFound:
            raise Http404 from None
        else:
            messages.success(request, _done_message(key))
            if key == "handover" and not code_within(
                form.cleaned_data["to_region_code"], user.region_prefixes()
            ):  # type: ignore[union-attr]
                return redirect("people-elder-list")
            return redirect(reverse("people-elder-detail", args=[pk]) + f"#{key}")
    elder.refresh_from_db()
    return _render_elder(request, elder, {key: form})


# --- the monthly visit work list ------------------------------------------------------------------


class VisitRowRenderer:
    """The work list's rows as HTML, built in Python: a community's list holds hundreds of rows,
    each with an inline form, and the template engine would spend most of the request on them."""

    def __init__(self, *, month: dt.date, visit_day: dt.date) -> None:
        from laoxiao.people.templatetags.people_tags import REASONS

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
        if not code_within(region, user.region_prefixes()):  # type: ignore[union-attr]
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
    _require(request.user, roles.SECTOR_ELDERCARE)
    month = _month(request.GET.get("month"), clock.today())
    region = request.GET.get("region") or own_community(request.user)
    return render(request, "people/visit_worklist.html", _worklist_context(request, region, month))


@login_required
@require_POST
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a visit from the work list (htmx): answers the person's row, updated, or with errors."""
    user: Any = request.user
    _require(user, roles.SECTOR_ELDERCARE)
    elder = _elder_or_404(request, pk)
    today = clock.today()
    month = _month(request.POST.get("month"), today)
    form = forms.QuickVisitForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.welfare_visit_record(
                actor=user,
                elder=elder,
                visited_on=d["visited_on"],
                mode=d["mode"],
                visitor=str(user),
                findings=d["findings"],
            )
        except ValidationError as exc:
            forms.apply_errors(form, exc)
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


# --- children -------------------------------------------------------------------------------------


def _child_or_404(request: HttpRequest, pk: int) -> Child:
    try:
        return child_sel.child_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


@login_required
def child_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, roles.SECTOR_HEALTH, roles.SECTOR_CHILDCARE)
    g = request.GET
    today = clock.today()
    key = (g.get("key") or "").strip()
    q = key or (g.get("q") or "").strip() or None
    overdue = _bool(g.get("overdue")) if child_sel.can_see_followup(user) else None
    qs = child_sel.child_list(actor=user, region=g.get("region") or None, q=q, overdue=overdue, on=today)
    page = _pager(request, qs, qs.count())
    rows = _in_order(list(Child.objects.filter(pk__in=page["ids"])), page["ids"])
    followups = (
        child_sel.child_followups(children=Child.objects.filter(pk__in=page["ids"]), on=today)
        if child_sel.can_see_followup(user) and page["ids"]
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
        },
        status=422 if bound else 200,
    )


@login_required
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, roles.SECTOR_HEALTH, roles.SECTOR_CHILDCARE)
    child = _child_or_404(request, pk)
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
    _require(user, roles.SECTOR_HEALTH)
    child = _child_or_404(request, pk)
    key, form, save, field_map = _child_write(user, child, kind, request.POST)
    if form.is_valid():
        try:
            save(form)
        except ValidationError as exc:
            forms.apply_errors(form, exc, field_map)
        except NotFound:
            raise Http404 from None
        else:
            messages.success(request, _done_message(key))
            if key == "handover" and not code_within(
                form.cleaned_data["to_region_code"], user.region_prefixes()
            ):  # type: ignore[union-attr]
                return redirect("people-child-list")
            return redirect(reverse("people-child-detail", args=[pk]) + f"#{key}")
    child = Child.objects.select_related("provider", "childcare_class", "region").get(pk=child.pk)
    return _render_child(request, child, {key: form})


# --- the health work list -------------------------------------------------------------------------


def health_rows_html(entries: list[child_sel.WorklistEntry]) -> str:
    """The health work list's rows, built in Python (a community holds hundreds of open items)."""
    from laoxiao.people.templatetags.people_tags import KINDS, STATUSES

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
    _require(user, roles.SECTOR_HEALTH)
    today = clock.today()
    on = _date(request.GET.get("on"), today)
    region = request.GET.get("region") or own_community(user)
    entries: list[child_sel.WorklistEntry] = []
    if region:
        try:
            entries = child_sel.health_worklist(actor=user, region_code=region, on=on)
        except NotFound:
            raise Http404 from None
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
