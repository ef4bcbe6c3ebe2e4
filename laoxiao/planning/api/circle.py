"""API: service-circle coverage, accessibility and siting on the platform's data (/api/v1/planning/...).

The same results as the planning pages, as JSON: ``GET /coverage``, ``GET /access``, ``GET /siting``
with the region, demand group and parameters in the query string. A region outside the caller's
regions, or a group outside the caller's sectors, answers 404; a bad parameter 422 with the field.
"""

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from laoxiao.core.errors import NotFound
from laoxiao.core.schemas import contract
from laoxiao.planning.selectors.circle import (
    CAPACITIES,
    access_report,
    circle_rules,
    coverage_report,
    groups_for,
    region_for,
    siting_report,
)
from laoxiao.planning.selectors.demand import malformed_region

router = Router(tags=["planning"])


@contract()
class CircleQuery(Schema):
    region: str = Field(..., description="division code of the region (6 digits are enough for a county)")
    group: Literal["elders", "children"] = "elders"
    radius: float | None = Field(None, gt=0, description="walking threshold in metres (default: the rule's)")
    detour: float = Field(1.0, ge=1, le=3, description="straight-line distance × this")


@contract()
class AccessQuery(CircleQuery):
    capacity: Literal["beds", "nursing_beds", "slots"] | None = None
    method: Literal["2sfca", "e2sfca"] = "e2sfca"
    decay: Literal["gaussian", "step"] = "gaussian"
    sigma: float | None = Field(None, gt=0, description="Gaussian width in metres (default radius/2)")
    steps: str | None = Field(
        None, description="'d1:w1,d2:w2,...' in metres (default R/3:1,2R/3:0.68,R:0.22)"
    )


@contract()
class SitingQuery(CircleQuery):
    k: int = Field(..., ge=1, description="how many new sites")


def _checked(request: HttpRequest, q: CircleQuery) -> tuple[Any, float]:
    """The region (404 outside the caller's regions or sectors) and the radius (422 if too large)."""
    actor = request.auth
    if malformed_region(q.region):
        raise ValidationError({"region": [_("Give a division code of 6, 9 or 12 digits.")]})
    region = region_for(q.region, actor=actor)
    if q.group not in groups_for(actor):
        raise NotFound(q.group)
    rules = circle_rules()
    radius = float(q.radius if q.radius is not None else rules["radius_m"])
    if radius > float(rules["max_radius_m"]):
        raise ValidationError({"radius": [_("At most %(max)s metres.") % {"max": rules["max_radius_m"]}]})
    return region, radius


@router.get(
    "/coverage", summary="Service-circle coverage of a region's communities", url_name="planning-coverage-api"
)
def coverage(request: HttpRequest, q: Query[CircleQuery]) -> dict[str, Any]:
    region, radius = _checked(request, q)
    return coverage_report(region=region, group=q.group, radius=radius, detour=q.detour)


@router.get(
    "/access", summary="2SFCA / enhanced 2SFCA accessibility per community", url_name="planning-access-api"
)
def access(request: HttpRequest, q: Query[AccessQuery]) -> dict[str, Any]:
    region, radius = _checked(request, q)
    max_radius = circle_rules()["max_radius_m"]
    if q.sigma is not None and q.sigma > float(max_radius):  # σ² stays finite
        raise ValidationError({"sigma": [_("At most %(max)s metres.") % {"max": max_radius}]})
    capacity = q.capacity or CAPACITIES[q.group][0]
    if capacity not in CAPACITIES[q.group]:
        raise ValidationError({"capacity": [_("This capacity does not apply to this group.")]})
    steps = None
    if q.steps:
        from laoxiao.planning.analysis import accessibility  # scipy: imported on use

        try:
            steps = accessibility.parse_steps(q.steps)
        except ValueError:
            raise ValidationError(
                {
                    "steps": [
                        _(
                            "Write steps as distance:weight pairs separated by commas, e.g. 300:1,600:0.68,1000:0.22."
                        )
                    ]
                }
            ) from None
    return access_report(
        region=region,
        group=q.group,
        capacity=capacity,
        method=q.method,
        radius=radius,
        decay=q.decay,
        sigma=q.sigma,
        steps=steps,
    )


@router.get(
    "/siting",
    summary="Maximal covering: k new sites that cover the most people",
    url_name="planning-siting-api",
)
def site(request: HttpRequest, q: Query[SitingQuery]) -> dict[str, Any]:
    region, radius = _checked(request, q)
    if q.k > int(circle_rules()["siting_max_k"]):
        raise ValidationError({"k": [_("At most %(max)s sites.") % {"max": circle_rules()["siting_max_k"]}]})
    try:
        return siting_report(region=region, group=q.group, radius=radius, k=q.k, detour=q.detour)
    except ValueError as exc:
        raise ValidationError({"k": [str(exc)]}) from None
