"""Pages of reported values and of Table 1.

- ``/plan/reporting/``: a reporter sees their unit's reported indicators for the city and each
  county (the approved figure with its status, the pending submission) and submits figures (htmx,
  errors inline); a city administrator also sees the queue of submissions with approve / reject.
- ``/plan/reporting/history/<code>/<region>/<period>/``: every submission for one key.
- ``/plan/table1/``: the plan's Table 1 with the values of a period, per region, and its xlsx.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from laoxiao.core import clock
from laoxiao.core.access import is_city_admin
from laoxiao.core.forms import HardenedForm, run_action
from laoxiao.plan.actions import values as actions
from laoxiao.plan.calculators import Period
from laoxiao.plan.models import IndicatorValue, Plan, ReportedValue
from laoxiao.plan.selectors import values as selectors
from laoxiao.plan.selectors.plans import plan_indicators
from laoxiao.plan.selectors.values import measure_q
from laoxiao.plan.table1 import preview, table1_bytes, table1_filename
from laoxiao.plan.views._plans import plan_context, request_plan, year_of
from laoxiao.regions.models import Region

LEVELS_FOR_REPORTING = (Region.Level.CITY, Region.Level.COUNTY, Region.Level.TOWNSHIP)


def default_year(plan: Plan | None = None) -> str:
    """The latest year with stored values (within the plan's period, when there is a plan), else
    last year (kept within the plan's period)."""
    qs = IndicatorValue.objects.exclude(period__contains="-")
    if plan is not None:
        qs = qs.filter(period__gte=str(plan.first_year), period__lte=str(plan.last_year))
    latest = qs.order_by("-period").values_list("period", flat=True).first()
    if latest:
        return latest
    year = clock.today().year - 1
    if plan is not None:
        year = max(plan.first_year, min(year, plan.last_year))
    return str(year)


def _plan_and_period(request: HttpRequest) -> tuple[Plan, str]:
    asked = (request.GET.get("period") or request.POST.get("period") or "").strip()
    plan = request_plan(request, year=year_of(asked))
    try:
        return plan, Period.parse(asked).text if asked else default_year(plan)
    except ValueError:
        return plan, default_year(plan)


def _period(request: HttpRequest) -> str:
    return _plan_and_period(request)[1]


class ReportForm(HardenedForm):
    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"))
    region_code = forms.ChoiceField(label=gettext_lazy("Region"))
    period = forms.CharField(label=gettext_lazy("Period (year)"), max_length=7)
    value = forms.CharField(label=gettext_lazy("Value"), max_length=30)
    source = forms.CharField(label=gettext_lazy("Source"), max_length=200)
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, actor: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan_code = plan.code
        indicator_field = self.fields["indicator"]
        region_field = self.fields["region_code"]
        assert isinstance(indicator_field, forms.ChoiceField) and isinstance(region_field, forms.ChoiceField)
        # a city administrator also files historical figures of computed indicators (ended years)
        choices = (
            plan_indicators(plan)
            if is_city_admin(actor)
            else selectors.reportable_indicators(actor=actor, plan=plan)
        )
        indicator_field.choices = [(i.code, f"{i.code} {i.name}（{i.unit}）") for i in choices]
        region_field.choices = [
            (r.code, ("　" * ["city", "county", "township"].index(r.level)) + r.name)
            for r in Region.objects.filter(level__in=LEVELS_FOR_REPORTING).order_by("code")
        ]


def _require_reporting(actor: Any) -> None:
    if not (is_city_admin(actor) or selectors.is_reporter(actor)):
        raise PermissionDenied(
            _("Only reporters of a responsible unit and city administrators report figures.")
        )


def _overview_regions() -> list[Region]:
    return selectors.table_regions()


def _context(request: HttpRequest, period: str, form: ReportForm | None = None) -> dict[str, Any]:
    actor = request.user
    plan = request_plan(request, year=year_of(period))
    regions = _overview_regions()
    cells = selectors.reporting_overview(actor=actor, period=period, regions=regions, plan=plan)
    rows: list[dict[str, Any]] = []
    for cell in cells:
        if not rows or rows[-1]["indicator"].code != cell.indicator.code:
            rows.append({"indicator": cell.indicator, "cells": []})
        rows[-1]["cells"].append(cell)
    is_admin = is_city_admin(actor)
    queue = list(selectors.reported_queue(actor=actor).select_related("replaces")) if is_admin else []
    recent = selectors.reported_list(actor=actor).select_related("replaces")
    if is_admin:  # the pending ones are in the queue above (one element per row: htmx swaps by id)
        recent = recent.exclude(status=ReportedValue.Status.SUBMITTED)
    mine = list(recent[:20])
    _with_region_names([*queue, *mine])
    return {
        "period": period,
        **plan_context(request, plan),
        "regions": regions,
        "rows": rows,
        "is_admin": is_admin,
        "queue": queue,
        "mine": mine,
        "form": form
        or ReportForm(
            actor=actor,
            plan=plan,
            initial={"period": period, "region_code": regions[0].code if regions else ""},
        ),
    }


@login_required
def reporting(request: HttpRequest) -> HttpResponse:
    _require_reporting(request.user)
    return render(request, "plan/values/reporting.html", _context(request, _period(request)))


@login_required
@require_POST
def reporting_submit(request: HttpRequest) -> HttpResponse:
    actor = request.user
    _require_reporting(actor)
    plan = request_plan(request)
    form = ReportForm(request.POST, actor=actor, plan=plan)
    row = None
    if form.is_valid():
        indicator = plan_indicators(plan).get(code=form.cleaned_data["indicator"])
        d = form.cleaned_data
        try:
            row = run_action(
                form,
                lambda: actions.reported_value_submit(
                    actor=actor,
                    indicator=indicator,
                    region_code=d["region_code"],
                    period=d["period"],
                    value=d["value"],
                    source=d["source"],
                    note=d["note"],
                ),
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    if row is not None:
        back = reverse("reporting") + f"?period={row.period}&plan={plan.code}"
        messages.success(request, _("The figure is submitted and waits for review."))
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = back
            return response
        return redirect(back)
    if request.htmx:
        # htmx swaps only 2xx answers: the form comes back with its errors inline
        return render(request, "plan/values/_form.html", {"form": form})
    ctx = _context(request, _period(request), form=form)
    return render(request, "plan/values/reporting.html", ctx, status=422)


REVIEW_STEPS = {"approve", "reject", "withdraw"}


@login_required
@require_POST
def reporting_review(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    actor = request.user
    if step not in REVIEW_STEPS:
        raise Http404
    row = selectors.reported_get(actor=actor, pk=pk)
    note = (request.POST.get("note") or "").strip()
    error = ""
    try:
        if step == "approve":
            row = actions.reported_value_approve(actor=actor, reported=row, note=note)
        elif step == "reject":
            row = actions.reported_value_reject(actor=actor, reported=row, note=note)
        else:
            row = actions.reported_value_withdraw(actor=actor, reported=row)
    except ValidationError as exc:
        error = " ".join(str(m) for m in exc.messages)
    if request.htmx:
        row.refresh_from_db()
        _with_region_names([row])
        return render(
            request,
            "plan/values/_queue_row.html",
            {"r": row, "error": error, "is_admin": is_city_admin(actor)},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request, _("Done: the figure is %(status)s.") % {"status": ReportedValue.Status(row.status).label}
        )
    return redirect(reverse("reporting") + f"?period={row.period}")


def _with_region_names(rows: list[ReportedValue]) -> None:
    names = dict(Region.objects.filter(code__in={r.region_code for r in rows}).values_list("code", "name"))
    for r in rows:
        r.region_name = names.get(r.region_code, r.region_code)


@login_required
def reporting_history(request: HttpRequest, code: str, region: str, period: str) -> HttpResponse:
    actor = request.user
    _require_reporting(actor)
    plan = request_plan(request, year=year_of(period))
    indicator = plan_indicators(plan).filter(code=code.strip().upper()).first()
    if indicator is None:  # named by its measure's key or alias
        indicator = plan_indicators(plan).filter(measure_q(code)).first()
    region_obj = Region.objects.filter(code=region).first()
    if indicator is None or region_obj is None:
        raise Http404
    rows = selectors.reported_history(
        actor=actor, indicator=indicator.measure_id, region_code=region, period=period
    )
    return render(
        request,
        "plan/values/history.html",
        {"indicator": indicator, "region": region_obj, "period": period, "rows": rows},
    )


def _table_args(request: HttpRequest) -> tuple[Plan, str, list[Region]]:
    if not selectors.can_read_values(request.user):
        raise PermissionDenied
    plan, period = _plan_and_period(request)
    codes = [c for c in request.GET.getlist("region") if c.strip()]
    regions = selectors.table_regions(codes or None)
    return plan, period, regions


@login_required
def table1_page(request: HttpRequest) -> HttpResponse:
    plan, period, regions = _table_args(request)
    tables = preview(period=period, regions=regions, plan=plan)
    query = "&".join([f"plan={plan.code}", f"period={period}", *(f"region={r.code}" for r in regions)])
    choices = selectors.table_regions()
    return render(
        request,
        "plan/values/table1.html",
        {
            "period": period,
            **plan_context(request, plan),
            "tables": tables,
            "query": query,
            "choices": choices,
            "chosen": {r.code for r in regions},
        },
    )


@login_required
def table1_download(request: HttpRequest) -> HttpResponse:
    plan, period, regions = _table_args(request)
    data = table1_bytes(period=period, regions=regions, plan=plan)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = table1_filename(period=period, regions=regions)
    response["Content-Disposition"] = (
        f"attachment; filename=\"table1_{period}.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    return response
