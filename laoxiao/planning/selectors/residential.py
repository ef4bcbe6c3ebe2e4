"""Reads of residential projects and their check against the standards (scoped by region), shared
by the pages, the API, the export and indicator E05."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.core.rules import rule
from laoxiao.planning.analysis import residential as r
from laoxiao.planning.models import ResidentialProject
from laoxiao.regions.scoping import PREFIX_LENGTH, level_of_code, prefix_q

STANDARDS_RULE = "planning.residential_standards"


def residential_project_list(
    *, actor: Any, region: str | None = None, area_type: str | None = None
) -> QuerySet[ResidentialProject]:
    """The projects the actor may see, optionally within a region (a 12-digit code: that region and
    below) and of one area type."""
    qs = ResidentialProject.objects.visible_to(actor)
    if region:
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
    return p.delivery_date or today or clock.today()


@dataclass
class CheckedProject:
    project: ResidentialProject
    result: r.Result
    standards_on: dt.date


def residential_checks(
    projects: QuerySet[ResidentialProject] | list[ResidentialProject], *, book: StandardsBook | None = None
) -> list[CheckedProject]:
    book = book or StandardsBook()
    today = clock.today()
    out = []
    for p in projects:
        on = check_date(p, today)
        out.append(CheckedProject(p, r.check(as_project(p), book.on(on)), on))
    return out


def e05_projects(prefix: str, end: dt.date) -> QuerySet[ResidentialProject]:
    """The projects E05 counts: new residential areas delivered by ``end`` in the region
    ``prefix`` (not scoped by actor: indicators are computed for a region)."""
    return ResidentialProject.objects.filter(
        prefix_q("region_code", prefix),
        area_type=ResidentialProject.Area.NEW,
        delivery_date__isnull=False,
        delivery_date__lte=end,
    )
