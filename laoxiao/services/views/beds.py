"""Family care bed and respite pages: the contracts, a contract (adaptations, devices, months with
the short flag), the respite bookings and the booking form."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from laoxiao.core.forms import HardenedForm, run_action
from laoxiao.core.paging import page_of
from laoxiao.services.actions import respite as respite_actions
from laoxiao.services.actions.beds import adaptation_items
from laoxiao.services.models import CareBedContract, RespiteBooking
from laoxiao.services.selectors import beds as selectors


@login_required
def care_bed_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    rows = selectors.care_beds_of(actor=request.user, status=status)
    page = page_of(rows, request.GET.get("page"), per_page=50, params=request.GET)
    return render(
        request,
        "services/beds_list.html",
        {"page": page, "f": {"status": status or ""}, "statuses": CareBedContract.Status.choices},
    )


@login_required
def care_bed_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bed = selectors.care_bed_get(actor=request.user, pk=pk)
    items = adaptation_items()
    return render(
        request,
        "services/beds_contract.html",
        {
            "bed": bed,
            "adaptations": [
                (a, items.get(a.item, {}).get("name", a.item)) for a in bed.adaptations.order_by("done_on")
            ],
            "devices": bed.devices.order_by("installed_on"),
            "months": bed.months.order_by("-period"),
        },
    )


@login_required
def respite_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    rows = selectors.respite_of(actor=request.user, status=status)
    page = page_of(rows, request.GET.get("page"), per_page=50, params=request.GET)
    return render(
        request,
        "services/beds_respite_list.html",
        {"page": page, "f": {"status": status or ""}, "statuses": RespiteBooking.Status.choices},
    )


class RespiteForm(HardenedForm):
    provider = forms.CharField(label=_("Provider (credit code)"), max_length=18)
    elder = forms.IntegerField(label=_("Person (id)"), min_value=1)
    start_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))


@login_required
def respite_new(request: HttpRequest) -> HttpResponse:
    form = RespiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        booking = run_action(
            form,
            lambda: respite_actions.respite_book(
                actor=request.user,
                elder=selectors.elder_for_booking(
                    actor=request.user,
                    pk=c["elder"],
                    provider=selectors.respite_provider(actor=request.user, uscc=c["provider"]),
                ),
                provider=selectors.respite_provider(actor=request.user, uscc=c["provider"]),
                start_on=c["start_on"],
                end_on=c["end_on"],
            ),
            not_found=(None, _("No such person or provider.")),
            denied=True,
        )
        if booking is not None:
            return redirect(reverse("services-respite"))
    return render(request, "services/beds_respite_form.html", {"form": form})
