"""The final evaluation of a plan (终期评估): ``/plan/plans/<code>/evaluation/`` (page; ``?print=1``
or ``print/``: a printable page with the city's heading and no navigation), ``download/`` (xlsx),
and ``next/`` (POST, city administrators: start the next plan from this one).

Signed-in staff who read indicator values (``can_read_values``) see it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from laoxiao.core.access import is_city_admin
from laoxiao.plan.actions.next_plan import plan_start_next
from laoxiao.plan.evaluation import Cell, Evaluation, plan_evaluation
from laoxiao.plan.exports.evaluation import (
    achieved_zh,
    evaluation_bytes,
    evaluation_filename,
    gap_percent,
    reason_zh,
    title,
)
from laoxiao.plan.models import Plan
from laoxiao.plan.selectors.plans import plan_get
from laoxiao.plan.selectors.values import can_read_values
from laoxiao.plan.table1 import display_number, target_text


def _plan(request: HttpRequest, code: str) -> Plan:
    if not can_read_values(request.user):
        raise PermissionDenied
    return plan_get(code)


def _cell(cell: Cell) -> dict[str, Any]:
    return {
        "value": display_number(cell.value) if cell.value is not None else None,
        "reason": reason_zh(cell.reason),
        "achieved": cell.achieved,
        "achieved_text": achieved_zh(cell.achieved),
    }


def page_context(e: Evaluation) -> dict[str, Any]:
    """The figures of the page (the same cells as the workbook)."""
    return {
        "e": e,
        "title": title(e),
        "rows": [
            {
                "indicator": r.indicator,
                "target": target_text(r.indicator),
                "city": _cell(r.city),
                "counties": [_cell(c) for c in r.counties],
            }
            for r in e.indicators
        ],
        "gaps": [
            {
                "indicator": r.indicator,
                "target": target_text(r.indicator),
                "value": _cell(r.city)["value"],
                "gap": gap_percent(r.gap),
            }
            for r in e.gaps
        ],
    }


@login_required
def evaluation_page(request: HttpRequest, code: str, printable: bool = False) -> HttpResponse:
    plan = _plan(request, code)
    e = plan_evaluation(plan=plan)
    context = {**page_context(e), "plan": plan, "may_start_next": is_city_admin(request.user)}
    if printable or request.GET.get("print") == "1":
        return render(request, "plan/evaluation/print.html", context)
    return render(request, "plan/evaluation/evaluation.html", context)


@login_required
def evaluation_print(request: HttpRequest, code: str) -> HttpResponse:
    return evaluation_page(request, code, printable=True)


@login_required
def evaluation_download(request: HttpRequest, code: str) -> HttpResponse:
    e = plan_evaluation(plan=_plan(request, code))
    response = HttpResponse(
        evaluation_bytes(e),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f"attachment; filename=\"evaluation_{e.plan.code}.xlsx\"; filename*=UTF-8''"
        f"{quote(evaluation_filename(e))}"
    )
    return response


@login_required
@require_POST
def evaluation_next(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(request, code)
    if not is_city_admin(request.user):
        raise PermissionDenied
    page = reverse("plan-evaluation", args=[plan.code])
    try:
        new = plan_start_next(request.user, plan)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(page)
    messages.success(request, _("The draft plan %(code)s was started; set its targets.") % {"code": new.code})
    return redirect(reverse("plan-evaluation", args=[new.code]))
