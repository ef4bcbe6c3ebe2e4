from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from laoxiao.api.pagination import Pages
from laoxiao.core.schemas import contract
from laoxiao.regions import selectors
from laoxiao.regions.models import PopulationFigure, Region
from laoxiao.regions.schemas import PopulationOut, RegionOut

router = Router(tags=["regions"])


@contract(Region)
class RegionFilters(Schema):
    parent: str | None = None
    level: str | None = None
    q: str | None = None


@contract(PopulationFigure)
class PopulationFilters(Schema):
    region: str | None = None
    year: int | None = None
    level: str | None = None


@router.get("/", response=list[RegionOut], summary="Regions the caller sees")
@paginate(Pages)
def list_regions(request: HttpRequest, filters: Query[RegionFilters]):
    return selectors.region_list(actor=request.auth, **filters.dict())


@router.get(
    "/population", response=list[PopulationOut], summary="Population figures of the regions the caller sees"
)
@paginate(Pages)
def list_population(request: HttpRequest, filters: Query[PopulationFilters]):
    return selectors.population_list(actor=request.auth, **filters.dict())


@router.get("/{code}", response=RegionOut, summary="One region")
def get_region(request: HttpRequest, code: str):
    return selectors.region_get(actor=request.auth, code=code)


@router.get("/{code}/population", response=list[PopulationOut], summary="A region's figures by year")
def get_region_population(request: HttpRequest, code: str):
    return selectors.population_of(actor=request.auth, code=code)
