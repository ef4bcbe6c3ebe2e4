"""The plan's cockpit: a page per region (the city, a county, a township) and period.

Indicator cards grouped by sector (value, target, status, the straight-line value, a trend
sparkline, the reason where there is no value, the drill-down), ECharts charts of a chosen
indicator (over the periods, across the sub-regions, the county map on the city's page) drawn from
data embedded in the page, and task progress. Everything is read from stored values.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
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
from laoxiao.core.cards import cards_for
from laoxiao.plan.actions import values as value_actions
from laoxiao.plan.engine import REPORTED_REASON
from laoxiao.plan.models import Indicator
from laoxiao.plan.selectors import cockpit as selectors
from laoxiao.plan.selectors.tasks import OVERDUE, STATUSES
from laoxiao.plan.selectors.tasks import STATUS_LABELS as TASK_LABELS
from laoxiao.plan.selectors.values import can_read_values
from laoxiao.plan.status import LABELS as STATUS_LABELS
from laoxiao.plan.views._plans import plan_context, request_plan, year_of
from laoxiao.regions.scoping import code_within

STATUS_MARKS = {"achieved": "✓", "on_track": "↗", "behind": "✗"}
NO_BOUNDARIES = gettext_lazy(
    "There are no township boundaries for the map, so the townships are compared in the bar chart only."
)


@login_required
def cockpit_city(request: HttpRequest) -> HttpResponse:
    return _cockpit(request, settings.LAOXIAO_CITY_CODE)


@login_required
def cockpit_region(request: HttpRequest, region_code: str) -> HttpResponse:
    return _cockpit(request, region_code)


def _cockpit(request: HttpRequest, region_code: str) -> HttpResponse:
    if not can_read_values(request.user):  # signed-in staff: not a provider's operator
        raise PermissionDenied
    region = selectors.cockpit_region(code=region_code)
    error = ""
    period = (request.GET.get("period") or "").strip() or None
    plan = request_plan(request, year=year_of(period))
    try:
        data = selectors.cockpit(region=region, period=period, plan=plan)
    except ValueError:
        error = _("“%(period)s” is not a period: choose a year (2021) or a month (2021-06).") % {
            "period": period
        }
        data = selectors.cockpit(region=region, plan=plan)
    today = clock.today()
    tasks = selectors.task_progress(on=selectors.task_date(data.period, today=today), plan=plan)
    chart = data.chart_data()
    codes = [c.indicator.code for c in data.cards]
    wanted = (request.GET.get("indicator") or "").upper()
    if wanted not in codes:
        wanted = next(
            (c.indicator.code for c in data.cards if c.value is not None), codes[0] if codes else ""
        )
    chart["selected"] = wanted
    chart["labels"] = _chart_labels(region.level)
    chart["geo"] = reverse("region-boundaries") if region.level == "city" else None
    # the records behind a figure are scoped: link them only where the user sees the region's records
    user: Any = request.user  # signed in (login_required)
    can_drill = code_within(region.code, user.region_prefixes())
    groups = [
        {
            "sector": sector,
            "label": label,
            "cards": [_card_view(c, data, can_drill=can_drill) for c in data.cards_of(sector)],
        }
        for sector, label in Indicator.Sector.choices
    ]
    task_list = reverse("task-list")
    card_year = data.period.year if (period and data.period) else today.year
    return render(
        request,
        "plan/cockpit/cockpit.html",
        {
            "c": data,
            **plan_context(request, plan),
            "region": region,
            "error": error,
            "groups": [g for g in groups if g["cards"]],
            "chart": chart,
            "has_map": region.level == "city",
            "can_recompute": is_city_admin(request.user),
            "summary": _summary(data),
            "no_boundaries": NO_BOUNDARIES if data.children and region.level != "city" else "",
            "child_level": data.children[0].get_level_display() if data.children else "",
            "tasks": tasks,
            # cards of other apps (core.cards): benefits' money paid, ...
            "extra_cards": cards_for(actor=request.user, region_code=region.code, year=card_year),
            "task_rows": [
                {
                    "status": s,
                    "label": TASK_LABELS[s],
                    "count": tasks.counts[s],
                    "url": f"{task_list}?{urlencode({'status': s, 'on': tasks.on.isoformat(), 'plan': plan.code})}",
                }
                for s in STATUSES
            ],
            "overdue_url": f"{task_list}?{urlencode({'status': OVERDUE, 'on': tasks.on.isoformat(), 'plan': plan.code})}",
        },
    )


ACROSS = {
    "city": gettext_lazy("%(name)s by county / district (%(period)s)"),
    "county": gettext_lazy("%(name)s by township (%(period)s)"),
    "township": gettext_lazy("%(name)s by community / village (%(period)s)"),
}


def _chart_labels(level: str) -> dict[str, str]:
    return {
        "value": _("Value"),
        "target": _("Target"),
        "plan": _("Plan line (baseline to target)"),
        "expected": _("Expected this year"),
        "no_value": _("no value"),
        "no_child_values": _("No value is stored for the sub-regions in this period."),
        "over_periods": _("%(name)s over the periods"),
        "across": str(ACROSS.get(level, ACROSS["township"])),
        "map": _("%(name)s by county (%(period)s)"),
    }


def _summary(data: selectors.Cockpit) -> list[dict[str, Any]]:
    """How many cards are achieved, on track, behind, without status, without value."""
    counts = {"achieved": 0, "on_track": 0, "behind": 0, "none": 0, "no_value": 0}
    for card in data.cards:
        if card.value is None:
            counts["no_value"] += 1
        else:
            counts[card.status.code or "none"] += 1
    labels = {
        **STATUS_LABELS,
        "none": gettext_lazy("no status"),
        "no_value": gettext_lazy("no value"),
    }
    return [
        {"code": code, "label": labels[code], "count": n, "mark": STATUS_MARKS.get(code, "")}
        for code, n in counts.items()
        if n
    ]


def _sparkline(points: list[selectors.Point], width: int = 120, height: int = 28) -> dict[str, Any]:
    """Polyline coordinates of a trend, scaled into ``width`` × ``height`` (None values skipped)."""
    values = [(i, float(p.value)) for i, p in enumerate(points) if p.value is not None]
    if not values:
        return {"points": "", "dots": [], "width": width, "height": height}
    lo = min(v for _i, v in values)
    hi = max(v for _i, v in values)
    span = hi - lo or 1.0
    n = max(len(points) - 1, 1)
    pad = 3
    coords = [
        (
            round(pad + (width - 2 * pad) * (i / n if len(points) > 1 else 0.5), 1),
            round(height - pad - (height - 2 * pad) * ((v - lo) / span if hi != lo else 0.5), 1),
        )
        for i, v in values
    ]
    return {
        "points": " ".join(f"{x},{y}" for x, y in coords),
        "dots": [{"x": x, "y": y} for x, y in coords],
        "width": width,
        "height": height,
    }


def _plain(d: Decimal | None) -> str:
    if d is None:
        return ""
    return format(d.normalize(), "f") if d == d.to_integral_value() else format(round(d, 2).normalize(), "f")


def _display(d: Decimal | None) -> str:
    """For the page: thousands separators for whole numbers, at most two decimals otherwise."""
    if d is None:
        return ""
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d:,.2f}".rstrip("0").rstrip(".")


def reason_text(reason: str) -> str:
    """A stored reason (written in English by the engine) in the user's language where it is known."""
    if not reason:
        return ""
    if reason == REPORTED_REASON:
        return _("Reported by the responsible unit; no approved figure yet.")
    if reason.startswith(selectors.NOT_COMPUTED):
        return _("Not computed yet for this region and period.")
    if reason == "the denominator is zero":
        return _("The denominator is zero: nobody or nothing to count for this region and period.")
    if reason.startswith("no population"):
        return _("No population figure for this region and year.")
    if reason.startswith("nobody on the visit list"):
        return _("Nobody is on the visit list in this period.")
    return reason


