"""The batch pages: the list with a "new batch" form (opens the period's batch and starts its build
in the background), and a batch's page: live build progress (htmx polling while it builds), counts
by status, the items (names and ID numbers masked), and approve / send / follow-up / cancel
buttons for who may. ``urlpatterns`` here is included by ``benefits/urls.py``."""

# (views read request.user, set by the middleware)

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laoxiao.accounts import roles
from laoxiao.benefits.actions import batches as actions
from laoxiao.benefits.eligibility import CALCULATORS
from laoxiao.benefits.importers.payment_items import payment_items_file
from laoxiao.benefits.models import PaymentBatch, PaymentItem, Programme
from laoxiao.benefits.selectors import batches as selectors
from laoxiao.core import access
from laoxiao.core.forms import HardenedForm, run_action
from laoxiao.core.masking import mask_id_number, mask_name
from laoxiao.core.paging import page_of
from laoxiao.regions.models import Region

B = PaymentBatch.Status


def _programmes() -> list[tuple[str, str]]:
    return [
        (p.code, p.name)
        for p in Programme.objects.filter(active=True, code__in=list(CALCULATORS)).order_by("code")
    ]


def _regions(user: Any) -> list[tuple[str, str]]:
    qs = Region.objects.visible_to(user).filter(level__in=[Region.Level.CITY, Region.Level.COUNTY])
    return [(r.code, r.name) for r in qs.order_by("code")]


