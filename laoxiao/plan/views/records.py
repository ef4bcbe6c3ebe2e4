"""The records behind an indicator value (drill-down): /plan/indicators/<code>/records/?region=&period=&part=

A paginated table of the numerator's or the denominator's records, scoped to the user and masked
(``laoxiao.plan.records``), with the stored value beside the count. An unknown indicator or a
region outside the user's regions answers 404; a bad period or part a clear message.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.paging import last_page, page_of
from laoxiao.plan import records as drill
from laoxiao.plan.calculators import REGISTRY, definition, resolve_measure
from laoxiao.plan.models import Indicator, IndicatorValue
from laoxiao.plan.selectors.plans import plan_indicators
from laoxiao.plan.views._plans import request_plan, year_of
from laoxiao.regions.models import Region

PAGE_SIZE = 50

COLUMNS: dict[str, list[tuple[str, Any]]] = {
    "elders": [
        ("name", _("Name")),
        ("sex", _("Sex")),
        ("birth_date", _("Birth date")),
        ("id_number", _("ID number")),
    ],
    "children": [
        ("name", _("Name")),
        ("sex", _("Sex")),
        ("birth_date", _("Birth date")),
        ("id_number", _("ID number")),
    ],
    "providers": [
        ("name", _("Name")),
        ("provider_kind", _("Kind")),
        ("uscc", _("Unified social credit code")),
        ("filing_status", _("Filing status")),
        ("filed_on", _("Filing date")),
    ],
    "staff": [
        ("name", _("Name")),
        ("role", _("Role")),
        ("provider", _("Provider")),
        ("id_number", _("ID number")),
        ("hired_on", _("Hired")),
        ("left_on", _("Left")),
    ],
    "regions": [("name", _("Name")), ("id", _("Division code")), ("level", _("Level"))],
    "doses": [
        ("name", _("Child")),
        ("birth_date", _("Birth date")),
        ("vaccine", _("Vaccine")),
        ("dose", _("Dose")),
        ("due_on", _("Due on")),
        ("given_on", _("Given on")),
    ],
}
AMOUNT_LABELS = {
    "beds": _("Beds"),
    "nursing_beds": _("Nursing-type beds"),
    "slots": _("Slots"),
    "inclusive_slots": _("Inclusive slots"),
}
FIGURE_LABELS = {
    "population": _("resident population"),
    "age_60_plus": _("resident population aged 60+"),
    "age_65_plus": _("resident population aged 65+"),
}


def _latest_year(indicator: Indicator) -> str:
    """The latest year with a stored value (the page opened without a period)."""
    periods = IndicatorValue.objects.filter(measure_id=indicator.measure_id).values_list("period", flat=True)
    years = sorted({p for p in periods.distinct() if len(p) == 4})
    return years[-1] if years else str(clock.today().year - 1)


@login_required
def indicator_records(request: HttpRequest, code: str) -> HttpResponse:
    g = request.GET
    plan = request_plan(request, year=year_of(g.get("period")))
    indicator = plan_indicators(plan).filter(code=code.strip().upper()).first()
    if indicator is None:  # a measure named by its key or alias: the plan's indicator of it
        key = resolve_measure(code)
        indicator = plan_indicators(plan).filter(measure_id=key).first() if key else None
    if indicator is None or indicator.measure_id not in REGISTRY:
        raise Http404
    code = indicator.measure_id
    region_code = g.get("region") or ""
    if not region_code:
        city = Region.objects.filter(level=Region.Level.CITY).order_by("code").first()
        region_code = city.code if city else ""
    period = (g.get("period") or "").strip() or _latest_year(indicator)
    part = g.get("part") or "numerator"
    context: dict[str, Any] = {
        "indicator": indicator,
        "plan": plan,
        "region_code": region_code,
        "period": period,
        "part": part,
        "parts": [("numerator", _("Numerator")), ("denominator", _("Denominator"))],
        "is_count": definition(code).is_count,
    }
    try:
        found = drill.indicator_records(
            actor=cast(User, request.user), code=code, region_code=region_code, period=period, part=part
        )
    except ValidationError as exc:
        context["errors"] = [str(m) for msgs in exc.message_dict.values() for m in msgs]
        return render(request, "plan/records/records.html", context, status=400)
    count = found.count()
    shown = page_of(found.rows, g.get("page"), per_page=PAGE_SIZE, count=count)
    page, pages, rows = shown.number, last_page(count, PAGE_SIZE), shown.items
    stored = IndicatorValue.objects.filter(
        measure_id=indicator.measure_id, region_code=found.region_code, period=found.period
    ).first()
    base = {"region": found.region_code, "period": found.period, "part": found.part, "plan": plan.code}
    columns = list(COLUMNS.get(found.kind, [("name", _("Name"))]))
    if rows and "month" in rows[0]:
        columns.insert(0, ("month", _("Month")))
    if found.amount:
        columns.append(("amount", AMOUNT_LABELS.get(found.amount, found.amount)))
    region = Region.objects.filter(code=found.region_code).select_related("parent").first()
    context.update(
        found=found,
        region=region,
        count=count,
        total=found.total() if found.amount or found.kind == "figure" else count,
        figure_label=FIGURE_LABELS.get(found.figure_name, found.figure_name),
        rows=[
            {
                "cells": [r.get(k) for k, _label in columns],
                "url": r.get("url", ""),
                "region_code": r["region_code"],
                "region_name": r["region_name"],
            }
            for r in rows
        ],
        columns=[label for _key, label in columns],
        stored=stored,
        page=page,
        pages=pages,
        start=shown.start_index,
        end=shown.end_index,
        previous_query=urlencode({**base, "page": page - 1}) if page > 1 else "",
        next_query=urlencode({**base, "page": page + 1}) if page < pages else "",
        other_part_query=urlencode(
            {**base, "part": "denominator" if found.part == "numerator" else "numerator"}
        ),
        parent_query=urlencode({**base, "region": region.parent_id}) if region and region.parent_id else "",
    )
    return render(request, "plan/records/records.html", context)