def _card_view(card: selectors.Card, data: selectors.Cockpit, *, can_drill: bool) -> dict[str, Any]:
    assert data.period is not None
    query = {"region": data.region.code, "period": data.period.text}
    if data.plan is not None:
        query["plan"] = data.plan.code
    records = reverse("indicator-records", args=[card.indicator.code])
    trend = [{"period": p.period, "value": _plain(p.value) or None} for p in card.trend]
    drill = []
    if can_drill and card.is_computed and card.numerator is not None:
        drill.append((_("numerator"), f"{records}?{urlencode({**query, 'part': 'numerator'})}"))
        if card.denominator is not None:
            drill.append((_("denominator"), f"{records}?{urlencode({**query, 'part': 'denominator'})}"))
    second = data.second.get(card.indicator.measure_id)
    return {
        "second": {
            "value": second[1],
            "display": _display(second[1]),
            "numerator_display": _display(second[2]),
            "denominator_display": _display(second[3]),
        }
        if second
        else None,
        "card": card,
        "i": card.indicator,
        "value": _plain(card.value),
        "display": _display(card.value),
        "numerator_display": _display(card.numerator),
        "denominator_display": _display(card.denominator),
        "numerator": _plain(card.numerator),
        "denominator": _plain(card.denominator),
        "expected": _plain(card.expected),
        "mark": STATUS_MARKS.get(card.status.code or "", ""),
        "reason": reason_text(card.reason) if card.value is None else "",
        "raw_reason": card.reason if card.value is None else "",
        "spark": _sparkline(card.trend),
        "trend": trend,
        "trend_json": json.dumps(trend),
        "drill": drill,
        "computed_at": card.computed_at,
    }


@login_required
@require_POST
def cockpit_recompute(request: HttpRequest, region_code: str) -> HttpResponse:
    """A city administrator's button: queue the recomputation of the region (and those below) as a job
    and show its page (the job runs in the worker; the request answers at once)."""
    if not is_city_admin(request.user):
        raise PermissionDenied
    period = (request.POST.get("period") or "").strip()
    try:
        job = value_actions.indicator_values_recompute_enqueue(
            actor=request.user, period=period, region_code=region_code
        )
    except ValidationError as exc:
        if "region" in exc.message_dict:
            raise Http404 from None
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The recomputation of %(period)s runs in the background.") % {"period": period}
        )
        return redirect("job-detail", pk=job.pk)
    target = (
        reverse("cockpit")
        if region_code == settings.LAOXIAO_CITY_CODE
        else reverse("cockpit-region", args=[region_code])
    )
    return redirect(f"{target}?{urlencode({'period': period})}" if period else target)