class NewBatchForm(HardenedForm):
    programme = forms.ChoiceField(label=gettext_lazy("Programme"))
    period = forms.CharField(label=gettext_lazy("Month (YYYY-MM)"), max_length=7)
    region = forms.ChoiceField(label=gettext_lazy("Region"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = _programmes()
        self.fields["region"].choices = _regions(user)

    def clean_period(self) -> Any:
        found = selectors.parse_period(self.cleaned_data["period"])
        if found is None:
            raise forms.ValidationError(_("The month is YYYY-MM."))
        return found


class CancelForm(HardenedForm):
    reason = forms.CharField(label=gettext_lazy("Why it is cancelled"), max_length=500)


def _may_open(user: Any) -> bool:
    return actions.may_build(user)


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    f = {k: (request.GET.get(k) or "").strip() for k in ("programme", "period", "region", "status")}
    form = NewBatchForm(user=request.user, initial={"region": str(settings.LAOXIAO_CITY_CODE)})
    if request.method == "POST" and _may_open(request.user):
        form = NewBatchForm(request.POST, user=request.user)
        if form.is_valid():
            c = form.cleaned_data
            programme = Programme.objects.get(code=c["programme"])
            batch = run_action(
                form,
                lambda: actions.batch_start(
                    actor=request.user, programme=programme, period=c["period"], region_code=c["region"]
                ),
                field_map={"status": "programme"},
                denied=True,
                not_found=("region", _("No such region.")),
            )
            if batch is not None:
                messages.success(request, _("The batch is being built."))
                return redirect("benefits-batch", pk=batch.pk)
    qs = selectors.batch_list(actor=request.user, **{k: v or None for k, v in f.items()})
    page = page_of(qs, request.GET.get("page"), per_page=50, params=request.GET)
    for b in page:
        b.total_yuan = selectors.yuan(b.total_fen)
    return render(
        request,
        "benefits/batches_list.html",
        {
            "page": page,
            "f": f,
            "statuses": B.choices,
            "programmes": _programmes(),
            "form": form,
            "may_open": _may_open(request.user),
        },
    )


def _item_rows(items: list[PaymentItem]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        person = item.elder or item.child
        name = person.name if person is not None else (item.provider.name if item.provider else "")
        id_number = getattr(person, "id_number", "") if person is not None else ""
        out.append(
            {
                "item": item,
                "name": mask_name(name) if person is not None else name,
                "id_number": mask_id_number(id_number or ""),
                "yuan": selectors.yuan(item.amount_fen),
            }
        )
    return out


def _context(request: HttpRequest, batch: PaymentBatch) -> dict[str, Any]:
    building = batch.status == B.DRAFT
    percent = int(100 * batch.chunks_done / batch.chunks_total) if batch.chunks_total else 0
    return {
        "batch": batch,
        "building": building,
        "percent": percent,
        "total_yuan": selectors.yuan(batch.total_fen),
    }


@login_required
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The build's progress card (polled by htmx every 2 s while the batch builds)."""
    batch = selectors.batch_get(actor=request.user, pk=pk)
    return render(request, "benefits/batches_progress.html", _context(request, batch))


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(actor=request.user, pk=pk)
    cancel_form = CancelForm(prefix="cancel")
    if request.method == "POST":
        what = request.POST.get("what")
        done: Any = None
        form: forms.Form = HardenedForm(request.POST)
        form.is_valid()
        if what == "approve":
            done = run_action(
                form, lambda: actions.batch_approve(actor=request.user, batch=batch), denied=True
            )
        elif what == "send":
            done = run_action(form, lambda: actions.batch_send(actor=request.user, batch=batch), denied=True)
        elif what == "follow_up":
            done = run_action(
                form, lambda: actions.batch_follow_up(actor=request.user, batch=batch), denied=True
            )
        elif what == "cancel":
            cancel_form = CancelForm(request.POST, prefix="cancel")
            form = cancel_form
            if cancel_form.is_valid():
                reason = cancel_form.cleaned_data["reason"]
                done = run_action(
                    cancel_form,
                    lambda: actions.batch_cancel(actor=request.user, batch=batch, reason=reason),
                    denied=True,
                )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("benefits-batch", pk=done.pk)
        for error in form.non_field_errors():
            messages.error(request, str(error))
        for name, errors in form.errors.items():
            if name != "__all__":
                messages.error(request, f"{name}: {' '.join(str(e) for e in errors)}")
    status = (request.GET.get("status") or "").strip()
    items = page_of(
        selectors.batch_items(batch, status=status or None),
        request.GET.get("page"),
        per_page=100,
        params=request.GET,
    )
    user = request.user
    may_decide = actions.can_approve(user, batch)
    ctx = _context(request, batch)
    ctx.update(
        {
            "page": items,
            "rows": _item_rows(list(items)),
            "status": status,
            "counts": [{**c, "yuan": selectors.yuan(c["total_fen"])} for c in selectors.status_counts(batch)],
            "may_approve": batch.status == B.READY and may_decide,
            "is_maker": batch.created_by_id == user.pk,
            "may_send": batch.status == B.APPROVED and (may_decide or access.is_city_admin(user)),
            "may_follow_up": batch.status in (B.SENT, B.RECONCILED)
            and selectors.failed_count(batch) > 0
            and actions.may_build(user),
            "follow_up": selectors.follow_up_of(batch),
            "may_cancel": batch.status in (B.DRAFT, B.READY, B.APPROVED)
            and (may_decide or batch.created_by_id == user.pk or access.is_city_admin(user)),
            "cancel_form": cancel_form,
            "item_statuses": PaymentItem.Status.choices,
        }
    )
    return render(request, "benefits/batches_detail.html", ctx)


@login_required
def batch_payment_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's payment file for the bank (``?format=csv|xlsx``; ``reveal=1`` gives full ID and
    account numbers to who may reveal, logged once)."""
    batch = selectors.batch_get(actor=request.user, pk=pk)
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    reveal = request.GET.get("reveal") == "1"
    if reveal and not request.user.has_perm(roles.REVEAL):
        raise PermissionDenied(_("You may not see full personal data."))
    data = payment_items_file(actor=request.user, batch=batch, fmt=fmt, reveal=reveal)
    kind = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if fmt == "xlsx"
        else "text/csv; charset=utf-8"
    )
    response = HttpResponse(data, content_type=kind)
    name = f"payment-items-{batch.pk}{'-full' if reveal else ''}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns: list[URLPattern] = [
    path("batches/", batch_list, name="benefits-batches"),
    path("batches/<int:pk>/payment-file/", batch_payment_file, name="benefits-batch-file"),
    path("batches/<int:pk>/", batch_detail, name="benefits-batch"),
    path("batches/<int:pk>/progress/", batch_progress, name="benefits-batch-progress"),
]
