"""Planning pages: the index, service-circle coverage, accessibility scores and a siting proposal.

Each page is a GET form (region, demand group, radius, ...): the analysis runs on the server
(``selectors.circle``, a few tens of milliseconds on the demo city) and the page draws the result on
an ECharts map of the county outlines, with a table beside it. Bad parameters show the form's
message; a region outside the user's regions answers 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.validators import MaxValueValidator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laoxiao.core.forms import HardenedForm
from laoxiao.planning.selectors import demand as demand_selectors
from laoxiao.planning.selectors.circle import (
    CAPACITIES,
    access_report,
    circle_rules,
    coverage_report,
    groups_for,
    region_for,
    siting_report,
)
from laoxiao.regions.models import Region

GROUP_LABELS = {"elders": gettext_lazy("Older people"), "children": gettext_lazy("Children under 3")}
CAPACITY_LABELS = {
    "beds": gettext_lazy("Beds"),
    "nursing_beds": gettext_lazy("Nursing-type beds"),
    "slots": gettext_lazy("Childcare slots"),
}


def region_choices(user: Any) -> list[tuple[str, str]]:
    qs = (
        Region.objects.visible_to(user)
        .filter(level__in=[Region.Level.CITY, Region.Level.COUNTY, Region.Level.TOWNSHIP])
        .order_by("code")
        .values_list("code", "name", "level")
    )
    return [(code, ("" if level != "township" else "— ") + name) for code, name, level in qs]


class CircleForm(HardenedForm):
    region = forms.ChoiceField(label=gettext_lazy("Region"))
    group = forms.ChoiceField(label=gettext_lazy("Population group"))
    radius = forms.FloatField(label=gettext_lazy("Walking threshold (m)"), min_value=50)
    detour = forms.FloatField(label=gettext_lazy("Detour factor"), min_value=1, max_value=3, required=False)

    def __init__(self, data: Any, *, user: Any, rules: dict[str, Any]) -> None:
        super().__init__(data)
        self.rules = rules
        regions = region_choices(user)
        region_field, group_field = self.fields["region"], self.fields["group"]
        assert isinstance(region_field, forms.ChoiceField) and isinstance(group_field, forms.ChoiceField)
        region_field.choices = regions
        group_field.choices = [(g, GROUP_LABELS[g]) for g in groups_for(user)]
        radius = self.fields["radius"]
        assert isinstance(radius, forms.FloatField)
        radius.validators.append(MaxValueValidator(float(rules["max_radius_m"])))
        counties = [c for c, label in regions if c[6:] == "000000" and c[4:6] != "00"]
        self.initial_values = {
            "region": (counties or [c for c, _ in regions] or [""])[0],
            "group": (groups_for(user) or ("",))[0],
            "radius": rules["radius_m"],
            "detour": rules["detour"],
        }


class AccessForm(CircleForm):
    capacity = forms.ChoiceField(label=gettext_lazy("Capacity"), choices=list(CAPACITY_LABELS.items()))
    method = forms.ChoiceField(
        label=gettext_lazy("Method"), choices=[("2sfca", "2SFCA"), ("e2sfca", gettext_lazy("Enhanced 2SFCA"))]
    )
    decay = forms.ChoiceField(
        label=gettext_lazy("Distance decay"),
        choices=[("gaussian", gettext_lazy("Gaussian")), ("step", gettext_lazy("Steps"))],
        required=False,
    )
    sigma = forms.FloatField(label=gettext_lazy("σ (m)"), min_value=1, required=False)
    steps = forms.CharField(label=gettext_lazy("Steps (m:weight, ...)"), required=False, max_length=200)

    def __init__(self, data: Any, *, user: Any, rules: dict[str, Any]) -> None:
        super().__init__(data, user=user, rules=rules)
        sigma = self.fields["sigma"]
        assert isinstance(sigma, forms.FloatField)
        sigma.validators.append(MaxValueValidator(float(rules["max_radius_m"])))  # σ² stays finite
        self.initial_values.update(
            {
                "capacity": "beds" if self.initial_values["group"] == "elders" else "slots",
                "method": "e2sfca",
                "decay": "gaussian",
                "radius": 3 * float(rules["radius_m"]),
            }
        )

    def clean_steps(self) -> dict[float, float] | None:
        text = self.cleaned_data.get("steps") or ""
        if not text.strip():
            return None
        from laoxiao.planning.analysis import accessibility  # scipy: imported on use

        try:
            return accessibility.parse_steps(text)
        except ValueError:
            raise forms.ValidationError(
                _("Write steps as distance:weight pairs separated by commas, e.g. 300:1,600:0.68,1000:0.22.")
            ) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        group, capacity = data.get("group"), data.get("capacity")
        if group and capacity and capacity not in CAPACITIES[group]:
            self.add_error("capacity", _("This capacity does not apply to this group."))
        return data


class SitingForm(CircleForm):
    k = forms.IntegerField(label=gettext_lazy("New sites (k)"), min_value=1)

    def __init__(self, data: Any, *, user: Any, rules: dict[str, Any]) -> None:
        super().__init__(data, user=user, rules=rules)
        k = self.fields["k"]
        assert isinstance(k, forms.IntegerField)
        k.validators.append(MaxValueValidator(int(rules["siting_max_k"])))
        self.initial_values["k"] = rules["siting_default_k"]


def _pct(share: float | None, digits: int = 1) -> str | None:
    return None if share is None else f"{100 * share:.{digits}f}"


def _bind(form_class: type[CircleForm], request: HttpRequest) -> CircleForm:
    rules = circle_rules()
    probe = form_class(None, user=request.user, rules=rules)
    data = {**probe.initial_values, **{k: v for k, v in request.GET.items() if v != ""}}
    code = str(data.get("region", ""))
    if code.isdigit() and 4 <= len(code) < 12:  # a county may be given by its 6 digits
        data["region"] = code.ljust(12, "0")
    return form_class(data, user=request.user, rules=rules)


def _page(request: HttpRequest, form_class: type[CircleForm], template: str, run: Any) -> HttpResponse:
    form = _bind(form_class, request)
    report: dict[str, Any] | None = None
    problem = ""
    if not form.fields["group"].choices or not form.fields["region"].choices:
        problem = _("Your roles and regions give you no population to analyse. Ask the city administrator.")
    elif "region" in form.errors and demand_selectors.region_outside_scope(
        actor=request.user, code=str(form.data.get("region", ""))
    ):
        raise Http404  # a region that exists but lies outside the user's regions: not found
    elif form.is_valid():
        region = region_for(form.cleaned_data["region"], actor=request.user)
        try:
            report = run(region, form.cleaned_data)
        except ValueError as exc:
            problem = str(exc)
    return render(
        request,
        template,
        {
            "form": form,
            "report": report,
            "problem": problem,
            "geo_url": reverse("region-boundaries"),
        },
    )


@login_required
def planning_home(request: HttpRequest) -> HttpResponse:
    entries = [
        (
            reverse("planning-coverage"),
            _("Service-circle coverage"),
            _("Who lives within walking distance of a provider"),
        ),
        (
            reverse("planning-access"),
            _("Accessibility"),
            _("Beds and childcare places within reach, per community (2SFCA)"),
        ),
        (
            reverse("planning-siting"),
            _("Where to build next"),
            _("New sites that would cover the most people"),
        ),
    ]
    entries += _other_analyses()
    return render(request, "planning/index.html", {"entries": entries, "rules": circle_rules()})


# Pages of the other planning analyses (views/demand.py), linked when they exist.
OTHER_PAGES = (
    (
        "planning-projection",
        gettext_lazy("Population projection"),
        gettext_lazy("Cohort-component projection to 2035"),
    ),
    (
        "planning-demand",
        gettext_lazy("Demand and gaps"),
        gettext_lazy("What the standards call for against what exists"),
    ),
    (
        "planning-residential",
        gettext_lazy("Residential projects"),
        gettext_lazy("Elder-care floor space and childcare slots of residential areas"),
    ),
)


def _other_analyses() -> list[tuple[str, Any, Any]]:
    out: list[tuple[str, Any, Any]] = []
    for name, label, description in OTHER_PAGES:
        try:
            out.append((reverse(name), label, description))
        except NoReverseMatch:
            continue
    return out


@login_required
def coverage_page(request: HttpRequest) -> HttpResponse:
    def run(region: Region, d: dict[str, Any]) -> dict[str, Any]:
        report = coverage_report(
            region=region, group=d["group"], radius=d["radius"], detour=d.get("detour") or 1.0
        )
        for row in [report["summary"], *report["by_township"]]:
            row["pct"] = _pct(row["share"])
        return report

    return _page(request, CircleForm, "planning/circle_coverage.html", run)


@login_required
def access_page(request: HttpRequest) -> HttpResponse:
    def run(region: Region, d: dict[str, Any]) -> dict[str, Any]:
        report = access_report(
            region=region,
            group=d["group"],
            capacity=d["capacity"],
            method=d["method"],
            radius=d["radius"],
            decay=d.get("decay") or "gaussian",
            sigma=d.get("sigma"),
            steps=d.get("steps"),
        )
        report["worst"] = sorted(report["demand"], key=lambda p: (p["score"], -p["weight"]))
        return report

    return _page(request, AccessForm, "planning/circle_access.html", run)


@login_required
def siting_page(request: HttpRequest) -> HttpResponse:
    def run(region: Region, d: dict[str, Any]) -> dict[str, Any]:
        report = siting_report(
            region=region, group=d["group"], radius=d["radius"], k=d["k"], detour=d.get("detour") or 1.0
        )
        s = report["summary"]
        s["pct_before"], s["pct_after"], s["gap_pct"] = (
            _pct(s["share_before"]),
            _pct(s["share_after"]),
            _pct(s["gap"], 3),
        )
        return report

    return _page(request, SitingForm, "planning/circle_siting.html", run)
