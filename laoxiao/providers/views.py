"""Provider pages (/providers/): list, detail with its sections, the forms, the map, the review and
certificate lists. Views parse, call a selector or an action, and render; a provider outside the
user's scope answers 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from laoxiao.accounts.models import User
from laoxiao.core import access, clock
from laoxiao.core.forms import run_action
from laoxiao.core.paging import page_of
from laoxiao.providers import actions, compliance, forms, selectors
from laoxiao.providers.models import (
    CHILDCARE_KINDS,
    ELDERCARE_KINDS,
    Provider,
    ServiceItem,
)
from laoxiao.regions.models import Region
from laoxiao.supervision import selectors as supervision_selectors

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    """The signed-in user of a view behind ``login_required``."""
    return cast(User, request.user)


def _url_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _get(request: HttpRequest, uscc: str) -> Provider:
    return selectors.provider_get(actor=_user(request), uscc=uscc)


def _is_operator_only(user: Any) -> bool:
    return bool(getattr(user, "provider_id", None)) and not user.is_superuser and not user.sectors()


def _bool(value: str | None) -> bool | None:
    return {"yes": True, "1": True, "true": True, "no": False, "0": False, "false": False}.get(
        (value or "").lower()
    )


def list_filters(request: HttpRequest) -> dict[str, Any]:
    g = request.GET
    return {
        "kind": g.get("kind") or None,
        "county": g.get("county") or None,
        "filing_status": g.get("filing_status") or None,
        "supply_tier": g.get("supply_tier") or None,
        "has_vacancy": _bool(g.get("vacancy")),
        "inclusive": _bool(g.get("inclusive")),
        "grade": g.get("grade") or None,
        "credit_level": g.get("credit_level") or None,
        "q": g.get("q") or None,
    }


def filter_choices(actor: Any) -> dict[str, Any]:
    """The options of the filter bars: kinds the actor's sectors cover, visible counties."""
    kinds = Provider.Kind.choices
    if actor is not None and actor.is_authenticated and not actor.is_superuser and actor.sectors():
        sectors = actor.sectors()
        allowed = (ELDERCARE_KINDS if "eldercare" in sectors else ()) + (
            CHILDCARE_KINDS if "childcare" in sectors else ()
        )
        kinds = [(k, label) for k, label in kinds if k in allowed]
    counties = (
        Region.objects.visible_to(actor) if actor is not None and actor.is_authenticated else Region.objects
    )
    return {
        "kinds": kinds,
        "counties": list(
            counties.filter(level=Region.Level.COUNTY).order_by("code").values_list("code", "name")
        ),
        "statuses": Provider.FilingStatus.choices,
        "tiers": Provider.SupplyTier.choices,
        "grades": [(str(g), str(g)) for g in range(1, 6)],
        "credit_levels": [(c, c) for c in ("A", "B", "C", "D")],
    }


def kind_labels() -> dict[str, str]:
    return {k: str(label) for k, label in Provider.Kind.choices}


def _regions_for(actor: Any, current: str | None = None) -> list[tuple[str, str]]:
    qs = Region.objects.visible_to(actor).filter(level=Region.Level.COMMUNITY).select_related("parent")
    out = [(r.code, f"{r.parent.name if r.parent else ''} {r.name} ({r.code})") for r in qs.order_by("code")]
    if current and current not in {c for c, _label in out}:
        region = Region.objects.filter(code=current).select_related("parent").first()
        if region is not None:
            out.insert(0, (region.code, f"{region.parent.name if region.parent else ''} {region.name}"))
    return out


# --- list, map, reviews, certificates ------------------------------------------------------------------


@login_required
def provider_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if _is_operator_only(user):
        own = selectors.own_provider(actor=user)
        if own is not None:
            return redirect("provider-detail", own.uscc)
    filters = list_filters(request)
    qs = selectors.provider_list(actor=user, **filters)
    page = page_of(qs, request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "providers/list.html",
        {
            "page": page,
            "filters": request.GET,
            "choices": filter_choices(user),
            "can_create": bool(user.sectors()) or user.is_superuser,
        },
    )


