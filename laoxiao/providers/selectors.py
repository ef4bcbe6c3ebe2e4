"""Reads of providers and their rows, scoped to the actor; and the public (filed-only) reads.

Every staff read starts from ``Provider.objects.visible_to(actor)`` (region + sector + a provider
operator's own provider) or the row querysets' ``visible_to``; a detail outside answers ``NotFound``.
The public reads (``public_list``, ``public_get``) take no actor: filed providers only, and they hand
back nothing personal (no staff, no contact person or phone).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.people.models import Child
from laoxiao.providers import compliance
from laoxiao.providers.models import (
    CHILDCARE_KINDS,
    ELDERCARE_KINDS,
    Certificate,
    ChildcareClass,
    FilingDocument,
    FilingEvent,
    MedicalAgreement,
    Price,
    Provider,
    StaffMember,
)
from laoxiao.providers.workdays import WorkCalendar
from laoxiao.regions.scoping import level_of_code, prefix_for, prefix_q
from laoxiao.supervision import ratings

REVIEW_STATUSES = (Provider.FilingStatus.SUBMITTED, Provider.FilingStatus.ACCEPTED)


# --- annotations shared by lists, the map and the public pages --------------------------------------


def with_figures(qs: QuerySet[Provider]) -> QuerySet[Provider]:
    """Annotate ``slots`` (sum of class capacities), ``enrolled_children`` (children enrolled now),
    ``vacancies`` (beds − occupied for elder care; slots − enrolled for childcare, never below 0),
    ``grade`` and ``credit_level`` (the ratings that count: ``supervision.ratings``). One query,
    no joins that multiply rows."""

    slots = (
        ChildcareClass.objects.filter(provider=OuterRef("pk"))
        .order_by()
        .values("provider")
        .annotate(total=Sum("capacity"))
        .values("total")
    )
    enrolled = (
        Child.objects.filter(provider=OuterRef("pk"), died_on__isnull=True, moved_out_on__isnull=True)
        .order_by()
        .values("provider")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = qs.annotate(
        slots=Coalesce(Subquery(slots, output_field=IntegerField()), Value(0)),
        enrolled_children=Coalesce(Subquery(enrolled, output_field=IntegerField()), Value(0)),
    ).annotate(
        vacancies=Case(
            When(
                kind__in=CHILDCARE_KINDS,
                then=Greatest(F("slots") - F("enrolled_children"), Value(0)),
            ),
            default=Greatest(F("beds") - F("occupied_beds"), Value(0)),
            output_field=IntegerField(),
        )
    )
    return qs.annotate(**ratings.rating_subqueries(clock.today()))


def _filter(
    qs: QuerySet[Provider],
    *,
    kind: str | None = None,
    sector: str | None = None,
    county: str | None = None,
    region: str | None = None,
    filing_status: str | None = None,
    supply_tier: str | None = None,
    has_vacancy: bool | None = None,
    inclusive: bool | None = None,
    grade: int | str | None = None,
    credit_level: str | None = None,
    q: str | None = None,
) -> QuerySet[Provider]:
    if kind:
        qs = qs.filter(kind=kind)
    if sector == "eldercare":
        qs = qs.filter(kind__in=ELDERCARE_KINDS)
    elif sector == "childcare":
        qs = qs.filter(kind__in=CHILDCARE_KINDS)
    if county:
        qs = qs.filter(prefix_q("region_code", county[:6]))
    if region:
        code = prefix_for(region, level_of_code(region)) if len(region) == 12 else region
        qs = qs.filter(prefix_q("region_code", code))
    if filing_status:
        qs = qs.filter(filing_status=filing_status)
    if supply_tier:
        qs = qs.filter(supply_tier=supply_tier)
    if inclusive is True:
        qs = qs.filter(Q(supply_tier=Provider.SupplyTier.INCLUSIVE) | Q(inclusive_slots__gt=0))
    elif inclusive is False:
        qs = qs.exclude(supply_tier=Provider.SupplyTier.INCLUSIVE).filter(inclusive_slots=0)
    if q:
        q = q.strip()
        qs = qs.filter(Q(name__contains=q) | Q(uscc__startswith=q.upper()) | Q(address__contains=q))
    if has_vacancy is not None or grade or credit_level:
        qs = with_figures(qs)
        if has_vacancy is True:
            qs = qs.filter(**{"vacancies__gt": 0})  # annotations: the plugin cannot see them
        elif has_vacancy is False:
            qs = qs.filter(**{"vacancies": 0})
        if grade:
            qs = qs.filter(**{"grade": int(grade)}) if str(grade).isdigit() else qs.none()
        if credit_level:
            qs = qs.filter(**{"credit_level": credit_level})
    return qs


# --- staff reads -------------------------------------------------------------------------------------


def provider_list(
    *,
    actor: Any,
    kind: str | None = None,
    sector: str | None = None,
    county: str | None = None,
    region: str | None = None,
    filing_status: str | None = None,
    supply_tier: str | None = None,
    has_vacancy: bool | None = None,
    inclusive: bool | None = None,
    grade: int | str | None = None,
    credit_level: str | None = None,
    q: str | None = None,
) -> QuerySet[Provider]:
    """The providers the actor sees, filtered; each with slots, vacancies, grade and credit level."""
    qs = _filter(
        Provider.objects.visible_to(actor),
        kind=kind,
        sector=sector,
        county=county,
        region=region,
        filing_status=filing_status,
        supply_tier=supply_tier,
        has_vacancy=has_vacancy,
        inclusive=inclusive,
        grade=grade,
        credit_level=credit_level,
        q=q,
    )
    if not hasattr(qs.query, "annotations") or "vacancies" not in qs.query.annotations:
        qs = with_figures(qs)
    return qs.select_related("region").order_by("region_code", "name")


def provider_get(*, actor: Any, uscc: str) -> Provider:
    provider = (
        with_figures(Provider.objects.visible_to(actor)).select_related("region").filter(uscc=uscc).first()
    )
    if provider is None:
        raise NotFound(uscc)
    return provider


def own_provider(*, actor: Any) -> Provider | None:
    """A provider operator's own provider (None for everyone else)."""
    own = getattr(actor, "provider_id", None)
    if not own:
        return None
    return Provider.objects.visible_to(actor).filter(pk=own).first()


