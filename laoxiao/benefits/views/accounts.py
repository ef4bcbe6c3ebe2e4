"""The benefits pages: a person's payments (current account masked with a reveal button, the
payment items, the overpayments, an account form for who may set it), the overpayments (list,
detail with its step buttons) and a batch's anti-fraud checks panel (``_batch_checks.html``, also
included by the batch page). ``urlpatterns`` here is included by ``benefits/urls.py``."""

# (views read request.user, set by the middleware)

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laoxiao.benefits.actions import accounts as account_actions
from laoxiao.benefits.actions import overpayments as op_actions
from laoxiao.benefits.models import Overpayment, PaymentBatch
from laoxiao.benefits.selectors import accounts as selectors
from laoxiao.benefits.selectors.checks import batch_checks
from laoxiao.benefits.selectors.overpayments import overpayment_get, overpayments_visible
from laoxiao.core import access
from laoxiao.core.forms import HardenedForm, run_action
from laoxiao.core.paging import page_of

St = Overpayment.Status


def yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


class AccountForm(HardenedForm):
    bank_code = forms.CharField(label=gettext_lazy("Bank code"), max_length=20)
    account_number = forms.CharField(label=gettext_lazy("Account number"), max_length=40)
    account_name = forms.CharField(label=gettext_lazy("Account holder"), max_length=100)


class NoteForm(HardenedForm):
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)


class ReasonForm(HardenedForm):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)


class RecoverForm(HardenedForm):
    amount = forms.DecimalField(
        label=gettext_lazy("Recovered (yuan)"), min_value=0, max_digits=14, decimal_places=2
    )
    recovered_before = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


def _who(obj: Any) -> account_actions.Beneficiary:
    label = obj._meta.label_lower
    if label == "people.elder":
        return account_actions.beneficiary(elder=obj)
    if label == "people.child":
        return account_actions.beneficiary(child=obj)
    return account_actions.beneficiary(provider=obj)


@login_required
def person_payments(request: HttpRequest, key: str) -> HttpResponse:
    subject = selectors.beneficiary_of(actor=request.user, beneficiary_key=key)
    who = _who(subject)
    may_set = access.allowed(account_actions.require_account_officer, request.user, who)
    form = AccountForm(prefix="acc")
    if request.method == "POST" and may_set:
        form = AccountForm(request.POST, prefix="acc")
        if form.is_valid():
            c = form.cleaned_data
            done = run_action(
                form,
                lambda: account_actions.account_set(
                    actor=request.user,
                    elder=who.elder,
                    child=who.child,
                    provider=who.provider,
                    bank_code=c["bank_code"],
                    account_number=c["account_number"],
                    account_name=c["account_name"],
                ),
            )
            if done is not None:
                messages.success(request, _("The account is saved."))
                return redirect("benefits-person", key=who.key)
    items = page_of(
        selectors.items_of(actor=request.user, beneficiary_key=who.key),
        request.GET.get("page"),
        per_page=50,
        params=request.GET,
    )
    return render(
        request,
        "benefits/accounts_person.html",
        {
            "subject": subject,
            "key": who.key,
            "account": selectors.current_account(actor=request.user, beneficiary_key=who.key),
            "earlier": list(
                selectors.accounts_of(actor=request.user, beneficiary_key=who.key).filter(active=False)[:10]
            ),
            "page": items,
            "f": {},
            "rows": [(i, yuan(i.amount_fen)) for i in items],
            "overpayments": [
                (o, yuan(o.amount_fen), yuan(o.recovered_fen))
                for o in selectors.overpayments_of(actor=request.user, beneficiary_key=who.key)
            ],
            "may_set": may_set,
            "form": form,
        },
    )


@login_required
def overpayment_list(request: HttpRequest) -> HttpResponse:
    f = {k: (request.GET.get(k) or "").strip() for k in ("status", "programme")}
    status = f["status"] if f["status"] in St.values else None
    qs = overpayments_visible(actor=request.user, status=status, programme=f["programme"] or None)
    page = page_of(qs, request.GET.get("page"), per_page=50, params=request.GET)
    return render(
        request,
        "benefits/accounts_overpayments.html",
        {"page": page, "f": f, "statuses": St.choices, "rows": [(o, yuan(o.amount_fen)) for o in page]},
    )


