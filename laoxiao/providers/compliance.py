"""Compliance of a provider with the rules of the plan and the standards, as pure functions.

Each function takes model instances (unsaved ones too, where an action checks before writing) and
the day ``on`` whose rules apply (``laoxiao.core.rules``), and returns plain structures (dicts with
a lazy ``message`` that renders in the active language) so pages, the API and the actions share
them. Related rows are read through the instance's related managers (``provider.documents``,
``.classes``, ``.medical_agreements``, ``.prices``; ``staff.certificates``), so a caller that lists
many providers prefetches them once.

Rules used: ``institutions.filing_documents``, ``institutions.filing_time_limits``,
``institutions.holidays`` (``workdays``), ``childcare.class_types``, ``childcare.home_point_limits``,
``eldercare.medical_room_rule``, ``pricing.inclusive_ratio``, ``staff.certificate_warning_days``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from laoxiao.core.i18n import fmt
from laoxiao.core.rules import RuleMissing, rule
from laoxiao.providers.models import (
    CHILDCARE_KINDS,
    Certificate,
    ChildcareClass,
    FilingDocument,
    MarketReferencePrice,
    Price,
    Provider,
    ServiceItem,
    StaffMember,
)
from laoxiao.providers.workdays import WorkCalendar, add_working_days, working_days_between

__all__ = [
    "add_working_days",
    "class_violations",
    "document_specs",
    "expiring_certificates",
    "provider_class_violations",
    "provider_compliance",
    "inclusive_slots_ok",
    "medical_compliance",
    "missing_documents",
    "price_flags",
    "required_documents",
    "review_deadlines",
    "slots",
    "staff_certified",
    "staff_employed",
    "working_days_between",
]

DOCUMENTS_RULE = "institutions.filing_documents"
TIME_LIMITS_RULE = "institutions.filing_time_limits"
CLASS_TYPES_RULE = "childcare.class_types"
HOME_POINT_RULE = "childcare.home_point_limits"
MEDICAL_RULE = "eldercare.medical_room_rule"
RATIO_RULE = "pricing.inclusive_ratio"
WARNING_DAYS_RULE = "staff.certificate_warning_days"

UNDER_REVIEW = ("submitted", "accepted")
CENT = decimal.Decimal("0.01")


def _rule_or_none(key: str, on: dt.date) -> Any:
    try:
        return rule(key, on=on)
    except RuleMissing:
        return None


def _pick(zh: str, en: str) -> str:
    return zh if (translation.get_language() or "").lower().startswith("zh") else en


def bilingual(zh: str, en: str) -> Any:
    """A lazy string for a name kept in both languages in a rule file (not in the .po catalogue)."""
    return lazy(_pick, str)(zh, en)


# --- filing documents ----------------------------------------------------------------------------


def document_specs(on: dt.date) -> dict[str, dict[str, Any]]:
    """Every document of the rule in force on ``on``, by code."""
    data = _rule_or_none(DOCUMENTS_RULE, on) or {"documents": []}
    return {d["code"]: d for d in data["documents"]}


def document_name(spec: dict[str, Any]) -> Any:
    return bilingual(spec.get("name_zh", spec["code"]), spec.get("name_en", spec["code"]))


def required_documents(provider: Provider, on: dt.date) -> list[dict[str, Any]]:
    """The documents the provider's kind needs (the food licence only where meals are served)."""
    out = []
    for spec in document_specs(on).values():
        if provider.kind not in spec.get("kinds", ()):
            continue
        condition = spec.get("when")
        if (
            condition
            and not getattr(provider, condition, False)
            and provider.kind not in spec.get("always_for", ())
        ):
            continue
        out.append(spec)
    return out


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def missing_documents(
    provider: Provider, on: dt.date, documents: Iterable[FilingDocument] | None = None
) -> list[dict[str, Any]]:
    """Required documents that are missing, expired on ``on``, or (a lease) too short.

    Each: ``{"code", "name", "problem": "missing"|"expired"|"short_lease", "expires_on", "message"}``.
    """
    held = {d.kind: d for d in (documents if documents is not None else provider.documents.all())}
    out: list[dict[str, Any]] = []
    for spec in required_documents(provider, on):
        name = document_name(spec)
        doc = held.get(spec["code"])
        item = {"code": spec["code"], "name": name, "expires_on": doc.expires_on if doc else None}
        if doc is None:
            out.append(
                {
                    **item,
                    "problem": "missing",
                    "message": fmt(_("Required document missing: %(name)s."), name=name),
                }
            )
            continue
        if spec.get("expires") and doc.expires_on is not None and doc.expires_on < on:
            out.append(
                {
                    **item,
                    "problem": "expired",
                    "message": fmt(
                        _("%(name)s expired on %(date)s."), name=name, date=doc.expires_on.isoformat()
                    ),
                }
            )
            continue
        years = (spec.get("min_lease_years") or {}).get(provider.kind)
        if years and doc.expires_on is not None and doc.issued_on is not None:
            if doc.expires_on < _years_later(doc.issued_on, years):
                out.append(
                    {
                        **item,
                        "problem": "short_lease",
                        "message": fmt(
                            _("%(name)s: the lease runs less than %(years)d years."), name=name, years=years
                        ),
                    }
                )
    return out


