"""Planning pages: population projection, demand and gaps to 2035, residential projects.

* ``/planning/demand/projection/``: a region and scenario selector, the age pyramid of the base
  year and of the last year, the trends of the age groups and the components (births, deaths,
  migration) by year (ECharts, laoxiao/planning/static/planning/demand.js);
* ``/planning/demand/``: the need, supply and gap of beds, nursing-type beds, childcare slots and
  community elder-care floor space by year (table and chart) and a county map of the gap;
* ``/planning/demand/residential/``: residential projects with their check against the standards,
  a form to add or change one.

The projection is computed once per state of the data (``selectors.demand``); a region outside the
user's regions answers 404; bad parameters show the form's message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laoxiao.core import clock
from laoxiao.core.forms import HardenedForm, run_action
from laoxiao.planning import actions
from laoxiao.planning.analysis import residential as r
from laoxiao.planning.models import ResidentialProject
from laoxiao.planning.selectors import demand as ad
from laoxiao.planning.selectors import demand as demand_selectors
from laoxiao.planning.selectors import residential as projects
from laoxiao.regions.models import Region

MEASURES = {
    "beds": gettext_lazy("Beds"),
    "nursing_beds": gettext_lazy("Nursing-type beds"),
    "slots": gettext_lazy("Childcare slots"),
    "floor_area": gettext_lazy("Community elder-care floor space (m²)"),
}
GROUPS = {
    "age_60_plus": gettext_lazy("Aged 60+"),
    "age_65_plus": gettext_lazy("Aged 65+"),
    "age_80_plus": gettext_lazy("Aged 80+"),
    "disabled": gettext_lazy("Moderate or worse loss of ability"),
    "age_0_2": gettext_lazy("Children under 3"),
}
SCENARIOS = {
    "baseline": gettext_lazy("Baseline (TFR 1.3)"),
    "three_child": gettext_lazy("Three-child policy (TFR to 1.5)"),
}
LAST_YEAR = 2035


def _scenario_choices() -> list[tuple[str, Any]]:

    return [(s, SCENARIOS.get(s, s)) for s in ad.scenarios()]


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101
    return field


class DemandForm(HardenedForm):
    region = forms.ChoiceField(label=gettext_lazy("Region"))
    scenario = forms.ChoiceField(label=gettext_lazy("Fertility scenario"), required=False)
    measure = forms.ChoiceField(
        label=gettext_lazy("Facility"), choices=list(MEASURES.items()), required=False
    )
    year = forms.IntegerField(
        label=gettext_lazy("Map year"), required=False, min_value=2000, max_value=LAST_YEAR
    )

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        regions = demand_selectors.demand_regions(actor=user)
        _choice_field(self, "region").choices = [
            (c, ("— " if lv == "township" else "") + n) for c, n, lv in regions
        ]
        _choice_field(self, "scenario").choices = _scenario_choices()
        counties = [c for c, _n, lv in regions if lv == "county"]
        cities = [c for c, _n, lv in regions if lv == "city"]
        self.default_region = (cities or counties or [c for c, _n, _lv in regions] or [""])[0]


def _form(request: HttpRequest) -> tuple[DemandForm, dict[str, Any] | None]:
    params = request.GET.copy()
    form = DemandForm(None, user=request.user)
    params.setdefault("region", form.default_region)
    params.setdefault("scenario", "baseline")
    params.setdefault("measure", "beds")
    form = DemandForm(params, user=request.user)
    if not form.default_region:
        raise Http404
    if not form.is_valid():
        if "region" in form.errors and demand_selectors.region_outside_scope(
            actor=request.user, code=request.GET.get("region", "")
        ):
            raise Http404  # a region outside the user's regions: not found
        return form, None  # the form shows what is wrong
    return form, form.cleaned_data


def _series(request: HttpRequest, d: dict[str, Any]) -> dict[str, Any]:
    return demand_selectors.demand_series(
        actor=request.user, code=d["region"], scenario=d["scenario"] or None
    )


@login_required
def projection_page(request: HttpRequest) -> HttpResponse:
    form, d = _form(request)
    context: dict[str, Any] = {"form": form, "groups": GROUPS}
    if d is not None:
        series = _series(request, d)
        context["series"] = series
        context["chart"] = {
            "years": series["years"],
            "pyramids": series["pyramids"],
            "groups": {k: [row[k] for row in series["rows"]] for k in GROUPS},
            "group_labels": {k: str(v) for k, v in GROUPS.items()},
            "population": [row["population"] for row in series["rows"]],
            "labels": {"female": _("Women"), "male": _("Men"), "population": _("Population")},
        }
    return render(request, "planning/demand_projection.html", context)


@login_required
def demand_page(request: HttpRequest) -> HttpResponse:
    form, d = _form(request)
    context: dict[str, Any] = {"form": form, "measures": MEASURES}
    if d is not None:
        measure = d["measure"] or "beds"
        view = demand_selectors.demand_view(
            actor=request.user,
            code=d["region"],
            scenario=d["scenario"] or None,
            year=d.get("year") or 2025,
            measure=measure,
        )
        series, counties = view["series"], view["counties"]
        year = d.get("year") or 2025
        if year not in series["years"]:
            if d.get("year"):
                form.add_error(
                    "year",
                    _("Choose a year from %(first)s to %(last)s.")
                    % {"first": series["years"][0], "last": series["years"][-1]},
                )
            year = series["years"][-1]
            counties = demand_selectors.demand_view(
                actor=request.user,
                code=d["region"],
                scenario=d["scenario"] or None,
                year=year,
                measure=measure,
            )["counties"]
        context.update(
            series=series,
            measure=measure,
            measure_label=MEASURES[measure],
            year=year,
            counties=counties,
            chart={
                "years": series["years"],
                "need": [row[f"need_{measure}"] for row in series["rows"]],
                "supply": [row[f"supply_{measure}"] for row in series["rows"]],
                "gap": [row[f"gap_{measure}"] for row in series["rows"]],
                "labels": {"need": _("Needed"), "supply": _("Existing and planned"), "gap": _("Gap")},
                "title": str(MEASURES[measure]),
            },
            map_data={
                "title": _("Gap in %(year)s: %(measure)s") % {"year": year, "measure": MEASURES[measure]},
                "values": [{"name": c["name"], "value": c["gap"]} for c in counties],
            },
        )
    return render(request, "planning/demand_gaps.html", context)


# --- residential projects ---------------------------------------------------------------------


class ResidentialFilter(HardenedForm):
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)
    area_type = forms.ChoiceField(
        label=gettext_lazy("New or existing"),
        required=False,
        choices=[("", gettext_lazy("All")), *ResidentialProject.Area.choices],
    )

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        _choice_field(self, "region").choices = [("", gettext_lazy("All my regions"))] + [
            (c, ("— " if lv == "township" else "") + n)
            for c, n, lv in demand_selectors.demand_regions(actor=user)
        ]


def reason_text(check: r.Check) -> str:
    """A failed check in the user's language (gettext)."""
    area = ResidentialProject.Area(check.area_type).label
    need, actual = r.fmt_number(check.required), r.fmt_number(check.actual)
    if check.standard == r.FLOOR_AREA:
        if check.actual is None:
            return _(
                "%(area)s: no households recorded, elder-care floor space per 100 households cannot be checked"
            ) % {"area": area}
        return _(
            "%(area)s: elder-care floor space below %(need)s m² per 100 households (actual %(actual)s)"
        ) % {
            "area": area,
            "need": need,
            "actual": actual,
        }
    if check.standard == r.SLOTS:
        if check.actual is None:
            return _(
                "%(area)s: no residents recorded, childcare slots per 1,000 residents cannot be checked"
            ) % {"area": area}
        return _("%(area)s: childcare slots below %(need)s per 1,000 residents (actual %(actual)s)") % {
            "area": area,
            "need": need,
            "actual": actual,
        }
    return _("%(area)s: largest single elder-care facility below %(need)s m² (actual %(actual)s)") % {
        "area": area,
        "need": need,
        "actual": actual,
    }


