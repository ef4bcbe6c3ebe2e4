"""The officers' visit review queue: held visits of their regions, filterable by flag and
provider, each with its six elements, distance, flags with reasons and the worker's overlapping
visit; clear or reject with a note."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from laoxiao.core.forms import run_action
from laoxiao.services.actions.visits import visit_review
from laoxiao.services.forms_visits import ReviewForm
from laoxiao.services.models import ServiceVisit
from laoxiao.services.selectors import visits as selectors
from laoxiao.services.verification import FLAGS

PER_PAGE = 50


def _queue(request: HttpRequest, form_for: dict[int, Any] | None = None) -> HttpResponse:
    f = {k: request.GET.get(k) or None for k in ("flag", "provider")}
    qs = selectors.visit_list(
        actor=request.user, status=ServiceVisit.Status.HELD, flag=f["flag"], provider=f["provider"]
    ).select_related("elder")
    try:
        page_no = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page_no = 1
    page = list(qs[(page_no - 1) * PER_PAGE : page_no * PER_PAGE + 1])
    more = len(page) > PER_PAGE
    page = page[:PER_PAGE]
    others = selectors.overlapping(page)
    rows = [
        {
            "v": v,
            "reasons": [(code, FLAGS.get(code, code), v.flag_detail.get(code, "")) for code in v.flags],
            "other": others.get(v.pk),
            "form": (form_for or {}).get(v.pk) or ReviewForm(prefix=f"v{v.pk}"),
        }
        for v in page
    ]
    return render(
        request,
        "services/visits_review.html",
        {"rows": rows, "f": f, "flags": FLAGS, "page_no": page_no, "more": more},
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    return _queue(request)


@login_required
@require_POST
def review_visit(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get(actor=request.user, pk=pk)
    form = ReviewForm(request.POST, prefix=f"v{pk}")
    if form.is_valid():
        done = run_action(
            form,
            lambda: visit_review(
                actor=request.user,
                visit=visit,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            ),
            denied=True,
        )
        if done is not None:
            messages.success(request, _("Visit reviewed."))
            return redirect("services-review")
    return _queue(request, {pk: form})
