"""API: population projection, demand and gaps, residential projects (/api/v1/planning/...).

The same JSON the pages draw. A region outside the caller's regions answers 404; a bad parameter
422 with the field; a write the caller's role may not make 403.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator

from laoxiao.api.pagination import Pages
from laoxiao.core.schemas import contract
from laoxiao.planning import actions
from laoxiao.planning.models import ResidentialProject
from laoxiao.planning.selectors import demand as ad
from laoxiao.planning.selectors import demand as demand_selectors
from laoxiao.planning.selectors import residential as projects

router = Router(tags=["planning"])

Measure = Literal["beds", "nursing_beds", "slots", "floor_area"]


def _actor(request: HttpRequest) -> Any:
    """The caller (ninja sets ``request.auth``)."""
    return request.auth


@contract()
class ProjectionQuery(Schema):
    region: str = Field(
        ..., description="division code of the city, a county or a township (6, 9 or 12 digits)"
    )
    scenario: str | None = Field(None, description="fertility scenario (baseline, three_child)")
    to: int = Field(2035, ge=2000, le=2100, description="last year")


@contract()
class DemandQuery(ProjectionQuery):
    year: int | None = Field(None, description="year of the county gaps (default 2025)")
    measure: Measure = "beds"


class PyramidOut(Schema):
    groups: list[str]
    female: list[int]
    male: list[int]


class ProjectionOut(Schema):
    code: str
    name: str
    base_year: int
    scenario: str
    years: list[int]
    rows: list[dict[str, int | None]]
    pyramids: dict[str, PyramidOut]


class CountyGapOut(Schema):
    code: str
    name: str
    need: int
    supply: int
    gap: int


class DemandOut(ProjectionOut):
    year: int
    measure: str
    counties: list[CountyGapOut]


def _region(value: str, *, field: str = "region") -> str:
    """422 for a value that cannot be a division code; the selectors answer 404 for a code that
    names no region or one outside the caller's regions."""
    if demand_selectors.malformed_region(value):
        raise ValidationError({field: [_("Give a division code of 6, 9 or 12 digits.")]})
    return value


def _scenario(value: str | None) -> str | None:

    if value and value not in ad.scenarios():
        raise ValidationError(
            {
                "scenario": _("Unknown scenario %(s)s; known: %(known)s.")
                % {"s": value, "known": ", ".join(ad.scenarios())}
            }
        )
    return value or None


GROUP_KEYS = (
    "year",
    "population",
    "age_60_plus",
    "age_65_plus",
    "age_80_plus",
    "disabled",
    "age_0_2",
    "households",
)


@router.get("/projection", response=ProjectionOut, summary="Population projection of a region to 2035")
def projection(request: HttpRequest, q: Query[ProjectionQuery]) -> dict[str, Any]:
    series = demand_selectors.demand_series(
        actor=_actor(request), code=_region(q.region), scenario=_scenario(q.scenario), to_year=q.to
    )
    rows = [{k: row[k] for k in (*GROUP_KEYS, "births", "deaths", "migration")} for row in series["rows"]]
    return series | {"rows": rows}


@router.get("/demand", response=DemandOut, summary="Need, supply and gap by year, and the gap by county")
def demand(request: HttpRequest, q: Query[DemandQuery]) -> dict[str, Any]:
    year = q.year or 2025
    view = demand_selectors.demand_view(
        actor=_actor(request),
        code=_region(q.region),
        scenario=_scenario(q.scenario),
        to_year=q.to,
        year=year,
        measure=q.measure,
    )
    series = view["series"]
    if year not in series["years"]:
        if q.year is not None:
            raise ValidationError(
                {"year": f"choose a year from {series['years'][0]} to {series['years'][-1]}"}
            )
        year = series["years"][-1]
        view = demand_selectors.demand_view(
            actor=_actor(request),
            code=_region(q.region),
            scenario=_scenario(q.scenario),
            to_year=q.to,
            year=year,
            measure=q.measure,
        )
    return series | {"year": year, "measure": q.measure, "counties": view["counties"]}


# --- residential projects ---------------------------------------------------------------------


class CheckOut(Schema):
    standard: str
    passed: bool
    required: float
    actual: float | None