def _overpayment_post(request: HttpRequest, op: Overpayment) -> tuple[Any, dict[str, Any]]:
    what = request.POST.get("what")
    forms_: dict[str, Any] = {}
    done: Any = None
    user = request.user
    form: Any
    if what == "notify":
        form = forms_["notify"] = NoteForm(request.POST, prefix="notify")
        if form.is_valid():
            note = form.cleaned_data["note"]
            done = run_action(
                form, lambda: op_actions.overpayment_notify(actor=user, overpayment=op, note=note)
            )
    elif what == "recover":
        form = forms_["recover"] = RecoverForm(request.POST, prefix="recover")
        if form.is_valid():
            fen = int(form.cleaned_data["amount"] * 100)
            before = form.cleaned_data["recovered_before"]
            done = run_action(
                form,
                lambda: op_actions.overpayment_recover(
                    actor=user, overpayment=op, amount_fen=fen, recovered_before=before
                ),
                field_map={"amount_fen": "amount"},
            )
    elif what in ("request_write_off", "reject_write_off"):
        form = forms_[what] = ReasonForm(request.POST, prefix=what)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            step = (
                op_actions.overpayment_request_write_off
                if what == "request_write_off"
                else op_actions.overpayment_reject_write_off
            )
            done = run_action(form, lambda: step(actor=user, overpayment=op, reason=reason), denied=True)
    elif what == "approve_write_off":
        form = forms_["approve_write_off"] = NoteForm(request.POST, prefix="approve")
        if form.is_valid():
            done = run_action(
                form,
                lambda: op_actions.overpayment_approve_write_off(actor=user, overpayment=op),
                denied=True,
            )
    return done, forms_


@login_required
def overpayment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    op = overpayment_get(actor=request.user, pk=pk)
    may_act = access.allowed(
        access.require_region_and_sector, request.user, op.region_code, op.programme.sector
    )
    posted: dict[str, Any] = {}
    if request.method == "POST" and may_act:
        done, posted = _overpayment_post(request, op)
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("benefits-overpayment", pk=pk)
        op = overpayment_get(actor=request.user, pk=pk)
    outstanding = op.amount_fen - op.recovered_fen
    return render(
        request,
        "benefits/accounts_overpayment.html",
        {
            "op": op,
            "item": op.item,
            "amount": yuan(op.amount_fen),
            "recovered": yuan(op.recovered_fen),
            "outstanding": yuan(outstanding),
            "may_act": may_act,
            "may_recover": may_act and op.status in op_actions.RECOVERABLE,
            "may_request": may_act and op.status in op_actions.RECOVERABLE,
            "may_decide": may_act
            and op.status == St.WRITE_OFF_REQUESTED
            and op.requested_by_id != request.user.pk,
            "notify_form": posted.get("notify") or NoteForm(prefix="notify"),
            "recover_form": posted.get("recover")
            or RecoverForm(
                prefix="recover", initial={"recovered_before": op.recovered_fen, "amount": yuan(outstanding)}
            ),
            "request_form": posted.get("request_write_off") or ReasonForm(prefix="request_write_off"),
            "reject_form": posted.get("reject_write_off") or ReasonForm(prefix="reject_write_off"),
            "approve_form": posted.get("approve_write_off") or NoteForm(prefix="approve"),
        },
    )


@login_required
def batch_checks_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The checks panel alone (htmx): the batch page includes the same template."""
    batch = PaymentBatch.objects.select_related("programme").get_for(request.user, pk=pk)
    return render(
        request,
        "benefits/_batch_checks.html",
        {"batch": batch, "checks": batch_checks(actor=request.user, batch=batch)},
    )


urlpatterns: list[URLPattern] = [
    path("people/<str:key>/", person_payments, name="benefits-person"),
    path("overpayments/", overpayment_list, name="benefits-overpayments"),
    path("overpayments/<int:pk>/", overpayment_detail, name="benefits-overpayment"),
    path("batches/<int:pk>/checks/", batch_checks_panel, name="benefits-batch-checks"),
]
