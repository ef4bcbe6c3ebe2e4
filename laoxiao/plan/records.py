"""Drill-down: the records behind a computed indicator's numerator or denominator.

``indicator_records(actor=, code=, region_code=, period=, part=)`` asks the indicator's
``Definition`` (``laoxiao.plan.calculators``) for its listing, with the SAME filters that
produced the stored count, reading only what the actor may see (``visible_to(actor)`` and the
people pages' sector rules). A region outside the actor's scope is "not found". Rows leave with
personal fields masked (names ``张*丰``, ID numbers ``340603********123X``); the person's own page
(linked) shows them as the people pages do.

Kinds of rows: elders, children, providers, staff, regions, doses (C02: one row per dose due), and
``figure`` where the denominator is a population figure (E07, E13, C05): no rows, the figure.
For sums (E06 beds, C05/C06 slots) every row carries ``amount``; their total is the stored figure.

Speed (the demo city: 2 M residents): a page needs the count and one page of rows, never every row.
The drill-down reads each definition's ``drill_down``: a year of E08 counts its twelve monthly
lists in one grouped query (``calculators.eldercare.e08_year_counts``; here the counts the engine
stored, while nothing they depend on has changed) and reads only the months a page shows; C10's
denominator is a queryset, its numerator evaluated once per birth date; C02 counts its doses from
the children's birth dates (denominator) or with one conditional count per dose in the database
(numerator) and lists only the children up to a page's end. Each gives the same rows as the
definition's own ``listing`` (pinned by tests/test_records.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Model,
    QuerySet,
)
from django.urls import reverse
from django.utils.translation import gettext as _

from laoxiao.accounts.models import User
from laoxiao.core.changelog import latest_change
from laoxiao.core.errors import NotFound
from laoxiao.core.masking import mask_id_number, mask_name
from laoxiao.core.models import ChangeLog, RuleVersion
from laoxiao.people.models import (
    Child,
    Elder,
)
from laoxiao.people.selectors.children import visible_children
from laoxiao.plan.calculators import (
    E08,
    REGISTRY,
    Ctx,
    Listing,
    Period,
    QuerySetListing,
    definition,
    region_prefix,
    resolve_measure,
)
from laoxiao.plan.models import IndicatorValue
from laoxiao.regions.models import Region

PARTS = ("numerator", "denominator")
KINDS = ("elders", "children", "providers", "staff", "regions", "doses", "figure")


def _start_for(actor: User, sectors: frozenset[str]) -> Any:
    """The rows of each model the actor may see: their regions (and for providers and staff, their
    sectors' provider kinds); people only to the sectors whose data the indicator reads."""
    people_ok = actor.is_authenticated and bool(sectors & actor.sectors())

    def start(model: type[Model]) -> QuerySet[Any]:
        if model is Elder:
            return Elder.objects.visible_to(actor) if people_ok else Elder.objects.none()
        if model is Child:
            return visible_children(actor) if people_ok else Child.objects.none()
        manager: Any = model._default_manager
        return manager.visible_to(actor)

    return start


@dataclass
class Records:
    code: str
    region_code: str
    region_name: str
    period: str
    part: str
    kind: str
    listing: Listing
    figure_name: str = ""
    figure: Decimal | int | None = None  # the raw population figure (E07, E13, C05 denominators)
    per: int = 1

    @property
    def amount(self) -> str | None:
        return self.listing.amount

    def count(self) -> int:
        return self.listing.count()

    def total(self) -> Decimal | int:
        return self.listing.total()

    def rows(self, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
        objects = self.listing[offset : offset + limit]
        return display_rows(self.kind, objects, self.amount)


def parse_period(code: str, period: str) -> Period:
    try:
        p = Period.parse(period)
    except ValueError as exc:
        raise ValidationError({"period": [_("A period is a year (2021) or a month (2021-06).")]}) from exc
    if p.is_month and not REGISTRY[resolve_measure(code) or code].monthly:
        raise ValidationError({"period": [_("This indicator has values for years only.")]})
    return p


def indicator_records(*, actor: User, code: str, region_code: str, period: str, part: str) -> Records:
    """The records behind ``part`` (numerator or denominator) of the measure ``code`` (its key or
    its alias, ``nursing_bed_share`` or ``E06``) for a region and period."""
    key = resolve_measure(code or "")
    if key is None or key not in REGISTRY:
        raise NotFound(code)
    code = key
    if part not in PARTS:
        raise ValidationError({"part": [_("Part is numerator or denominator.")]})
    p = parse_period(code, period)
    region = (
        Region.objects.visible_to(actor).filter(code=region_code).first() if actor.is_authenticated else None
    )
    if region is None:
        raise NotFound(region_code)
    d = definition(code)
    if part == "denominator" and d.is_count:
        raise ValidationError({"part": [_("This indicator is a count: it has no denominator.")]})
    ctx = Ctx(period=p, prefix=region_prefix(region.code), start=_start_for(actor, d.sectors))
    stored = None
    if isinstance(d, E08) and not p.is_month and bool(d.sectors & actor.sectors()):
        # the actor sees every elder of the region: the stored monthly counts hold while no change
        # has been logged since they were computed (else e08_year_counts counts them again)
        stored = fresh_monthly_counts(code, region.code, p, part)
    listing = d.drill_down(ctx, part, stored)
    kind = listing.kind
    if kind == "staff" and isinstance(listing, QuerySetListing):
        listing.qs = listing.qs.select_related("provider")
    figure = listing.figure if kind == "figure" else None
    return Records(
        code=code,
        region_code=region.code,
        region_name=region.name,
        period=p.text,
        part=part,
        kind=kind,
        listing=listing,
        figure_name=listing.figure_name,
        figure=figure,
        per=getattr(listing, "per", 1),
    )


E08_SOURCES = (
    "people.elder",
    "people.welfarevisit",
    "people.abilityassessment",
    "people.eldercategory",
)


def fresh_monthly_counts(code: str, region_code: str, period: Period, part: str) -> list[int] | None:
    """The twelve monthly counts of a year of E08 as stored by the engine, if nothing that decides
    them has changed since: no change logged about older people, visits, assessments or categories,
    no elder saved and no rule version added after the values were computed."""
    stored = (
        IndicatorValue.objects.filter(measure_id=code, region_code=region_code, period=period.text)
        .values_list("inputs", "computed_at")
        .first()
    )
    if stored is None or not isinstance(stored[0], dict) or "monthly" not in stored[0]:
        return None
    inputs, computed_at = stored
    last = latest_change(*E08_SOURCES)
    if last and ChangeLog.objects.filter(pk=last, at__gte=computed_at).exists():
        return None
    if Elder.objects.filter(updated_at__gte=computed_at).exists():
        return None
    if RuleVersion.objects.filter(created_at__gte=computed_at).exists():
        return None
    monthly = inputs["monthly"]
    index = 0 if part == "numerator" else 1
    try:
        return [int(monthly[m.text][index]) for m in period.months()]
    except (KeyError, IndexError, TypeError, ValueError):
        return None


# --- display rows ---------------------------------------------------------------------------------


def _region_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def _url(name: str, arg: Any) -> str:
    return reverse(name, args=[arg])


def _person(obj: Any) -> dict[str, Any]:
    return {
        "name": mask_name(obj.name or ""),
        "sex": obj.get_sex_display(),
        "birth_date": obj.birth_date,
        "id_number": mask_id_number(obj.id_number or ""),
    }


def display_rows(kind: str, objects: list[Any], amount: str | None = None) -> list[dict[str, Any]]:
    """Flat rows for the API and the page; personal fields masked."""
    codes = {o["region_code"] if isinstance(o, dict) else getattr(o, "region_code", "") for o in objects}
    if kind == "regions":
        codes = {o.code for o in objects}
    names = _region_names(codes)
    rows: list[dict[str, Any]] = []
    for o in objects:
        if kind == "elders":
            row = {"id": o.pk, **_person(o), "url": _url("people-elder-detail", o.pk)}
            if getattr(o, "month", None):
                row["month"] = o.month
            if getattr(o, "latest_level", None):
                row["level"] = o.latest_level
        elif kind == "children":
            row = {"id": o.pk, **_person(o), "url": _url("people-child-detail", o.pk)}
            if not row["id_number"]:
                row["id_number"] = mask_id_number(o.birth_certificate_number or "")
        elif kind == "providers":
            row = {
                "id": o.pk,
                "name": o.name,
                "uscc": o.uscc,
                "provider_kind": o.get_kind_display(),
                "filing_status": o.get_filing_status_display(),
                "filed_on": o.filed_on,
                "url": _url("provider-detail", o.uscc),
            }
        elif kind == "staff":
            row = {
                "id": o.pk,
                "name": mask_name(o.name or ""),
                "id_number": mask_id_number(o.id_number or ""),
                "role": o.get_role_display(),
                "provider": o.provider.name,
                "hired_on": o.hired_on,
                "left_on": o.left_on,
                "url": _url("provider-detail", o.provider.uscc),
            }
        elif kind == "regions":
            row = {
                "id": o.code,
                "name": o.name,
                "level": o.get_level_display(),
                "url": _url("region-detail", o.code),
            }
        elif kind == "doses":
            child = o["child"]
            row = {
                "id": f"{child.pk if child else ''}:{o['vaccine']}:{o['dose']}",
                "child_id": child.pk if child else None,
                "name": mask_name(child.name) if child else "",
                "birth_date": child.birth_date if child else None,
                "vaccine": o["vaccine"],
                "dose": o["dose"],
                "due_on": o["due_on"],
                "given_on": o["given_on"],
                "url": _url("people-child-detail", child.pk) if child else "",
            }
        else:  # a kind registered elsewhere (e.g. E05's residential projects): its name and region
            row = {"id": getattr(o, "pk", None), "name": str(o)}
        code = o.code if kind == "regions" else (o["region_code"] if isinstance(o, dict) else o.region_code)
        row["region_code"] = code
        row["region_name"] = names.get(code, "")
        if amount is not None:
            row["amount"] = getattr(o, amount, None)
        rows.append(row)
    return rows


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}