# --- childcare classes ---------------------------------------------------------------------------


def class_type_rules(on: dt.date) -> dict[str, Any] | None:
    data = _rule_or_none(CLASS_TYPES_RULE, on)
    return dict(data) if data is not None else None


def required_carers(children: int, children_per_carer: int) -> int:
    return math.ceil(children / children_per_carer) if children > 0 else 0


def class_violations(cls: ChildcareClass, on: dt.date, *, kind: str | None = None) -> list[dict[str, Any]]:
    """A class against ``childcare.class_types``: maximum size and carers for its children.

    Each: ``{"class", "field", "code": "class_type"|"size"|"ratio", "limit", "message"}``.
    """
    rules = class_type_rules(on)
    if rules is None:
        return []
    out: list[dict[str, Any]] = []
    base = {"class": cls.name}
    spec = rules.get(cls.class_type)
    if spec is None:
        return [
            {
                **base,
                "field": "class_type",
                "code": "class_type",
                "limit": None,
                "message": fmt(_("Unknown class type %(type)s."), type=cls.class_type),
            }
        ]
    capacity, carers = cls.capacity or 0, cls.carers or 0
    if capacity > spec["max_children"]:
        out.append(
            {
                **base,
                "field": "capacity",
                "code": "size",
                "limit": spec["max_children"],
                "message": fmt(
                    _("A %(type)s class takes at most %(max)d children (%(n)d planned)."),
                    type=ChildcareClass.ClassType(cls.class_type).label,
                    max=spec["max_children"],
                    n=capacity,
                ),
            }
        )
    needed = required_carers(capacity, spec["children_per_carer"])
    if carers < needed:
        out.append(
            {
                **base,
                "field": "carers",
                "code": "ratio",
                "limit": needed,
                "message": fmt(
                    _("%(n)d children need at least %(needed)d carers (1 to %(per)d); %(carers)d planned."),
                    n=capacity,
                    needed=needed,
                    per=spec["children_per_carer"],
                    carers=carers,
                ),
            }
        )
    return out


def home_point_violations(classes: Iterable[ChildcareClass], on: dt.date) -> list[dict[str, Any]]:
    """A home childcare point's totals against ``childcare.home_point_limits``."""
    limits = _rule_or_none(HOME_POINT_RULE, on)
    if limits is None:
        return []
    classes = list(classes)
    children = sum(c.capacity or 0 for c in classes)
    carers = sum(c.carers or 0 for c in classes)
    out: list[dict[str, Any]] = []
    if children > limits["max_children"]:
        out.append(
            {
                "class": "",
                "field": "capacity",
                "code": "home_total",
                "limit": limits["max_children"],
                "message": fmt(
                    _("A home childcare point takes at most %(max)d children in all (%(n)d planned)."),
                    max=limits["max_children"],
                    n=children,
                ),
            }
        )
    needed = required_carers(children, limits["children_per_carer"])
    if carers < needed:
        out.append(
            {
                "class": "",
                "field": "carers",
                "code": "home_ratio",
                "limit": needed,
                "message": fmt(
                    _("A home childcare point needs one carer per %(per)d children: %(needed)d for %(n)d."),
                    per=limits["children_per_carer"],
                    needed=needed,
                    n=children,
                ),
            }
        )
    return out


def provider_class_violations(
    provider: Provider, on: dt.date, classes: Iterable[ChildcareClass] | None = None
) -> list[dict[str, Any]]:
    """Every class's violations, and for a home childcare point the limits on its totals."""
    if provider.kind not in CHILDCARE_KINDS:
        return []
    classes = list(classes if classes is not None else provider.classes.all())
    out: list[dict[str, Any]] = []
    for cls in classes:
        out.extend(class_violations(cls, on, kind=provider.kind))
    if provider.kind == Provider.Kind.HOME_CHILDCARE:
        out.extend(home_point_violations(classes, on))
    return out


def slots(provider: Provider, classes: Iterable[ChildcareClass] | None = None) -> int:
    """Childcare slots: the sum of the class capacities."""
    return sum(c.capacity for c in (classes if classes is not None else provider.classes.all()))


