"""The claims pages: claims to approve (by month and status), a claim's page (totals, lines,
call-backs with answer forms, approve and return buttons for who may) and its xlsx statement."""

# (views read request.user, set by the middleware)

from __future__ import annotations

import io
from typing import Any

import xlsxwriter
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laoxiao.core import access
from laoxiao.core.forms import HardenedForm, run_action
from laoxiao.core.paging import page_of
from laoxiao.services.actions import claims as actions
from laoxiao.services.importers.claims import yuan
from laoxiao.services.models import Callback, ServiceClaim
from laoxiao.services.selectors import claims as selectors

ANSWERS = [(v, label) for v, label in Callback.Answer.choices if v != Callback.Answer.PENDING]


class ApproveForm(HardenedForm):
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)


class ReturnForm(HardenedForm):
    note = forms.CharField(label=gettext_lazy("Why it goes back"), max_length=500)


class CallbackForm(HardenedForm):
    callback = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    answer = forms.ChoiceField(label=gettext_lazy("Answer"), choices=ANSWERS)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)


def _may_answer(user: Any) -> bool:
    return bool(access.has_sector(user, "eldercare") and not access.provider_id_of(user))


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    f = {k: (request.GET.get(k) or "").strip() for k in ("period", "status", "provider")}
    try:
        qs = selectors.claim_list(actor=request.user, **{k: v or None for k, v in f.items()})
    except forms.ValidationError:
        qs = ServiceClaim.objects.none()
    page = page_of(qs, request.GET.get("page"), per_page=50, params=request.GET)
    return render(
        request,
        "services/claims_list.html",
        {"page": page, "f": f, "statuses": ServiceClaim.Status.choices},
    )


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_get(actor=request.user, pk=pk)
    approve_form = ApproveForm(prefix="approve")
    return_form = ReturnForm(prefix="return")
    callback_form = CallbackForm(prefix="cb")
    if request.method == "POST":
        what = request.POST.get("what")
        done: Any = None
        if what == "approve":
            approve_form = ApproveForm(request.POST, prefix="approve")
            if approve_form.is_valid():
                note = approve_form.cleaned_data["note"]
                done = run_action(
                    approve_form, lambda: actions.claim_approve(actor=request.user, claim=claim, note=note)
                )
        elif what == "return":
            return_form = ReturnForm(request.POST, prefix="return")
            if return_form.is_valid():
                note = return_form.cleaned_data["note"]
                done = run_action(
                    return_form, lambda: actions.claim_return(actor=request.user, claim=claim, note=note)
                )
        elif what == "callback":
            callback_form = CallbackForm(request.POST, prefix="cb")
            if callback_form.is_valid():
                c = callback_form.cleaned_data
                cb = selectors.callback_list(actor=request.user, claim=claim).filter(pk=c["callback"]).first()
                if cb is None:
                    callback_form.add_error("callback", _("No such call-back."))
                else:
                    done = run_action(
                        callback_form,
                        lambda: actions.callback_answer(
                            actor=request.user, callback=cb, answer=c["answer"], note=c["note"]
                        ),
                    )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("services-claim", pk=pk)
    lines = page_of(selectors.claim_lines(claim), request.GET.get("page"), per_page=100, params=request.GET)
    may_decide = (
        claim.status == ServiceClaim.Status.PREPARED
        and actions.can_approve(request.user, claim)
        and claim.prepared_by_id != request.user.pk
    )
    return render(
        request,
        "services/claims_detail.html",
        {
            "claim": claim,
            "page": lines,
            "f": {},
            "callbacks": list(selectors.callback_list(actor=request.user, claim=claim)),
            "may_decide": may_decide,
            "may_answer": _may_answer(request.user) and claim.status != ServiceClaim.Status.APPROVED,
            "answers": ANSWERS,
            "approve_form": approve_form,
            "return_form": return_form,
            "callback_form": callback_form,
            "claimed": yuan(claim.amount_claimed_fen),
            "payable": yuan(claim.amount_payable_fen),
        },
    )


@login_required
def claim_statement(request: HttpRequest, pk: int) -> HttpResponse:
    """The claim's statement: its totals and every line, as xlsx (amounts in yuan)."""
    claim = selectors.claim_get(actor=request.user, pk=pk)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet(f"{claim.period:%Y-%m}")
    bold = book.add_format({"bold": True, "bg_color": "#F1F5F9"})
    money = book.add_format({"num_format": "0.00"})
    head = [
        (_("Provider"), claim.provider.name),
        (_("Credit code"), claim.provider.uscc),
        (_("Month"), f"{claim.period:%Y-%m}"),
        (_("Status"), str(claim.get_status_display())),
        (_("Visits"), claim.visits),
        (_("Verified"), claim.verified),
        (_("Flagged"), claim.flagged),
        (_("Minutes"), claim.minutes),
        (_("Claimed (yuan)"), claim.amount_claimed_fen / 100),
        (_("Payable (yuan)"), claim.amount_payable_fen / 100),
        (_("Signature"), claim.signature),
    ]
    for i, (label, value) in enumerate(head):
        sheet.write_string(i, 0, str(label), bold)
        if isinstance(value, str):
            sheet.write_string(i, 1, value)
        else:
            sheet.write(i, 1, value, money if isinstance(value, float) else None)
    row = len(head) + 1
    columns = [_("Visit"), _("Day"), _("Item"), _("Minutes"), _("Price (yuan)"), _("Payable (yuan)")]
    for j, label in enumerate(columns):
        sheet.write_string(row, j, str(label), bold)
    for line in selectors.claim_lines(claim).iterator(chunk_size=2000):
        row += 1
        sheet.write_number(row, 0, line.visit_id)
        sheet.write_string(row, 1, line.visit.service_day.isoformat())
        sheet.write_string(row, 2, str(line.visit.item_id))
        sheet.write_number(row, 3, line.visit.minutes)
        sheet.write_number(row, 4, line.price_fen / 100, money)
        sheet.write_number(row, 5, line.payable_fen / 100, money)
    sheet.set_column(0, 5, 16)
    book.close()
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"claim-{claim.provider.uscc}-{claim.period:%Y-%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