@login_required
def residential_list(request: HttpRequest) -> HttpResponse:
    f = ResidentialFilter(request.GET or None, user=request.user)
    region = area_type = None
    if f.is_bound and f.is_valid():
        region, area_type = f.cleaned_data["region"] or None, f.cleaned_data["area_type"] or None
    elif f.is_bound:
        if "region" in f.errors and demand_selectors.region_outside_scope(
            actor=request.user, code=request.GET.get("region", "")
        ):
            raise Http404
        for field, errors in f.errors.items():  # say what was wrong, keep what was right
            label = f.fields[field].label if field in f.fields else ""
            for e in errors:
                messages.error(request, f"{label}: {e}" if label else str(e))
        region = f.cleaned_data.get("region") or None
        area_type = f.cleaned_data.get("area_type") or None
    qs = projects.residential_project_list(actor=request.user, region=region, area_type=area_type)
    checked = projects.residential_checks(qs)
    rows = [
        {
            "project": c.project,
            "checks": c.result.by_standard(),
            "passed": c.result.passed,
            "reasons": [reason_text(x) for x in c.result.checks if not x.passed],
            "can_edit": actions.can_manage(request.user, c.project.region_code),
        }
        for c in checked
    ]
    today = clock.today()
    e05 = r.e05(
        [
            c.result
            for c in checked
            if c.project.delivery_date is not None and c.project.delivery_date <= today
        ]
    )
    can_add = actions.can_record(request.user)
    return render(
        request,
        "planning/demand_residential.html",
        {
            "filter": f,
            "rows": rows,
            "e05": e05,
            "can_add": can_add,
            "passed": sum(1 for x in rows if x["passed"]),
        },
    )


