"""Supervision pages: the office's dashboard, lists with filters, a provider's supervision page with
its credit explanation and grade history, and the forms that record what the office does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.forms import run_action
from laoxiao.core.paging import page_of
from laoxiao.supervision import actions, forms, selectors
from laoxiao.supervision.models import (
    Complaint,
    CreditRating,
    Incident,
    Inspection,
    InspectionItem,
    RectificationOrder,
    RiskSignal,
)


class AuthedRequest(HttpRequest):
    """A request behind ``login_required``: ``user`` is a signed-in User."""

    user: User


PART_LABELS = {
    "inspections": gettext_lazy("Inspection results in the last 12 months"),
    "complaints": gettext_lazy("Substantiated complaints in the last 12 months"),
    "incidents": gettext_lazy("Incidents in the last 12 months"),
    "rectifications": gettext_lazy("Rectification orders open past their deadline"),
    "risk_signals": gettext_lazy("Illegal fund-raising risk signals"),
    "filing": gettext_lazy("Filing status"),
    "documents": gettext_lazy("Expired filing documents"),
}


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _page(request: AuthedRequest, qs: Any, per_page: int = 50) -> Any:
    return page_of(qs, request.GET.get("page"), per_page=per_page)


def _filters(request: AuthedRequest, *names: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in names:
        v = request.GET.get(n) or None
        out[n] = _date(v) if n.startswith("date_") else v
    return out


def _list(
    request: AuthedRequest, template: str, qs: Any, filters: dict[str, Any], **extra: Any
) -> HttpResponse:
    return render(
        request,
        template,
        {"page": _page(request, qs), "f": {k: (v or "") for k, v in filters.items()}, **extra},
    )


# --- dashboard ---------------------------------------------------------------------------------


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    data = selectors.dashboard(actor=request.user)
    return render(request, "supervision/dashboard.html", {"d": data})


@login_required
def due_list(request: AuthedRequest) -> HttpResponse:
    region = request.GET.get("region") or None
    rows = selectors.inspections_due(actor=request.user, region=region)
    return render(request, "supervision/due_list.html", {"rows": rows, "region": region or ""})


# --- inspections -------------------------------------------------------------------------------


@login_required
def inspection_list(request: AuthedRequest) -> HttpResponse:
    f = _filters(request, "provider", "status", "kind", "region", "date_from", "date_to")
    qs = selectors.inspection_list(actor=request.user, **f)
    return _list(
        request,
        "supervision/inspection_list.html",
        qs,
        f,
        results=Inspection.Result.choices,
        kinds=Inspection.Kind.choices,
    )


@login_required
def inspection_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get(actor=request.user, pk=pk)
    return render(
        request,
        "supervision/inspection_detail.html",
        {"inspection": inspection, "follow_up": forms.FollowUpForm(initial={"on": clock.today()})},
    )


def _checklist(provider: Any, post: Any = None) -> list[dict[str, Any]]:
    rows = actions.checklist_for(provider) if provider else []
    for r in rows:
        r["finding"] = (post or {}).get(f"finding_{r['code']}", "")
        r["note"] = (post or {}).get(f"note_{r['code']}", "")
    return rows


@login_required
def inspection_checklist(request: AuthedRequest) -> HttpResponse:
    """The checklist rows of the chosen provider (htmx fragment of the inspection form)."""
    uscc = request.GET.get("provider") or ""
    provider = selectors.provider_get(actor=request.user, uscc=uscc) if uscc else None
    return render(
        request,
        "supervision/_checklist.html",
        {"items": _checklist(provider), "findings": InspectionItem.Finding.choices},
    )


@login_required
def inspection_new(request: AuthedRequest) -> HttpResponse:
    providers = selectors.provider_choices(actor=request.user)
    uscc = request.POST.get("provider") or request.GET.get("provider") or ""
    provider = None
    if uscc:
        provider = selectors.provider_get(actor=request.user, uscc=uscc)
    if request.method == "POST":
        form = forms.InspectionForm(request.POST, providers=providers)
        if form.is_valid() and provider is not None:
            items = [
                {"code": r["code"], "finding": r["finding"], "note": r["note"]}
                for r in _checklist(provider, request.POST)
                if r["finding"]
            ]
            orders = []
            for n in range(5):
                req = (request.POST.get(f"order_requirement_{n}") or "").strip()
                if req:
                    orders.append(
                        {
                            "requirement": req,
                            "deadline": _date(request.POST.get(f"order_deadline_{n}")),
                            "item_code": request.POST.get(f"order_item_{n}") or None,
                        }
                    )
            c = form.cleaned_data
            inspection = run_action(
                form,
                lambda: actions.inspection_record(
                    actor=request.user,
                    provider=provider,
                    date=c["date"],
                    kind=c["kind"],
                    inspectors=c["inspectors"],
                    result=c["result"],
                    summary=c["summary"],
                    items=items,
                    orders=orders,
                ),
            )
            if inspection is not None:
                messages.success(request, _("Inspection recorded."))
                return redirect("supervision-inspection", pk=inspection.pk)
    else:
        form = forms.InspectionForm(providers=providers, initial={"provider": uscc, "date": clock.today()})
    form.fields["provider"].widget.attrs.update(
        {"hx-get": reverse("supervision-checklist"), "hx-target": "#checklist-box", "hx-trigger": "change"}
    )
    return render(
        request,
        "supervision/inspection_form.html",
        {
            "form": form,
            "items": _checklist(provider, request.POST if request.method == "POST" else None),
            "findings": InspectionItem.Finding.choices,
            "order_rows": [
                {
                    "n": n,
                    "requirement": request.POST.get(f"order_requirement_{n}", ""),
                    "deadline": request.POST.get(f"order_deadline_{n}", ""),
                    "item": request.POST.get(f"order_item_{n}", ""),
                }
                for n in range(5)
            ],
        },
    )


@login_required
@require_POST
def rectification_follow_up(request: AuthedRequest, pk: int) -> HttpResponse:
    order = selectors.rectification_get(actor=request.user, pk=pk)
    form = forms.FollowUpForm(request.POST)
    if form.is_valid():
        c = form.cleaned_data
        done = run_action(
            form,
            lambda: actions.rectification_follow_up(
                actor=request.user, order=order, on=c["on"], done=c["done"], note=c["note"]
            ),
        )
        if done is not None:
            messages.success(request, _("Follow-up recorded."))
            return redirect("supervision-inspection", pk=order.inspection_id)
    for errs in form.errors.values():
        for e in errs:
            messages.error(request, str(e))
    return redirect("supervision-inspection", pk=order.inspection_id)


@login_required
def rectification_list(request: AuthedRequest) -> HttpResponse:
    f = _filters(request, "provider", "status")
    qs = selectors.rectification_list(actor=request.user, **f)
    return _list(
        request,
        "supervision/rectification_list.html",
        qs,
        f,
        statuses=RectificationOrder.Status.choices,
        today=clock.today(),
    )


# --- simple create forms -----------------------------------------------------------------------


def _create(
    request: AuthedRequest,
    form_class: Any,
    title: str,
    run: Callable[[Any, dict[str, Any]], Any],
    done: Callable[[Any], str],
    initial: dict[str, Any],
) -> HttpResponse:
    providers = selectors.provider_choices(actor=request.user)
    if request.method == "POST":
        form = form_class(request.POST, providers=providers)
        if form.is_valid():
            c = form.cleaned_data
            provider = selectors.provider_get(actor=request.user, uscc=c["provider"])
            obj = run_action(form, lambda: run(provider, c))
            if obj is not None:
                messages.success(request, _("Recorded."))
                return redirect(done(obj))
    else:
        form = form_class(
            providers=providers, initial={"provider": request.GET.get("provider", ""), **initial}
        )
    return render(request, "supervision/form.html", {"form": form, "title": title})


@login_required
def complaint_new(request: AuthedRequest) -> HttpResponse:
    return _create(
        request,
        forms.ComplaintForm,
        _("Register a complaint"),
        lambda inst, c: actions.complaint_receive(
            actor=request.user,
            provider=inst,
            received_on=c["received_on"],
            source=c["source"],
            category=c["category"],
            description=c["description"],
        ),
        lambda obj: reverse("supervision-complaint", args=[obj.pk]),
        {"received_on": clock.today()},
    )


@login_required
def incident_new(request: AuthedRequest) -> HttpResponse:
    return _create(
        request,
        forms.IncidentForm,
        _("Report an incident"),
        lambda inst, c: actions.incident_report(
            actor=request.user,
            provider=inst,
            occurred_at=c["occurred_at"],
            reported_at=c["reported_at"],
            kind=c["kind"],
            severity=c["severity"],
            description=c["description"],
        ),
        lambda obj: reverse("supervision-incident", args=[obj.pk]),
        {},
    )


@login_required
def risk_signal_new(request: AuthedRequest) -> HttpResponse:
    return _create(
        request,
        forms.RiskSignalForm,
        _("Record an illegal fund-raising risk signal"),
        lambda inst, c: actions.risk_signal_record(
            actor=request.user,
            provider=inst,
            kind=c["kind"],
            detected_on=c["detected_on"],
            amount=c["amount"],
            description=c["description"],
        ),
        lambda obj: reverse("supervision-risk-signal", args=[obj.pk]),
        {"detected_on": clock.today()},
    )


# --- complaints --------------------------------------------------------------------------------


@login_required
def complaint_list(request: AuthedRequest) -> HttpResponse:
    f = _filters(request, "provider", "status", "category", "region", "date_from", "date_to")
    past = request.GET.get("past_deadline") == "1"
    qs = selectors.complaint_list(actor=request.user, past_deadline=past, **f)
    return _list(
        request,
        "supervision/complaint_list.html",
        qs,
        f,
        past_deadline=past,
        statuses=Complaint.Status.choices,
        categories=Complaint.Category.choices,
        today=clock.today(),
    )


@login_required
def complaint_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get(actor=request.user, pk=pk)
    form = forms.ComplaintStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        step = run_action(
            form,
            lambda: actions.complaint_step_add(
                actor=request.user,
                complaint=complaint,
                action=c["action"],
                note=c["note"],
                outcome=c["outcome"] or None,
                substantiated=c["substantiated"],
            ),
        )
        if step is not None:
            messages.success(request, _("Step recorded."))
            return redirect("supervision-complaint", pk=pk)
    return render(
        request,
        "supervision/complaint_detail.html",
        {"complaint": complaint, "form": form, "today": clock.today()},
    )


# --- incidents ---------------------------------------------------------------------------------


@login_required
def incident_list(request: AuthedRequest) -> HttpResponse:
    f = _filters(request, "provider", "status", "kind", "severity", "region", "date_from", "date_to")
    late = {"1": True, "0": False}.get(request.GET.get("late", ""))
    qs = selectors.incident_list(actor=request.user, late=late, **f)
    return _list(
        request,
        "supervision/incident_list.html",
        qs,
        f,
        late=request.GET.get("late", ""),
        kinds=Incident.Kind.choices,
        severities=Incident.Severity.choices,
    )


@login_required
def incident_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_get(actor=request.user, pk=pk)
    form = forms.IncidentCloseForm(request.POST or None, initial={"closed_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        done = run_action(
            form,
            lambda: actions.incident_close(
                actor=request.user, incident=incident, handling=c["handling"], closed_on=c["closed_on"]
            ),
        )
        if done is not None:
            messages.success(request, _("Incident closed."))
            return redirect("supervision-incident", pk=pk)
    return render(request, "supervision/incident_detail.html", {"incident": incident, "form": form})


# --- risk signals and alerts -------------------------------------------------------------------


@login_required
def risk_signal_list(request: AuthedRequest) -> HttpResponse:
    f = _filters(request, "provider", "status", "kind", "region", "date_from", "date_to")
    qs = selectors.risk_signal_list(actor=request.user, **f)
    return _list(
        request,
        "supervision/risk_signal_list.html",
        qs,
        f,
        statuses=RiskSignal.Status.choices,
        kinds=RiskSignal.Kind.choices,
    )


@login_required
def risk_signal_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    signal = selectors.risk_signal_get(actor=request.user, pk=pk)
    form = forms.RiskStatusForm(request.POST or None, initial={"status": signal.status})
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        done = run_action(
            form,
            lambda: actions.risk_signal_set_status(
                actor=request.user, signal=signal, status=c["status"], note=c["note"]
            ),
        )
        if done is not None:
            messages.success(request, _("Status recorded."))
            return redirect("supervision-risk-signal", pk=pk)
    return render(request, "supervision/risk_signal_detail.html", {"signal": signal, "form": form})


@login_required
def alert_list(request: AuthedRequest) -> HttpResponse:
    f = _filters(request, "provider", "status", "date_from", "date_to")
    if "status" not in request.GET:
        f["status"] = "open"
    qs = selectors.alert_list(actor=request.user, **f)
    return _list(request, "supervision/alert_list.html", qs, f)


@login_required
@require_POST
def alert_acknowledge(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(actor=request.user, pk=pk)
    alert = actions.alert_acknowledge(actor=request.user, alert=alert)
    if request.htmx:
        return render(request, "supervision/_alert_row.html", {"a": alert})
    messages.success(request, _("Alert acknowledged."))
    return redirect("supervision-alerts")


# --- a provider's supervision page -------------------------------------------------------------


def _labelled(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**p, "display": PART_LABELS.get(p["code"], p["label"])} for p in parts]


@login_required
def provider_page(request: AuthedRequest, uscc: str) -> HttpResponse:
    provider = selectors.provider_get(actor=request.user, uscc=uscc)
    records = selectors.provider_records(actor=request.user, provider=provider)
    rating = records["ratings"][0] if records["ratings"] else None
    return render(
        request,
        "supervision/provider.html",
        {
            "inst": provider,
            "r": records,
            "rating": rating,
            "parts": _labelled(rating.parts) if rating else [],
            "summary": selectors.supervision_summary(provider),
            "grade_now": selectors.latest_grade(provider),
            "grade_form": forms.GradeForm(initial={"rated_on": clock.today()}),
            "demo_form": forms.DemonstrationForm(initial={"decided_on": clock.today()}),
            "is_home": provider.kind == "eldercare_home",
        },
    )


@login_required
def provider_credit(request: AuthedRequest, uscc: str) -> HttpResponse:
    """The credit page: every part of the latest (or ``?id=``) rating with its points and records."""
    provider = selectors.provider_get(actor=request.user, uscc=uscc)
    ratings = list(selectors.credit_list(actor=request.user, provider=provider.uscc))
    rating: CreditRating | None = ratings[0] if ratings else None
    if request.GET.get("id"):
        rating = next((r for r in ratings if str(r.pk) == request.GET["id"]), rating)
    return render(
        request,
        "supervision/credit.html",
        {
            "inst": provider,
            "rating": rating,
            "ratings": ratings,
            "parts": _labelled(rating.parts) if rating else [],
        },
    )


@login_required
@require_POST
def provider_credit_compute(request: AuthedRequest, uscc: str) -> HttpResponse:
    provider = selectors.provider_get(actor=request.user, uscc=uscc)
    actions.credit_compute(actor=request.user, provider=provider, on=clock.today())
    messages.success(request, _("Credit rating computed."))
    return redirect("supervision-credit", uscc=provider.uscc)


@login_required
@require_POST
def grade_new(request: AuthedRequest, uscc: str) -> HttpResponse:
    provider = selectors.provider_get(actor=request.user, uscc=uscc)
    form = forms.GradeForm(request.POST)
    if form.is_valid():
        c = form.cleaned_data
        run_action(
            form,
            lambda: actions.grade_record(
                actor=request.user,
                provider=provider,
                grade=c["grade"],
                rated_on=c["rated_on"],
                body=c["body"],
                valid_until=c["valid_until"],
                note=c["note"],
            ),
        )
    _report(request, form, _("Grade recorded."))
    return redirect("supervision-provider", uscc=provider.uscc)


@login_required
@require_POST
def grade_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    grade = selectors.grade_get(actor=request.user, pk=pk)
    actions.grade_revoke(actor=request.user, rating=grade, on=clock.today())
    messages.success(request, _("Grade revoked."))
    return redirect("supervision-provider", uscc=grade.provider.uscc)


@login_required
@require_POST
def demonstration_new(request: AuthedRequest, uscc: str) -> HttpResponse:
    provider = selectors.provider_get(actor=request.user, uscc=uscc)
    form = forms.DemonstrationForm(request.POST)
    if form.is_valid():
        c = form.cleaned_data
        run_action(
            form,
            lambda: actions.demonstration_decide(
                actor=request.user,
                provider=provider,
                granted=c["granted"],
                decided_on=c["decided_on"],
                body=c["body"],
                note=c["note"],
            ),
        )
    _report(request, form, _("Decision recorded."))
    return redirect("supervision-provider", uscc=provider.uscc)


def _report(request: AuthedRequest, form: Any, ok: str) -> None:
    if form.errors:
        for field, errs in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for e in errs:
                messages.error(request, f"{label}: {e}" if label else e)
    else:
        messages.success(request, ok)
