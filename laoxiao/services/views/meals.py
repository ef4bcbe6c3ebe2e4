"""Meal pages: the meal points, a point's day (meals served) and month (per day, the settlement,
build and approve)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from laoxiao.core import clock
from laoxiao.core.paging import page_of
from laoxiao.services.actions import meals as actions
from laoxiao.services.actions.offices import is_county_office
from laoxiao.services.models import MealSettlement
from laoxiao.services.selectors import meals as selectors


def _day(raw: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def _month(raw: str | None) -> dt.date:
    try:
        return dt.date(int(raw[:4]), int(raw[5:7]), 1) if raw else clock.today().replace(day=1)
    except (ValueError, TypeError):
        return clock.today().replace(day=1)


@login_required
def meal_points(request: HttpRequest) -> HttpResponse:
    page = page_of(selectors.meal_points(actor=request.user), request.GET.get("page"), per_page=50)
    return render(request, "services/meals_points.html", {"page": page, "f": {}})


@login_required
def meal_day(request: HttpRequest, uscc: str) -> HttpResponse:
    point = selectors.provider_get(actor=request.user, uscc=uscc)
    day = _day(request.GET.get("day"), clock.today())
    rows = selectors.meals_of(actor=request.user, provider=point, day_from=day, day_to=day)
    meals = list(rows[:500])
    totals = {
        "meals": len(meals),
        "subsidised": sum(1 for m in meals if m.subsidy_fen),
        "price_fen": sum(m.price_fen for m in meals),
        "subsidy_fen": sum(m.subsidy_fen for m in meals),
    }
    return render(
        request,
        "services/meals_day.html",
        {
            "point": point,
            "day": day,
            "meals": meals,
            "totals": totals,
            "prev": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
        },
    )


@login_required
def meal_month(request: HttpRequest, uscc: str) -> HttpResponse:
    point = selectors.provider_get(actor=request.user, uscc=uscc)
    period = _month(request.GET.get("period"))
    settlement = selectors.settlements_of(actor=request.user, provider=point).filter(period=period).first()
    can_approve = bool(
        settlement
        and settlement.status == MealSettlement.Status.PREPARED
        and is_county_office(request.user, settlement.region_code)
        and settlement.prepared_by_id != request.user.pk
    )
    return render(
        request,
        "services/meals_month.html",
        {
            "point": point,
            "period": period,
            "days": selectors.meal_day_totals(actor=request.user, provider=point, period=period),
            "settlement": settlement,
            "can_approve": can_approve,
        },
    )


def _month_url(uscc: str, period: dt.date) -> str:
    return f"{reverse('services-meals-month', args=[uscc])}?period={period:%Y-%m}"


@login_required
@require_POST
def meal_settlement_build(request: HttpRequest, uscc: str) -> HttpResponse:
    point = selectors.provider_get(actor=request.user, uscc=uscc)
    period = _month(request.POST.get("period"))
    actions.meal_settlement_build(actor=request.user, period=period, provider=point)
    messages.success(request, _("The settlement is built from the meals."))
    return redirect(_month_url(point.uscc, period))


@login_required
@require_POST
def meal_settlement_approve(request: HttpRequest, pk: int) -> HttpResponse:
    settlement = selectors.settlement_get(actor=request.user, pk=pk)
    try:
        actions.meal_settlement_approve(actor=request.user, settlement=settlement)
        messages.success(request, _("The settlement is approved."))
    except (ValidationError, PermissionDenied) as exc:  # shown on the month page
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
    return redirect(_month_url(settlement.provider.uscc, settlement.period))