def inclusive_slots_ok(provider: Provider, slot_count: int | None = None) -> bool:
    """Inclusive slots do not exceed the slots (childcare; always true for elder care)."""
    if provider.kind not in CHILDCARE_KINDS:
        return True
    total = slots(provider) if slot_count is None else slot_count
    return provider.inclusive_slots <= total


# --- medical capacity ----------------------------------------------------------------------------


def agreement_valid(agreement: Any, on: dt.date) -> bool:
    return bool(agreement.signed_on <= on and (agreement.expires_on is None or agreement.expires_on >= on))


def medical_compliance(provider: Provider, on: dt.date) -> dict[str, Any]:
    """The 150-bed rule: ``{"required": "medical_room"|"agreement"|None, "applicable", "ok",
    "message", "beds", "threshold"}``. A home below the threshold also complies with its own room."""
    spec = _rule_or_none(MEDICAL_RULE, on)
    if spec is None or provider.kind not in spec.get("kinds", ()):
        return {
            "required": None,
            "applicable": False,
            "ok": True,
            "beds": provider.beds,
            "threshold": spec["bed_threshold"] if spec else None,
            "message": _("The medical-room rule does not apply to this provider."),
        }
    threshold = spec["bed_threshold"]
    result = {"applicable": True, "beds": provider.beds, "threshold": threshold}
    if provider.beds >= threshold:
        ok = provider.has_medical_room
        return {
            **result,
            "required": "medical_room",
            "ok": ok,
            "message": (
                fmt(_("%(beds)d beds: has a medical room or nursing station."), beds=provider.beds)
                if ok
                else fmt(
                    _(
                        "%(beds)d beds (%(threshold)d or more): a medical room or nursing station is required."
                    ),
                    beds=provider.beds,
                    threshold=threshold,
                )
            ),
        }
    valid = [a for a in provider.medical_agreements.all() if agreement_valid(a, on)]
    ok = bool(valid) or provider.has_medical_room
    if valid:
        message = fmt(_("Cooperation agreement with %(partner)s in force."), partner=valid[0].partner)
    elif provider.has_medical_room:
        message = _("Has its own medical room or nursing station.")
    else:
        message = fmt(
            _(
                "Fewer than %(threshold)d beds: a cooperation agreement with a medical institution is required."
            ),
            threshold=threshold,
        )
    return {**result, "required": "agreement", "ok": ok, "message": message}


# --- staff ---------------------------------------------------------------------------------------


def staff_employed(staff: StaffMember, on: dt.date) -> bool:
    """Employed on ``on``: hired on or before it, and not yet left (``left_on`` is the first day away)."""
    return (staff.hired_on is None or staff.hired_on <= on) and (staff.left_on is None or staff.left_on > on)


def certificate_valid(certificate: Certificate, on: dt.date) -> bool:
    return (certificate.issued_on is None or certificate.issued_on <= on) and (
        certificate.expires_on is None or certificate.expires_on >= on
    )


def staff_certified(staff: StaffMember, on: dt.date) -> bool:
    """Certified on duty (持证上岗): employed on ``on`` and holding a certificate valid that day."""
    return staff_employed(staff, on) and any(certificate_valid(c, on) for c in staff.certificates.all())


def warning_days(on: dt.date) -> int:
    data = _rule_or_none(WARNING_DAYS_RULE, on)
    return int(data["days"]) if data else 60


def expiring_certificates(qs: QuerySet[Certificate], on: dt.date) -> QuerySet[Certificate]:
    """Of ``qs``, certificates that expired or expire within the warning days of ``on`` and were not
    renewed (no certificate of the same kind for the same person runs longer)."""
    days = warning_days(on)
    renewed = Certificate.objects.filter(staff_id=OuterRef("staff_id"), kind=OuterRef("kind")).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on"))
    )
    return qs.filter(expires_on__isnull=False, expires_on__lte=on + dt.timedelta(days=days)).filter(
        ~Exists(renewed)
    )


# --- prices --------------------------------------------------------------------------------------


def current_prices(prices: Iterable[Price], on: dt.date) -> dict[str, Price]:
    """The line in force on ``on`` for each item (the latest ``effective_from`` on or before it)."""
    out: dict[str, Price] = {}
    for p in sorted(prices, key=lambda p: p.effective_from):
        if p.effective_from <= on:
            out[p.item_id] = p
    return out


def inclusive_ratio(on: dt.date) -> decimal.Decimal | None:
    data = _rule_or_none(RATIO_RULE, on)
    return decimal.Decimal(str(data["ratio"])) if data else None