class ResidentialForm(HardenedForm):
    code = forms.CharField(label=gettext_lazy("Project code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Project name"), max_length=200)
    region_code = forms.ChoiceField(label=gettext_lazy("Community"))
    area_type = forms.ChoiceField(
        label=gettext_lazy("New or existing"), choices=ResidentialProject.Area.choices
    )
    households = forms.IntegerField(label=gettext_lazy("Households"), min_value=0)
    residents = forms.IntegerField(label=gettext_lazy("Residents"), min_value=0)
    eldercare_floor_area = forms.DecimalField(
        label=gettext_lazy("Planned community elder-care floor space (m²)"),
        min_value=0,
        decimal_places=2,
        max_digits=12,
    )
    largest_facility_area = forms.DecimalField(
        label=gettext_lazy("Largest single elder-care facility (m²)"),
        min_value=0,
        decimal_places=2,
        max_digits=12,
    )
    childcare_slots = forms.IntegerField(label=gettext_lazy("Planned childcare slots"), min_value=0)
    delivery_date = forms.DateField(
        label=gettext_lazy("Delivery date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    acceptance = forms.ChoiceField(
        label=gettext_lazy("Acceptance result"), choices=ResidentialProject.Acceptance.choices
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        _choice_field(self, "region_code").choices = list(
            Region.objects.visible_to(user)
            .filter(level__in=[Region.Level.TOWNSHIP, Region.Level.COMMUNITY])
            .order_by("code")
            .values_list("code", "name")
        )


@login_required
def residential_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    project = None
    if pk is not None:
        project = projects.residential_project_get(actor=request.user, pk=pk)
    if request.method == "POST":
        form = ResidentialForm(request.POST, user=request.user)
        if form.is_valid():
            current = project

            def save() -> ResidentialProject:
                if current is None:
                    return actions.residential_project_create(actor=request.user, data=form.cleaned_data)
                return actions.residential_project_update(
                    actor=request.user, project=current, data=form.cleaned_data
                )

            outside = ("region_code", _("This region is outside your regions."))
            saved = run_action(form, save, denied=True, not_found=outside)
            if saved is not None:
                messages.success(request, _("Saved."))
                return redirect(reverse("planning-residential") + f"#p{saved.pk}")
    else:
        initial = {f: getattr(project, f) for f in actions.FIELDS} if project else {"acceptance": "pending"}
        form = ResidentialForm(initial=initial, user=request.user)
    check = None
    if project is not None:
        checked = projects.residential_checks([project])[0]
        check = [reason_text(x) for x in checked.result.checks if not x.passed]
    return render(
        request, "planning/demand_residential_form.html", {"form": form, "project": project, "reasons": check}
    )
