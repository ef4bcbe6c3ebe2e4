"""Public pages (/public/): no login. Filed providers only, nothing personal."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control

from laoxiao.core.paging import page_of
from laoxiao.portal.api import public_detail
from laoxiao.providers import selectors
from laoxiao.providers.models import Provider
from laoxiao.providers.views import filter_choices, kind_labels, list_filters
from laoxiao.regions.boundaries import city_boundaries

PAGE_SIZE = 30


def portal_home(request: HttpRequest) -> HttpResponse:
    return redirect("public-provider-list")


def provider_directory(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request)
    filters.pop("filing_status", None)
    qs = selectors.public_list(**filters)
    page = page_of(qs, request.GET.get("page"), per_page=PAGE_SIZE)
    choices = filter_choices(None)
    return render(
        request,
        "portal/directory.html",
        {
            "page": page,
            "filters": request.GET,
            "choices": choices,
            "points_url": reverse("api-v1:public-provider-map-points"),
            "geo_url": reverse("public-boundaries"),
            "detail_url": reverse("public-provider-detail", args=["USCC"]),
            "kind_labels": kind_labels(),
        },
    )


def provider_page(request: HttpRequest, uscc: str) -> HttpResponse:
    data = public_detail(uscc)
    labels = {
        "kind": dict(Provider.Kind.choices).get(data["kind"], data["kind"]),
        "ownership": dict(Provider.Ownership.choices).get(data["ownership"], data["ownership"]),
        "supply_tier": dict(Provider.SupplyTier.choices).get(data["supply_tier"], data["supply_tier"]),
        "filing_status": dict(Provider.FilingStatus.choices).get(
            data["filing_status"], data["filing_status"]
        ),
    }
    point = (
        {"uscc": data["uscc"], "name": data["name"], "lon": data["lon"], "lat": data["lat"]}
        if data["lon"] is not None and data["lat"] is not None
        else None
    )
    return render(
        request,
        "portal/provider.html",
        {
            "p": data,
            "labels": labels,
            "is_childcare": data["kind"] not in ("eldercare_home", "community_centre", "meal_point"),
            "point": point,
            "geo_url": reverse("public-boundaries"),
        },
    )


@cache_control(public=True, max_age=86400)
def boundaries(request: HttpRequest) -> HttpResponse:
    """The city's county boundaries (public geography) for the public map."""
    return JsonResponse(city_boundaries(settings.LAOXIAO_CITY_CODE))