def filing_events(*, actor: Any, provider: Provider) -> QuerySet[FilingEvent]:
    return FilingEvent.objects.visible_to(actor).filter(provider=provider).order_by("at", "id")


def documents(*, actor: Any, provider: Provider) -> QuerySet[FilingDocument]:
    return FilingDocument.objects.visible_to(actor).filter(provider=provider).order_by("kind")


def classes(*, actor: Any, provider: Provider) -> QuerySet[ChildcareClass]:
    return ChildcareClass.objects.visible_to(actor).filter(provider=provider).order_by("name")


def class_get(*, actor: Any, provider: Provider, pk: int) -> ChildcareClass:
    cls = classes(actor=actor, provider=provider).filter(pk=pk).first()
    if cls is None:
        raise NotFound(pk)
    return cls


def agreements(*, actor: Any, provider: Provider) -> QuerySet[MedicalAgreement]:
    return MedicalAgreement.objects.visible_to(actor).filter(provider=provider)


def staff(*, actor: Any, provider: Provider, current: bool | None = None) -> QuerySet[StaffMember]:
    """The provider's staff with their certificates (prefetched)."""
    qs = (
        StaffMember.objects.visible_to(actor)
        .filter(provider=provider)
        .prefetch_related(Prefetch("certificates", queryset=Certificate.objects.order_by("kind", "number")))
        .order_by("name", "pk")
    )
    if current is True:
        qs = qs.filter(left_on__isnull=True)
    elif current is False:
        qs = qs.filter(left_on__isnull=False)
    return qs


def staff_get(*, actor: Any, provider: Provider, pk: int) -> StaffMember:
    member = staff(actor=actor, provider=provider).filter(pk=pk).first()
    if member is None:
        raise NotFound(pk)
    return member


def prices(*, actor: Any, provider: Provider) -> QuerySet[Price]:
    return (
        Price.objects.visible_to(actor)
        .filter(provider=provider)
        .select_related("item")
        .order_by("item__sector", "item_id", "-effective_from")
    )


def current_prices(rows: Any, *, on: dt.date) -> list[Price]:
    """Of a price list, the line in force on ``on`` for each item (the latest effective before it)."""
    seen: set[str] = set()
    out = []
    for p in sorted(rows, key=lambda p: (p.item_id, p.effective_from), reverse=True):
        if p.effective_from <= on and p.item_id not in seen:
            seen.add(p.item_id)
            out.append(p)
    return sorted(out, key=lambda p: p.item_id)


