"""Reads of regions and population figures, scoped to the actor."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from laoxiao.core.errors import NotFound
from laoxiao.regions.models import PopulationFigure, Region
from laoxiao.regions.scoping import code_within


def region_list(
    *, actor: Any, parent: str | None = None, level: str | None = None, q: str | None = None
) -> QuerySet[Region]:
    qs = Region.objects.visible_to(actor)
    if parent:
        qs = qs.filter(parent_id=parent)
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(name__contains=q) | qs.filter(code__startswith=q)
    return qs.order_by("code")


def region_get(*, actor: Any, code: str) -> Region:
    region = Region.objects.visible_to(actor).filter(code=code).first()
    if region is None:
        raise NotFound(code)
    return region


def region_roots(*, actor: Any) -> list[Region]:
    """The top regions the actor sees: the city for a city-wide user, else the assigned regions
    (leaving out any that lie inside another assigned region)."""
    prefixes = actor.region_prefixes()
    if prefixes is None:
        return list(Region.objects.filter(parent__isnull=True).order_by("code"))
    if not prefixes:  # deny by default: an inactive user keeps assignments but sees nothing
        return []
    assigned = list(Region.objects.filter(assignments__user=actor).distinct().order_by("code"))
    return [
        r
        for r in assigned
        if not any(r.code.startswith(o.scope_prefix) and o.code != r.code for o in assigned)
    ]


def region_ancestors(*, actor: Any, region: Region) -> list[Region]:
    """The visible regions above ``region``, top first (for breadcrumbs)."""
    prefixes = actor.region_prefixes()
    out = []
    node = region.parent
    while node is not None:
        if code_within(node.code, prefixes):
            out.append(node)
        node = node.parent
    return list(reversed(out))


def population_list(
    *, actor: Any, region: str | None = None, year: int | None = None, level: str | None = None
) -> QuerySet[PopulationFigure]:
    qs = PopulationFigure.objects.visible_to(actor).select_related("region")
    if region:
        qs = qs.filter(region_id=region)
    if year:
        qs = qs.filter(year=year)
    if level:
        qs = qs.filter(region__level=level)
    return qs.order_by("region_code", "year")


def population_of(*, actor: Any, code: str) -> list[PopulationFigure]:
    region_get(actor=actor, code=code)
    return list(PopulationFigure.objects.filter(region_id=code).order_by("year"))


def regions_with_population(*, actor: Any, regions: list[Region], year: int | None) -> list[dict[str, Any]]:
    """Each region with its figures for ``year`` and how many sub-regions the actor sees under it."""
    codes = [r.code for r in regions]
    figures = (
        {f.region_id: f for f in PopulationFigure.objects.filter(region_id__in=codes, year=year)}
        if year is not None
        else {}
    )
    counts: dict[str, int] = {}
    for parent in (
        Region.objects.visible_to(actor).filter(parent_id__in=codes).values_list("parent_id", flat=True)
    ):
        counts[parent] = counts.get(parent, 0) + 1
    return [
        {"region": r, "figure": figures.get(r.code), "child_count": counts.get(r.code, 0)} for r in regions
    ]


def children_with_population(*, actor: Any, code: str, year: int | None) -> list[dict[str, Any]]:
    """The sub-regions of ``code`` the actor sees, each with its figures for ``year``."""
    return regions_with_population(
        actor=actor, regions=list(region_list(actor=actor, parent=code)), year=year
    )


def population_years() -> list[int]:
    return sorted(PopulationFigure.objects.order_by().values_list("year", flat=True).distinct())


def county_overview(*, actor: Any) -> dict[str, Any]:
    """The visible county-level units with their latest figures, for the home page and its map."""
    years = population_years()
    year = years[-1] if years else None
    counties = list(Region.objects.visible_to(actor).filter(level=Region.Level.COUNTY).order_by("code"))
    figures = (
        {
            f.region_id: f
            for f in PopulationFigure.objects.filter(region_id__in=[c.code for c in counties], year=year)
        }
        if year
        else {}
    )
    rows = []
    for c in counties:
        f = figures.get(c.code)
        share = round(100 * f.age_60_plus / f.population, 2) if f and f.population and f.age_60_plus else None
        rows.append({"region": c, "figure": f, "share_60": share})
    total = sum(f.population for f in figures.values())
    return {"year": year, "rows": rows, "total": total}
