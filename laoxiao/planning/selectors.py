"""Reads of residential projects and their check against the standards (scoped by region), shared
by the pages, the API, the export and indicator E05."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from laoxiao.core.errors import NotFound
from laoxiao.core.rules import rule
from laoxiao.planning import residential as r
from laoxiao.planning.models import ResidentialProject
from laoxiao.regions.scoping import prefix_q

STANDARDS_RULE = "planning.residential_standards"


def residential_project_list(
    *, actor: Any, region: str | None = None, area_type: str | None = None
) -> QuerySet[ResidentialProject]:
    """The projects the actor may see, optionally within a region (a 12-digit code: that region and
    below) and of one area type."""
    qs = ResidentialProject.objects.visible_to(actor)
    if region:
        from laoxiao.regions.scoping import PREFIX_LENGTH, level_of_code

        qs = qs.filter(prefix_q("region_code", region[: PREFIX_LENGTH[level_of_code(region)]]))
    if area_type:
        qs = qs.filter(area_type=area_type)
    return qs.order_by("region_code", "code")


def residential_project_get(*, actor: Any, pk: int) -> ResidentialProject:
    project = ResidentialProject.objects.visible_to(actor).filter(pk=pk).first()
    if project is None:
        raise NotFound(str(pk))
    return project


def as_project(p: ResidentialProject) -> r.Project:
    return r.Project(
        code=p.code,
        name=p.name,
        area_type=p.area_type,
        households=p.households,
        residents=p.residents,
        eldercare_floor_area=float(p.eldercare_floor_area),
        largest_facility_area=float(p.largest_facility_area),
        childcare_slots=p.childcare_slots,
    )


class StandardsBook:
    """The standards in force on a date, read once per date."""

    def __init__(self) -> None:
        self._by_date: dict[dt.date, r.Standards] = {}

    def on(self, day: dt.date) -> r.Standards:
        if day not in self._by_date:
            self._by_date[day] = r.Standards.from_rule(rule(STANDARDS_RULE, on=day))
        return self._by_date[day]


def check_date(p: ResidentialProject, today: dt.date | None = None) -> dt.date:
    """A project is checked against the standards in force on its delivery date (today if it has
    none)."""
    return p.delivery_date or today or timezone.localdate()


@dataclass
class CheckedProject:
    project: ResidentialProject
    result: r.Result
    standards_on: dt.date


def residential_checks(
    projects: QuerySet[ResidentialProject] | list[ResidentialProject], *, book: StandardsBook | None = None
) -> list[CheckedProject]:
    book = book or StandardsBook()
    today = timezone.localdate()
    out = []
    for p in projects:
        on = check_date(p, today)
        out.append(CheckedProject(p, r.check(as_project(p), book.on(on)), on))
    return out


DEMAND_LEVELS = ("city", "county", "township")


def demand_regions(*, actor: Any) -> list[tuple[str, str, str]]:
    """(code, name, level) of the city, counties and townships the actor may see."""
    from laoxiao.regions.models import Region

    return list(
        Region.objects.visible_to(actor)
        .filter(level__in=DEMAND_LEVELS)
        .order_by("code")
        .values_list("code", "name", "level")
    )


def demand_region(*, actor: Any, code: str) -> str:
    """The 12-digit code of a city, county or township the actor may see, else ``NotFound``."""
    from laoxiao.regions.models import Region

    code = (code or "").strip()
    if len(code) in (6, 9) and code.isdigit():
        code = code.ljust(12, "0")
    if not Region.objects.visible_to(actor).filter(code=code, level__in=DEMAND_LEVELS).exists():
        raise NotFound(code)
    return code


def malformed_region(code: str | None) -> bool:
    """Whether ``code`` cannot be a division code at all (the API answers 422 for it; 404 for a
    well-formed code that names no region or one outside the caller's regions)."""
    code = (code or "").strip()
    return not (code.isdigit() and 4 <= len(code) <= 12)


def region_outside_scope(*, actor: Any, code: str) -> bool:
    """Whether ``code`` (6, 9 or 12 digits) names a region that exists but lies outside the actor's
    regions: the pages answer 404 for it, and show the form's message for a code that is malformed
    or names no region."""
    from laoxiao.regions.models import Region
    from laoxiao.regions.scoping import code_within

    code = (code or "").strip()
    if not code.isdigit() or len(code) not in (6, 9, 12):
        return False
    code = code.ljust(12, "0")
    if not Region.objects.filter(code=code).exists():
        return False
    return not code_within(code, actor.region_prefixes())


def demand_series(
    *, actor: Any, code: str, scenario: str | None = None, to_year: int = 2035
) -> dict[str, Any]:
    """Projection, demand, supply and gaps of one region the actor may see (``NotFound`` outside,
    or where no population figures exist)."""
    return demand_view(actor=actor, code=code, scenario=scenario, to_year=to_year)["series"]


def demand_view(
    *,
    actor: Any,
    code: str,
    scenario: str | None = None,
    to_year: int = 2035,
    year: int | None = None,
    measure: str | None = None,
) -> dict[str, Any]:
    """``series`` of one region (see ``demand_series``) and, with ``year`` and ``measure``, the
    ``counties`` the actor may see with their need, supply and gap (for the map)."""
    from laoxiao.planning import adapters_demand as ad
    from laoxiao.regions.scoping import code_within

    code = demand_region(actor=actor, code=code)
    result = ad.platform_projection(scenario=scenario, to_year=to_year)
    if result is None:
        raise NotFound(code)
    series = ad.region_series(result, code)
    if not series:
        raise NotFound(code)
    counties: list[dict[str, Any]] = []
    if year is not None and measure is not None:
        prefixes = actor.region_prefixes()
        counties = [
            r
            for r in ad.gap_by_county(result, year, measure)
            if prefixes is None or code_within(r["code"], prefixes)
        ]
    return {"series": series, "counties": counties}


def e05_projects(prefix: str, end: dt.date) -> QuerySet[ResidentialProject]:
    """The projects E05 counts: new residential areas delivered by ``end`` in the region
    ``prefix`` (not scoped by actor: indicators are computed for a region)."""
    return ResidentialProject.objects.filter(
        prefix_q("region_code", prefix),
        area_type=ResidentialProject.Area.NEW,
        delivery_date__isnull=False,
        delivery_date__lte=end,
    )