@login_required
def provider_map(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "providers/map.html",
        {
            "choices": filter_choices(request.user),
            "filters": request.GET,
            "points_url": reverse("api-v1:provider-map-points"),
            "geo_url": reverse("region-boundaries"),
            "detail_url": reverse("provider-detail", args=["USCC"]),
            "kind_labels": kind_labels(),
        },
    )


@login_required
def overdue_reviews(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    rows = selectors.overdue_reviews(actor=_user(request), on=today)
    return render(request, "providers/reviews.html", {"rows": rows, "today": today})


@login_required
def expiring_certificates(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    qs = selectors.expiring_certificates_list(actor=_user(request), on=today)
    page = page_of(qs, request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "providers/certificates.html",
        {"page": page, "today": today, "days": compliance.warning_days(today)},
    )


# --- detail ---------------------------------------------------------------------------------------------


def _filing_steps(user: Any, provider: Provider) -> list[tuple[str, str]]:
    """The filing steps the page offers this user (``actions.TRANSITIONS``): submitting and
    withdrawing to the provider's operator and its sector's officers, review steps to the reviewing
    office. The action still decides, and the page shows its refusal."""
    status = provider.filing_status
    operator = access.is_operator_of(user, provider)
    office = user.is_superuser or provider.sector in user.sectors()
    reviewer = actions.can_review(user, provider)
    verbs: dict[str, str] = {
        Provider.FilingStatus.SUBMITTED: _("Submit for filing"),
        Provider.FilingStatus.ACCEPTED: _("Accept for review"),
        Provider.FilingStatus.FILED: _("File")
        if status == Provider.FilingStatus.ACCEPTED
        else _("Reinstate"),
        Provider.FilingStatus.RETURNED: _("Return with reasons"),
        Provider.FilingStatus.SUSPENDED: _("Suspend"),
        Provider.FilingStatus.WITHDRAWN: _("Withdraw"),
        Provider.FilingStatus.CLOSED: _("Close"),
    }
    out = []
    for (frm, to), step in actions.TRANSITIONS.items():
        if frm != status:
            continue
        if (step == actions.SUBMIT and (operator or office)) or (step == actions.REVIEW and reviewer):
            out.append((str(to), str(verbs.get(to, _status_label(to)))))
    return out


def _documents_checklist(provider: Provider, documents: list[Any], on: dt.date) -> list[dict[str, Any]]:
    """The required documents (by the rule for the kind), each with what is recorded and its problem
    (missing, expired, lease too short), then any other recorded document."""
    problems = {m["code"]: m for m in compliance.missing_documents(provider, on, documents)}
    held = {d.kind: d for d in documents}
    rows = []
    for spec in compliance.required_documents(provider, on):
        code = spec["code"]
        rows.append(
            {
                "kind": code,
                "label": compliance.document_name(spec),
                "doc": held.pop(code, None),
                "required": True,
                "problem": problems.get(code),
            }
        )
    for code, doc in sorted(held.items()):
        rows.append({"kind": code, "label": code, "doc": doc, "required": False, "problem": None})
    return rows


def _staff_rows(members: list[Any], on: dt.date) -> list[dict[str, Any]]:
    horizon = on + dt.timedelta(days=compliance.warning_days(on))
    return [
        {
            "member": m,
            "certified": compliance.staff_certified(m, on),
            "certificates": [
                {
                    "cert": c,
                    "expired": bool(c.expires_on and c.expires_on < on),
                    "expiring": bool(c.expires_on and on <= c.expires_on <= horizon),
                }
                for c in m.certificates.all()
            ],
        }
        for m in members
    ]


def _price_rows(provider: Provider, rows: list[Any], on: dt.date) -> list[dict[str, Any]]:
    flags = {f["item"]: f for f in compliance.price_flags(provider, on, rows)}
    current = {p.pk for p in compliance.current_prices(rows, on).values()}
    inclusive = provider.supply_tier == Provider.SupplyTier.INCLUSIVE
    return [
        {
            "price": p,
            "current": p.pk in current,
            "checked": inclusive and p.pk in current,
            "flag": flags.get(p.item_id) if p.pk in current else None,
        }
        for p in rows
    ]


def detail_context(request: HttpRequest, provider: Provider) -> dict[str, Any]:
    user = request.user
    today = clock.today()
    documents = list(selectors.documents(actor=user, provider=provider))
    members = list(selectors.staff(actor=user, provider=provider))
    price_list = list(selectors.prices(actor=user, provider=provider))
    classes = list(selectors.classes(actor=user, provider=provider))
    ctx: dict[str, Any] = {
        "p": provider,
        "today": today,
        "is_operator": access.is_operator_of(user, provider),
        "events": list(selectors.filing_events(actor=user, provider=provider)),
        "documents": _documents_checklist(provider, documents, today),
        "deadlines": compliance.review_deadlines(provider, today),
        "steps": _filing_steps(user, provider),
        "filing_form": forms.FilingForm(),
        "classes": classes,
        "class_violations": compliance.provider_class_violations(provider, today, classes),
        "medical": None if provider.is_childcare else compliance.medical_compliance(provider, today),
        "agreements": list(selectors.agreements(actor=user, provider=provider)),
        "staff": _staff_rows(members, today),
        "warning_days": compliance.warning_days(today),
        "prices": _price_rows(provider, price_list, today),
        "supervision": None,
        "supervision_url": _url_or_none("supervision-provider", provider.uscc),
        "public_url": reverse("public-provider-detail", args=[provider.uscc])
        if provider.filing_status == Provider.FilingStatus.FILED
        else None,
    }
    ctx["supervision"] = supervision_selectors.supervision_summary(provider, on=today)
    return ctx


@login_required
def provider_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    provider = _get(request, uscc)
    return render(request, "providers/detail.html", detail_context(request, provider))


@login_required
@require_POST
def provider_filing(request: HttpRequest, uscc: str) -> HttpResponse:
    provider = _get(request, uscc)
    form = forms.FilingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The filing step is not valid."))
        return redirect("provider-detail", uscc)
    try:
        actions.filing_transition(
            actor=_user(request),
            provider=provider,
            to_status=form.cleaned_data["to_status"],
            reasons=form.reason_list() or None,
            note=form.cleaned_data.get("note", ""),
        )
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not take this step."))
    else:
        messages.success(
            request,
            _("The filing status is now “%(status)s”.")
            % {"status": _status_label(form.cleaned_data["to_status"])},
        )
    return redirect(reverse("provider-detail", args=[uscc]) + "#filing")


def _status_label(status: str) -> str:
    return str(dict(Provider.FilingStatus.choices).get(status, status))


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            m if field == "__all__" else f"{field}: {m}"
            for field, msgs in exc.message_dict.items()
            for m in msgs
        ]
    return list(exc.messages)


# --- forms ------------------------------------------------------------------------------------------------


def _run(form: Any, call: Callable[[], Any]) -> Any:
    """Run an action for a valid form; its ValidationError (an unknown field as "field: message")
    and PermissionDenied land on the form."""
    return run_action(form, call, label_unknown=True, denied=True)


def _form_page(
    request: HttpRequest, form: Any, title: str, provider: Provider | None = None, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "providers/form.html",
        {"form": form, "title": title, "p": provider, **extra},
    )


@login_required
def provider_create(request: HttpRequest) -> HttpResponse:
    regions = _regions_for(request.user)
    form = forms.ProviderForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        provider = _run(form, lambda: actions.provider_create(actor=_user(request), data=form.all_values()))
        if provider is not None:
            messages.success(request, _("The provider is registered."))
            return redirect("provider-detail", provider.uscc)
    return _form_page(request, form, _("Register a provider"))


@login_required
def provider_edit(request: HttpRequest, uscc: str) -> HttpResponse:
    provider = _get(request, uscc)
    official = (
        ()
        if request.user.is_superuser or not access.is_operator_of(request.user, provider)
        else actions.OFFICIAL_FIELDS
    )
    initial = {name: getattr(provider, name) for name in forms.PROVIDER_FIELDS}
    initial["region_code"] = provider.region_code
    form = forms.ProviderForm(
        request.POST or None,
        initial=initial,
        regions=_regions_for(request.user, provider.region_code),
        editing=True,
        locked=official,
    )
    if request.method == "POST" and form.is_valid():
        data = form.changed_values()
        done = _run(
            form,
            lambda: actions.provider_update(actor=_user(request), provider=provider, data=data),
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("provider-detail", uscc)
    return _form_page(request, form, _("Edit provider"), provider)


def _sub_form(
    request: HttpRequest,
    uscc: str,
    make_form: Callable[[Any], Any],
    call: Callable[[Provider, Any], Any],
    title: str,
    anchor: str,
) -> HttpResponse:
    provider = _get(request, uscc)
    form = make_form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(form, lambda: call(provider, form) or True)
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect(reverse("provider-detail", args=[uscc]) + f"#{anchor}")
    return _form_page(request, form, title, provider)


def _document_kinds(provider: Provider) -> list[tuple[str, str]]:
    """The document codes of the provider's checklist (a choice), then any other code already used."""
    kinds = [
        (spec["code"], str(compliance.document_name(spec)))
        for spec in compliance.required_documents(provider, clock.today())
    ]
    return kinds


@login_required
def document_add(request: HttpRequest, uscc: str) -> HttpResponse:
    provider = _get(request, uscc)
    kinds = _document_kinds(provider)
    return _sub_form(
        request,
        uscc,
        lambda data: forms.DocumentForm(data, kinds=kinds, initial={"kind": request.GET.get("kind", "")}),
        lambda inst, f: actions.document_upsert(actor=_user(request), provider=inst, **f.cleaned_data),
        _("Record a filing document"),
        "filing",
    )


@login_required
def class_add(request: HttpRequest, uscc: str) -> HttpResponse:
    return _sub_form(
        request,
        uscc,
        forms.ClassForm,
        lambda inst, f: actions.class_upsert(actor=_user(request), provider=inst, **f.cleaned_data),
        _("Add or change a class"),
        "capacity",
    )


@login_required
@require_POST
def class_delete(request: HttpRequest, uscc: str, pk: int) -> HttpResponse:
    provider = _get(request, uscc)
    cls = selectors.class_get(actor=_user(request), provider=provider, pk=pk)
    try:
        actions.class_delete(actor=_user(request), cls=cls)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(
            request, "; ".join(_messages_of(exc)) if isinstance(exc, ValidationError) else str(exc)
        )
    else:
        messages.success(request, _("The class is removed."))
    return redirect(reverse("provider-detail", args=[uscc]) + "#capacity")


def _staff_add(request: HttpRequest, inst: Provider, form: forms.StaffForm) -> Any:
    data = {k: form.cleaned_data[k] for k in ("id_number", "name", "role", "hired_on", "left_on")}
    with transaction.atomic():
        member = actions.staff_upsert(actor=_user(request), provider=inst, **data)
        cert = form.certificate()
        if cert:
            actions.certificate_upsert(actor=_user(request), staff=member, **cert)
    return member


@login_required
def staff_add(request: HttpRequest, uscc: str) -> HttpResponse:
    return _sub_form(
        request,
        uscc,
        forms.StaffForm,
        lambda inst, f: _staff_add(request, inst, f),
        _("Add a staff member"),
        "staff",
    )


@login_required
def certificate_add(request: HttpRequest, uscc: str, pk: int) -> HttpResponse:
    provider = _get(request, uscc)
    member = selectors.staff_get(actor=_user(request), provider=provider, pk=pk)
    return _sub_form(
        request,
        uscc,
        forms.CertificateForm,
        lambda inst, f: actions.certificate_upsert(actor=_user(request), staff=member, **f.certificate()),
        _("Add a certificate for %(name)s") % {"name": member.name},
        "staff",
    )


@login_required
def price_add(request: HttpRequest, uscc: str) -> HttpResponse:
    provider = _get(request, uscc)
    items = [
        (i.code, f"{i.name} ({i.unit})")
        for i in ServiceItem.objects.filter(sector=provider.sector).order_by("code")
    ]
    return _sub_form(
        request,
        uscc,
        lambda data: forms.PriceForm(data, items=items),
        lambda inst, f: actions.price_set(actor=_user(request), provider=inst, **f.cleaned_data),
        _("Set a price"),
        "prices",
    )
