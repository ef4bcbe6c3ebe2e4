"""Pages of the plans: the list (with the upload of a plan file, kind ``plan`` of the imports) and
one plan (its indicators and tasks; a draft's targets and baselines edited inline; put in force,
close, new version). Every write goes through ``laoxiao.plan.actions.plans``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from laoxiao.core.access import is_city_admin
from laoxiao.imports.base import ImportReport, run_import
from laoxiao.imports.views import SHOWN_ERRORS
from laoxiao.plan import selectors
from laoxiao.plan.actions import plans as actions
from laoxiao.plan.selectors.plans import plan_get, plan_list


@login_required
def plans_page(request: HttpRequest) -> HttpResponse:
    report: ImportReport | dict[str, bool] | None = None
    if request.method == "POST":
        if not is_city_admin(request.user):
            raise PermissionDenied
        upload = request.FILES.get("file")
        if upload is None:
            report = {"missing_file": True}
        else:
            report = run_import(
                "plan",
                upload,
                actor=request.user,
                filename=upload.name,
                dry_run=bool(request.POST.get("dry_run")),
                options={k: request.POST[k] for k in ("plan_code", "name") if request.POST.get(k)},
            )
    plans = plan_list().prefetch_related("indicators", "tasks")
    rows = [(p, p.indicators.count(), p.tasks.count()) for p in plans]
    shown = report.errors[:SHOWN_ERRORS] if isinstance(report, ImportReport) else []
    return render(
        request,
        "plan/plans/list.html",
        {"rows": rows, "report": report, "shown_errors": shown, "can_edit": is_city_admin(request.user)},
    )


@login_required
def plan_detail(request: HttpRequest, code: str) -> HttpResponse:
    plan = plan_get(code)
    return render(
        request,
        "plan/plans/detail.html",
        {
            "plan": plan,
            "indicators": list(selectors.indicator_list(plan=plan)),
            "tasks": list(selectors.task_list(plan=plan)),
            "can_edit": is_city_admin(request.user),
            "comparators": [("gte", "≥"), ("gt", ">"), ("eq", "="), ("lte", "≤"), ("lt", "<")],
        },
    )


def _run(request: HttpRequest, action: object) -> bool:
    try:
        action()  # type: ignore[operator]
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        return True
    return False


@login_required
@require_POST
def plan_step(request: HttpRequest, code: str, step: str) -> HttpResponse:
    """``in-force``, ``close`` or ``version`` (with ``reason``)."""
    plan = plan_get(code)
    if step == "in-force":
        if _run(request, lambda: actions.plan_put_in_force(request.user, plan)):
            messages.success(request, _("The plan is in force."))
    elif step == "close":
        if _run(request, lambda: actions.plan_close(request.user, plan)):
            messages.success(request, _("The plan is closed."))
    elif step == "version":
        made: list[object] = []
        ok = _run(
            request,
            lambda: made.append(actions.plan_new_version(request.user, plan, request.POST.get("reason", ""))),
        )
        if ok:
            messages.success(request, _("A new version was made as a draft."))
            return redirect("plan-detail", code=made[0].code)
    else:
        return HttpResponse(status=404)
    return redirect("plan-detail", code=plan.code)


@login_required
@require_POST
def indicator_edit(request: HttpRequest, code: str, icode: str) -> HttpResponse:
    plan = plan_get(code)
    indicator = selectors.indicator_get(code=icode, plan=plan)
    fields = ("baseline", "target", "comparator", "name", "unit", "responsible_unit")
    data = {k: request.POST[k] for k in fields if k in request.POST}
    if _run(request, lambda: actions.indicator_update(request.user, indicator, data)):
        messages.success(request, _("Indicator %(code)s saved.") % {"code": indicator.code})
    return redirect(f"/plan/plans/{plan.code}/#{indicator.code}")