def price_flags(
    provider: Provider, on: dt.date, prices: Iterable[Price] | None = None
) -> list[dict[str, Any]]:
    """An inclusive provider's prices above ratio × the market reference price.

    The reference is the item's for ``on``'s year, else the latest earlier year. Each flag:
    ``{"item", "price", "reference", "reference_year", "ratio", "limit", "message"}``.
    """
    if provider.supply_tier != Provider.SupplyTier.INCLUSIVE:
        return []
    ratio = inclusive_ratio(on)
    if ratio is None:
        return []
    current = current_prices(prices if prices is not None else provider.prices.all(), on)
    if not current:
        return []
    references: dict[str, MarketReferencePrice] = {}
    for ref in MarketReferencePrice.objects.filter(item_id__in=list(current), year__lte=on.year).order_by(
        "year"
    ):
        references[ref.item_id] = ref
    names = dict(ServiceItem.objects.filter(code__in=list(references)).values_list("code", "name"))
    flags = []
    for item, line in sorted(current.items()):
        found = references.get(item)
        if found is None:
            continue
        ref = found
        limit = (ref.price * ratio).quantize(CENT, rounding=decimal.ROUND_HALF_UP)
        if line.price > limit:
            flags.append(
                {
                    "item": item,
                    "price": line.price,
                    "reference": ref.price,
                    "reference_year": ref.year,
                    "ratio": ratio,
                    "limit": limit,
                    "message": fmt(
                        _(
                            "%(item)s: %(price)s yuan is above %(pct)s%% of the market price "
                            "%(reference)s (limit %(limit)s)."
                        ),
                        item=names.get(item, item),
                        price=line.price,
                        pct=f"{float(ratio * 100):g}",
                        reference=ref.price,
                        limit=limit,
                    ),
                }
            )
    return flags


# --- filing review time limits -------------------------------------------------------------------


def review_deadlines(provider: Provider, on: dt.date, calendar: WorkCalendar | None = None) -> dict[str, Any]:
    """The time limits of the filing under review, counted in working days from ``submitted_on``.

    ``{"submitted_on", "receipt_due", "notify_due", "under_review", "receipt_overdue",
    "notify_overdue", "overdue", "working_days", "messages"}``: receipt (acceptance or return) is
    overdue while the filing is still ``submitted`` after ``receipt_due``; notification (filing or
    return) while it is ``submitted`` or ``accepted`` after ``notify_due``.
    """
    submitted = provider.submitted_on
    under_review = provider.filing_status in UNDER_REVIEW
    result: dict[str, Any] = {
        "submitted_on": submitted,
        "receipt_due": None,
        "notify_due": None,
        "under_review": under_review,
        "receipt_overdue": False,
        "notify_overdue": False,
        "overdue": False,
        "working_days": None,
        "messages": [],
    }
    if submitted is None:
        return result
    limits = _rule_or_none(TIME_LIMITS_RULE, submitted) or {
        "receipt_working_days": 5,
        "notify_working_days": 15,
    }
    cal = calendar or WorkCalendar.load()
    receipt_due = cal.add(submitted, limits["receipt_working_days"])
    notify_due = cal.add(submitted, limits["notify_working_days"])
    receipt_overdue = provider.filing_status == Provider.FilingStatus.SUBMITTED and on > receipt_due
    notify_overdue = under_review and on > notify_due
    messages = []
    if receipt_overdue:
        messages.append(
            fmt(
                _("Receipt was due by %(date)s (%(n)d working days after submission)."),
                date=receipt_due.isoformat(),
                n=limits["receipt_working_days"],
            )
        )
    if notify_overdue:
        messages.append(
            fmt(
                _("The review was due by %(date)s (%(n)d working days after submission)."),
                date=notify_due.isoformat(),
                n=limits["notify_working_days"],
            )
        )
    result.update(
        receipt_due=receipt_due,
        notify_due=notify_due,
        receipt_overdue=receipt_overdue,
        notify_overdue=notify_overdue,
        overdue=receipt_overdue or notify_overdue,
        working_days=cal.between(submitted, on) if under_review else None,
        messages=messages,
    )
    return result


# --- everything at once --------------------------------------------------------------------------


def provider_compliance(provider: Provider, on: dt.date) -> dict[str, Any]:
    """Every compliance item of one provider (for its page): documents, classes and slots,
    medical capacity, price flags, review time limits."""
    out: dict[str, Any] = {
        "documents": missing_documents(provider, on),
        "medical": medical_compliance(provider, on),
        "prices": price_flags(provider, on),
        "review": review_deadlines(provider, on),
    }
    if provider.kind in CHILDCARE_KINDS:
        classes = list(provider.classes.all())
        total = slots(provider, classes)
        out.update(
            classes=provider_class_violations(provider, on, classes),
            slots=total,
            inclusive_slots_ok=inclusive_slots_ok(provider, total),
        )
    return out
