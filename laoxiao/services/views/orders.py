"""Pages of orders: the provider's dispatch board (today's and overdue orders, the workers of the
day, a map of where the services are) with accept and assign, and an order's page. An operator sees
their own provider's board; township and county officers open the board of a provider they
supervise (read-only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from laoxiao.core import clock
from laoxiao.core.access import is_operator_of, provider_id_of, require_can_supervise
from laoxiao.core.errors import NotFound
from laoxiao.core.forms import HardenedForm, run_action
from laoxiao.providers.models import Provider, StaffMember
from laoxiao.services.actions import orders as actions
from laoxiao.services.models import ServiceOrder
from laoxiao.services.selectors import orders as sel


class AssignForm(HardenedForm):
    worker = forms.ChoiceField(label=gettext_lazy("Worker"))

    def __init__(self, *args: Any, workers: list[StaffMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].choices = [(str(w.pk), w.name) for w in workers]


def _board_provider(request: HttpRequest) -> Provider | None:
    """The operator's own provider, or the one an officer asks for (``?provider=USCC``)."""
    user: Any = request.user
    code = request.GET.get("provider") or request.POST.get("provider")
    if code:
        provider = Provider.objects.filter(uscc=code).first()
        if provider is None:
            raise NotFound("providers.provider")
        require_can_supervise(user, provider, allow_operator=True)
        return provider
    own = provider_id_of(user)
    return Provider.objects.filter(pk=own).first() if own else None


def _day(raw: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if raw else clock.today()
    except ValueError:
        return clock.today()


@login_required
def dispatch_board(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    provider = _board_provider(request)
    if provider is None:
        supervised = (
            Provider.objects.visible_to(user).eldercare().filed().order_by("region_code", "name")[:200]
        )
        return render(request, "services/orders_providers.html", {"providers": supervised})
    day = _day(request.GET.get("day"))
    can_act = is_operator_of(user, provider)
    today = list(sel.order_list(actor=user, day=day).filter(provider=provider))
    overdue = [o for o in sel.overdue_orders(actor=user, provider=provider) if o not in today]
    rows = []
    for order in overdue + today:
        workers = sel.qualified_workers(order) if can_act and order.status in ("accepted", "assigned") else []
        rows.append(
            {
                "order": order,
                "overdue": sel.is_overdue(order),
                "workers": workers,
                "form": AssignForm(workers=workers, initial={"worker": order.worker_id}) if workers else None,
            }
        )
    by_worker: dict[int, list[ServiceOrder]] = {}
    for order in today:
        if order.worker_id:
            by_worker.setdefault(order.worker_id, []).append(order)
    staff = [{"worker": w, "orders": by_worker.get(w.pk, [])} for w in sel.workers_of(provider, day)]
    points = [
        {
            "id": o.pk,
            "name": o.elder.name,
            "item": o.item.name,
            "time": timezone.localtime(o.scheduled_at).strftime("%H:%M"),
            "status": o.status,
            "status_label": str(o.get_status_display()),
            "lon": o.elder.home_lon,
            "lat": o.elder.home_lat,
        }
        for o in overdue + today
        if o.elder.home_lon is not None and o.elder.home_lat is not None
    ]
    return render(
        request,
        "services/orders_dispatch.html",
        {
            "provider": provider,
            "day": day,
            "rows": rows,
            "staff": staff,
            "can_act": can_act,
            "points": points,
            "geo_url": reverse("region-boundaries"),
            "detail_url": reverse("services-order", args=[0]),
        },
    )


def _back(order: ServiceOrder, request: HttpRequest) -> HttpResponse:
    url = reverse("services-dispatch")
    if request.POST.get("provider"):
        url += f"?provider={order.provider.uscc}"
    return redirect(url)


@login_required
@require_POST
def order_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = sel.order_get(actor=request.user, pk=pk)
    form = HardenedForm(request.POST)
    if run_action(form, lambda: actions.order_accept(actor=request.user, order=order), denied=True):  # type: ignore[arg-type]
        messages.success(request, _("Order accepted."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return _back(order, request)


@login_required
@require_POST
def order_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = sel.order_get(actor=request.user, pk=pk)
    form = AssignForm(request.POST, workers=list(StaffMember.objects.filter(provider=order.provider)))
    done = None
    if form.is_valid():
        worker = StaffMember.objects.get(pk=int(form.cleaned_data["worker"]), provider=order.provider)
        done = run_action(
            form,
            lambda: actions.order_assign(actor=request.user, order=order, worker=worker),  # type: ignore[arg-type]
            denied=True,
        )
    if done:
        messages.success(request, _("Order assigned."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return _back(order, request)


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = sel.order_get(actor=request.user, pk=pk)
    return render(
        request,
        "services/orders_detail.html",
        {
            "order": order,
            "overdue": sel.is_overdue(order),
            "can_act": is_operator_of(request.user, order.provider),
        },
    )
