"""/api/v1/indicators/{code}/records: the records behind a computed indicator's value (drill-down).

Scoped and masked (``laoxiao.plan.records``): a region outside the caller's regions or an
unknown indicator answers 404; a bad ``part`` or ``period`` 422 naming the field.

No ``from __future__ import annotations`` here (ninja resolves the annotations at import).
"""

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from laoxiao.core.paging import api_page
from laoxiao.core.schemas import contract
from laoxiao.plan import records
from laoxiao.regions.models import Region

router = Router(tags=["indicator values"])


@contract()
class RecordsQuery(Schema):
    region: str | None = Field(None, description="a 12-digit division code (default: the city)")
    period: str = Field(..., description="a year (2021) or a month (2021-06, monthly indicators)")
    part: str = Field("numerator", description="numerator or denominator")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=500)


class RecordsOut(Schema):
    code: str
    region_code: str
    region_name: str
    period: str
    part: str
    kind: str = Field(description="elders, children, providers, staff, regions, doses, or figure")
    count: int = Field(description="rows listed (for a count or a rate: the stored figure)")
    total: float | int | None = Field(
        description="the stored figure: the count, the sum of `amount` (beds, slots), or the figure ÷ per"
    )
    amount: str | None = Field(description="the field each row adds to the total (sums only)")
    figure_name: str | None = Field(description="the population figure of a figure denominator")
    figure: int | None
    per: int
    page: int
    page_size: int
    items: list[dict[str, Any]]


def _number(value: Decimal | int | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@router.get(
    "/{code}/records",
    response=RecordsOut,
    summary="The records behind a computed indicator's numerator or denominator, for a region and period",
)
def list_records(request: HttpRequest, code: str, query: Query[RecordsQuery]):
    region = query.region
    if not region:
        city = Region.objects.filter(level=Region.Level.CITY).order_by("code").first()
        region = city.code if city else ""
    found = records.indicator_records(
        actor=request.auth,
        code=code,
        region_code=region,
        period=query.period,
        part=query.part,
    )
    page = api_page(found.rows, page=query.page, page_size=query.page_size, count=found.count())
    return {
        "code": found.code,
        "region_code": found.region_code,
        "region_name": found.region_name,
        "period": found.period,
        "part": found.part,
        "kind": found.kind,
        "count": page["count"],
        "total": _number(found.total()),
        "amount": found.amount,
        "figure_name": found.figure_name or None,
        "figure": _number(found.figure),
        "per": found.per,
        "page": page["page"],
        "page_size": page["page_size"],
        "items": [records.jsonable(r) for r in page["items"]],
    }