def overdue_reviews(*, actor: Any, on: dt.date) -> list[dict[str, Any]]:
    """Filings under review (submitted or accepted) past a time limit on ``on`` (receipt within 5
    working days, notification within 15: ``compliance.review_deadlines``), for the reviewing office:
    civil affairs sees elder care, health sees childcare (the sector scoping). A provider operator
    reviews nothing and gets an empty list."""
    if getattr(actor, "provider_id", None) and not getattr(actor, "is_superuser", False):
        return []
    calendar = WorkCalendar.load()
    out = []
    qs = (
        Provider.objects.visible_to(actor)
        .filter(filing_status__in=REVIEW_STATUSES, submitted_on__isnull=False)
        .select_related("region")
        .order_by("submitted_on", "region_code", "name")
    )
    for provider in qs:
        deadlines = compliance.review_deadlines(provider, on, calendar)
        if deadlines["overdue"]:
            out.append({"provider": provider, "deadlines": deadlines})
    return out


def expiring_certificates_list(*, actor: Any, on: dt.date) -> QuerySet[Certificate]:
    """Certificates of current staff that have expired or expire within the warning days of ``on``
    (the rule ``staff.certificate_warning_days``) and were not renewed."""
    qs = Certificate.objects.visible_to(actor).filter(
        Q(staff__left_on__isnull=True) | Q(staff__left_on__gt=on)
    )
    return (
        compliance.expiring_certificates(qs, on)
        .select_related("staff", "staff__provider")
        .order_by("expires_on", "staff__name", "pk")
    )


MAP_FIELDS = (
    "uscc",
    "name",
    "kind",
    "lon",
    "lat",
    "beds",
    "vacancies",
    "slots",
    "inclusive_slots",
    "supply_tier",
    "filing_status",
    "grade",
    "credit_level",
)


def _map_rows(qs: QuerySet[Provider]) -> list[dict[str, Any]]:
    qs = qs.filter(lon__isnull=False, lat__isnull=False)
    if "vacancies" not in qs.query.annotations:
        qs = with_figures(qs)
    rows = []
    for r in qs.order_by().values(*MAP_FIELDS):
        r["inclusive"] = r["supply_tier"] == Provider.SupplyTier.INCLUSIVE or r["inclusive_slots"] > 0
        rows.append(r)
    return rows


def map_points(*, actor: Any, **filters: Any) -> list[dict[str, Any]]:
    """Compact rows for the provider map (one query): what a marker and its tooltip need."""
    return _map_rows(_filter(Provider.objects.visible_to(actor), **filters))


# --- public reads (no actor): filed providers only, nothing personal ----------------------------------

PUBLIC_FIELDS = (
    "uscc",
    "name",
    "kind",
    "centre_level",
    "ownership",
    "supply_tier",
    "region_code",
    "address",
    "lon",
    "lat",
    "opened_on",
    "serves_meals",
    "is_demonstration",
    "is_medical_integrated",
    "has_medical_room",
    "beds",
    "nursing_beds",
    "occupied_beds",
    "inclusive_slots",
    "filing_status",
    "filed_on",
)


def public_list(**filters: Any) -> QuerySet[Provider]:
    """Filed providers, filtered like ``provider_list``; no personal field is loaded."""
    filters.pop("filing_status", None)
    qs = _filter(Provider.objects.filed(), **filters)
    if "vacancies" not in qs.query.annotations:
        qs = with_figures(qs)
    return qs.select_related("region").only(*PUBLIC_FIELDS, "region__name").order_by("region_code", "name")


def public_get(uscc: str) -> Provider:
    provider = (
        with_figures(Provider.objects.filed())
        .select_related("region")
        .only(*PUBLIC_FIELDS, "region__name")
        .filter(uscc=uscc)
        .first()
    )
    if provider is None:
        raise NotFound(uscc)
    return provider


def public_map_points(**filters: Any) -> list[dict[str, Any]]:
    filters.pop("filing_status", None)
    return _map_rows(_filter(Provider.objects.filed(), **filters))


def public_prices(provider: Provider, *, on: dt.date) -> list[Price]:
    return current_prices(
        Price.objects.filter(provider=provider).select_related("item"),
        on=on,
    )
