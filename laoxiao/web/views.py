from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from laoxiao.accounts.roles import ROLE_BY_CODE
from laoxiao.regions import selectors as region_selectors
from laoxiao.web.navigation import navigation_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    roles = [ROLE_BY_CODE[c] for c in user.role_codes()]
    regions = region_selectors.region_roots(actor=user)
    tiles = navigation_for(user)[1:]
    overview = region_selectors.county_overview(actor=user)
    return render(
        request,
        "web/home.html",
        {
            "roles": roles,
            "regions": regions,
            "tiles": tiles,
            "overview": overview,
            "map_data": {
                "title": str(_("Share of residents aged 60+ (%)")),
                "values": [
                    {"name": r["region"].name, "value": r["share_60"]}
                    for r in overview["rows"]
                    if r["share_60"]
                ],
            },
        },
    )