class ResidentialOut(Schema):
    id: int
    code: str
    name: str
    region_code: str
    area_type: str
    households: int
    residents: int
    eldercare_floor_area: Decimal
    largest_facility_area: Decimal
    childcare_slots: int
    delivery_date: dt.date | None
    acceptance: str
    note: str
    passed: bool
    checks: list[CheckOut]
    reasons: list[str]
    reasons_en: list[str]


@contract(ResidentialProject)
class ResidentialFilters(Schema):
    region: str | None = None
    area_type: Literal["new", "existing"] | None = None


def _no_nul(value: str) -> str:
    """JSON bodies pass the NUL filter of the query string: refuse them here (PostgreSQL cannot
    store one)."""
    if "\x00" in value:
        raise ValueError("NUL byte")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


@contract(ResidentialProject)
class ResidentialIn(Schema):
    code: Text
    name: Text
    region_code: Text
    area_type: Literal["new", "existing"]
    households: int = Field(..., ge=0)
    residents: int = Field(..., ge=0)
    eldercare_floor_area: Decimal = Field(Decimal(0), ge=0)
    largest_facility_area: Decimal = Field(Decimal(0), ge=0)
    childcare_slots: int = Field(0, ge=0)
    delivery_date: dt.date | None = None
    acceptance: Literal["pending", "passed", "failed"] = "pending"
    note: Text = ""


@contract(ResidentialProject)
class ResidentialPatch(Schema):
    code: Text | None = None
    name: Text | None = None
    region_code: Text | None = None
    area_type: Literal["new", "existing"] | None = None
    households: int | None = Field(None, ge=0)
    residents: int | None = Field(None, ge=0)
    eldercare_floor_area: Decimal | None = Field(None, ge=0)
    largest_facility_area: Decimal | None = Field(None, ge=0)
    childcare_slots: int | None = Field(None, ge=0)
    delivery_date: dt.date | None = None
    acceptance: Literal["pending", "passed", "failed"] | None = None
    note: Text | None = None


def _out(checked: projects.CheckedProject) -> dict[str, Any]:
    p = checked.project
    out = {f: getattr(p, f) for f in actions.FIELDS}
    out.update(
        id=p.pk,
        passed=checked.result.passed,
        checks=[
            {"standard": c.standard, "passed": c.passed, "required": c.required, "actual": c.actual}
            for c in checked.result.checks
        ],
        reasons=checked.result.reasons_zh(),
        reasons_en=checked.result.reasons_en(),
    )
    return out


class _CheckedList:
    """A lazy list for the paginator: counts in the database, checks only the page it slices."""

    def __init__(self, qs: Any):
        self.qs = qs

    def count(self) -> int:
        return int(self.qs.count())

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [_out(c) for c in projects.residential_checks(list(self.qs[item]))]


@router.get(
    "/residential-projects", response=list[ResidentialOut], summary="Residential projects with their check"
)
@paginate(Pages)
def residential_list(request: HttpRequest, filters: Query[ResidentialFilters]) -> Any:
    region = filters.region
    if region:
        region = demand_selectors.demand_region(actor=_actor(request), code=_region(region))
    return _CheckedList(
        projects.residential_project_list(actor=_actor(request), region=region, area_type=filters.area_type)
    )


@router.get(
    "/residential-projects/{pk}", response=ResidentialOut, summary="One residential project with its check"
)
def residential_get(request: HttpRequest, pk: int) -> dict[str, Any]:
    project = projects.residential_project_get(actor=_actor(request), pk=pk)
    return _out(projects.residential_checks([project])[0])


@router.post("/residential-projects", response={201: ResidentialOut}, summary="Record a residential project")
def residential_create(request: HttpRequest, payload: ResidentialIn) -> Any:
    _region(payload.region_code, field="region_code")
    project = actions.residential_project_create(actor=_actor(request), data=payload.dict())
    return Status(201, _out(projects.residential_checks([project])[0]))


@router.patch("/residential-projects/{pk}", response=ResidentialOut, summary="Change a residential project")
def residential_update(request: HttpRequest, pk: int, payload: ResidentialPatch) -> dict[str, Any]:
    project = projects.residential_project_get(actor=_actor(request), pk=pk)
    data = payload.dict(exclude_unset=True)
    if data.get("region_code") is not None:
        _region(data["region_code"], field="region_code")
    project = actions.residential_project_update(actor=_actor(request), project=project, data=data)
    return _out(projects.residential_checks([project])[0])
