"""The benefits pages: ledger balances, budget use (with the budget form) and reconciliation.

- ``/benefits/ledger/``: every ledger account of the programmes the user reads, per programme,
  county and year, with its balance; an account's postings at ``/benefits/ledger/<code>/``;
- ``/benefits/budgets/``: budget use per county and programme for a year (a bar chart drawn by
  ECharts from data embedded in the page, and the table); the budget form for who may set one
  (``actions.budgets.may_set_budget``: a city administrator, or the county's officer);
- ``/benefits/reconciliation/``: upload a bank's ``payment-results`` file and the files applied
  before (the batch page's own form is the batch part's).

``urlpatterns`` here is included by ``benefits/urls.py``.
"""

# (views read request.user, set by the middleware)

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laoxiao.accounts import roles
from laoxiao.benefits.actions.budgets import budget_set, may_set_budget
from laoxiao.benefits.models import Programme, ReconciliationFile
from laoxiao.benefits.selectors import ledger as selectors
from laoxiao.core import access, clock
from laoxiao.core.forms import HardenedForm, run_action
from laoxiao.imports.base import ImportReport, run_import
from laoxiao.ledger.models import Account
from laoxiao.regions.models import Region

SHOWN_ERRORS = 200


def _year(request: HttpRequest) -> int:
    text = (request.GET.get("year") or "").strip()
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return clock.today().year


def _staff(request: HttpRequest) -> Any:
    user: Any = request.user
    if access.provider_id_of(user) or not selectors.visible_programmes(user):
        raise PermissionDenied
    return user


class BudgetForm(HardenedForm):
    programme = forms.ChoiceField(label=gettext_lazy("Programme"))
    region_code = forms.ChoiceField(label=gettext_lazy("County / district"))
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(
        label=gettext_lazy("Budget (yuan)"), min_value=0, max_digits=15, decimal_places=2
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, programmes: list[Programme], counties: list[Region], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["programme"].choices = [(p.code, p.name) for p in programmes]
        self.fields["region_code"].choices = [(c.code, c.name) for c in counties]


def _budget_choices(user: Any) -> tuple[list[Programme], list[Region]]:
    programmes = selectors.visible_programmes(user)
    counties = list(Region.objects.filter(level=Region.Level.COUNTY).order_by("code"))
    allowed_p = [p for p in programmes if any(may_set_budget(user, p, c.code) for c in counties)]
    allowed_c = [c for c in counties if any(may_set_budget(user, p, c.code) for p in programmes)]
    return allowed_p, allowed_c


@login_required
def ledger_balances(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    year = _year(request)
    programme = (request.GET.get("programme") or "").strip() or None
    rows = selectors.ledger_balances(actor=user, year=year, programme_code=programme)
    names = {p.code: p.name for p in selectors.visible_programmes(user)}
    counties = dict(Region.objects.filter(level=Region.Level.COUNTY).values_list("code", "name"))
    kinds = dict(Account.Kind.choices)
    for r in rows:
        r["programme_name"] = names.get(r["programme_code"], r["programme_code"])
        r["county_name"] = counties.get(r["region_code"], r["region_code"])
        r["kind_label"] = kinds.get(r["kind"], r["kind"])
    return render(
        request,
        "benefits/ledger_balances.html",
        {"rows": rows, "year": year, "programme": programme or "", "programmes": names.items()},
    )


@login_required
def ledger_account(request: HttpRequest, code: str) -> HttpResponse:
    user = _staff(request)
    account = selectors.ledger_account_get(actor=user, code=code)
    if account is None:
        raise Http404
    return render(
        request,
        "benefits/ledger_account.html",
        {
            "account": account,
            "balance": selectors.account_balance(account),
            "postings": selectors.ledger_account_postings(actor=user, account=account),
        },
    )


@login_required
def budget_use(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    year = _year(request)
    programmes, counties = _budget_choices(user)
    form = None
    if programmes and counties:
        form = BudgetForm(programmes=programmes, counties=counties, initial={"year": year})
        if request.method == "POST":
            form = BudgetForm(request.POST, programmes=programmes, counties=counties)
            if form.is_valid():
                d = form.cleaned_data
                programme = Programme.objects.get(code=d["programme"])
                done = run_action(
                    form,
                    lambda: budget_set(
                        actor=user,
                        programme=programme,
                        region_code=d["region_code"],
                        year=d["year"],
                        amount_fen=int(d["amount"] * 100),
                        note=d["note"],
                    ),
                    field_map={"amount_fen": "amount"},
                    denied=True,
                    not_found=("region_code", _("Not one of your counties.")),
                )
                if done is not None:
                    messages.success(request, _("The budget is set."))
                    return redirect(f"{request.path}?year={d['year']}")
    elif request.method == "POST":
        raise PermissionDenied
    rows = selectors.budget_use(actor=user, year=year)
    chart = {
        "categories": [f"{r['programme_name']} · {r['county_name']}" for r in rows],
        "series": [
            {"key": k, "name": str(label), "data": [round(r[k] / 100, 2) for r in rows]}
            for k, label in (
                ("paid", gettext_lazy("paid")),
                ("payable", gettext_lazy("approved, not yet paid")),
                ("remaining", gettext_lazy("remaining")),
            )
        ],
        "unit": _("yuan"),
        "height": max(220, 36 * len(rows) + 80),
    }
    for r in rows:
        r["share_pct"] = None if r["used_share"] is None else min(round(r["used_share"] * 100, 1), 100)
    return render(
        request,
        "benefits/ledger_budgets.html",
        {"rows": rows, "year": year, "form": form, "chart": chart},
    )


@login_required
def reconciliation(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if access.provider_id_of(user) or not user.has_perm(roles.IMPORT):
        raise PermissionDenied
    report: ImportReport | None = None
    missing = False
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            missing = True
        else:
            report = run_import(
                "payment-results",
                upload,
                actor=user,
                filename=upload.name,
                dry_run=bool(request.POST.get("dry_run")),
            )
    files = ReconciliationFile.objects.visible_to(user).select_related("uploaded_by")[:100]
    return render(
        request,
        "benefits/ledger_reconciliation.html",
        {
            "report": report if report is not None else ({"missing_file": True} if missing else None),
            "shown_errors": report.errors[:SHOWN_ERRORS] if report else [],
            "files": files,
        },
    )


urlpatterns: list[URLPattern] = [
    path("ledger/", ledger_balances, name="benefits-ledger"),
    path("ledger/<str:code>/", ledger_account, name="benefits-ledger-account"),
    path("budgets/", budget_use, name="benefits-budgets"),
    path("reconciliation/", reconciliation, name="benefits-reconciliation"),
]
