"""The public API (/api/v1/public): no login. Filed providers only, nothing personal."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from laoxiao.api.pagination import Pages
from laoxiao.core import clock
from laoxiao.providers import selectors
from laoxiao.providers.schemas import MapOut, PublicFilters, PublicProviderDetail, PublicProviderOut
from laoxiao.supervision import selectors as supervision_selectors

router = Router(tags=["public"], auth=None)


def public_detail(uscc: str) -> dict[str, Any]:
    """What the public page and the public API show of one filed provider."""
    provider = selectors.public_get(uscc)
    supervision = supervision_selectors.public_supervision(provider)
    data = PublicProviderOut.from_orm(provider).dict()
    data["grade"] = supervision.get("grade", data.get("grade"))
    data["credit_level"] = supervision.get("credit_level", data.get("credit_level"))
    data["grade_rated_on"] = supervision.get("grade_rated_on")
    data["grade_body"] = supervision.get("grade_body") or ""
    data.update(
        serves_meals=provider.serves_meals,
        opened_on=provider.opened_on,
        prices=[
            {
                "item_code": p.item_id,
                "item_name": p.item.name,
                "unit": p.item.unit,
                "price": p.price,
                "effective_from": p.effective_from,
            }
            for p in selectors.public_prices(provider, on=clock.today())
        ],
        latest_inspection=_inspection(supervision),
    )
    return data


def _inspection(supervision: dict[str, Any]) -> dict[str, Any] | None:
    if supervision.get("latest_inspection_date") is None:
        return None
    return {
        "date": supervision["latest_inspection_date"],
        "result": supervision.get("latest_inspection_result"),
        "result_label": supervision.get("latest_inspection_result_label"),
    }


@router.get("/providers", response=list[PublicProviderOut], summary="Filed providers (public)")
@paginate(Pages)
def list_public_providers(request: HttpRequest, filters: Query[PublicFilters]):
    return selectors.public_list(**filters.dict())


@router.get(
    "/providers/map",
    response=MapOut,
    summary="Filed providers on the map (public)",
    url_name="public-provider-map-points",
)
def public_provider_map(request: HttpRequest, filters: Query[PublicFilters]):
    items = selectors.public_map_points(**filters.dict())
    return {"count": len(items), "items": items}


@router.get("/providers/{uscc}", response=PublicProviderDetail, summary="One filed provider (public)")
def get_public_provider(request: HttpRequest, uscc: str):
    return public_detail(uscc)
