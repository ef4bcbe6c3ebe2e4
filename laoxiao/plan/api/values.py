"""/api/v1/indicators: indicator values for a region and period, and reported values with their review.

Indicator values are aggregates: any signed-in staff user reads them for any region of the city
(an unknown region answers 404, a bad period 422 naming ``period``). Reported values are seen by the
reporters of the indicator's responsible unit and by city administrators; a row outside that
answers 404, an action the caller may not take 403, bad input 422 with the field.

No ``from __future__ import annotations`` here (ninja resolves the annotations at import).
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from laoxiao.api.pagination import Pages
from laoxiao.core.errors import NotFound
from laoxiao.core.schemas import contract
from laoxiao.jobs.api import JobOut, job_out
from laoxiao.plan.actions import values as actions
from laoxiao.plan.calculators import Period
from laoxiao.plan.models import ReportedValue
from laoxiao.plan.selectors import values as selectors
from laoxiao.plan.selectors.plans import plan_indicators, plan_or_default
from laoxiao.regions.models import Region

router = Router(tags=["indicator values"])


class ValueOut(Schema):
    code: str
    plan: str
    measure: str
    name: str
    unit: str
    period: str
    region_code: str
    value: int | float | None = Field(description="null with a reason where there is no value")
    numerator: int | float | None
    denominator: int | float | None
    reason: str | None
    baseline: int | float | None = Field(description="the 2020 figure of Table 1")
    target: int | float | None = Field(description="the 2025 target")
    comparator: str = Field(description="gte (≥), gt (>) or eq (=)")
    kind: str = Field(description="computed or reported")
    status: str | None = Field(
        description="achieved, on_track, behind, or null (no value, or a count below the city)"
    )
    expected: int | float | None = Field(
        description="the straight line from the baseline to the target for the year"
    )
    computed_at: str | None


@contract()
class ValuesQuery(Schema):
    region: str | None = Field(None, description="a 12-digit division code (default: the city)")
    period: str = Field(..., description="a year (2021) or a month (2021-06)")
    plan: str | None = Field(None, description="a plan's code (default: the plan for the period's year)")


class ReportedOut(Schema):
    id: int
    indicator: str
    measure: str
    indicator_name: str
    unit: str
    region_code: str
    period: str
    value: float
    source: str
    note: str
    reporting_unit: str | None
    status: str
    submitted_by: str
    submitted_at: dt.datetime
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    review_note: str
    replaces: int | None

    @staticmethod
    def resolve_id(obj: ReportedValue) -> int:
        return obj.pk

    @staticmethod
    def resolve_indicator(obj: ReportedValue) -> str:
        return obj.measure.alias or obj.measure_id

    @staticmethod
    def resolve_measure(obj: ReportedValue) -> str:
        return obj.measure_id

    @staticmethod
    def resolve_indicator_name(obj: ReportedValue) -> str:
        return obj.measure.name

    @staticmethod
    def resolve_unit(obj: ReportedValue) -> str:
        return obj.measure.unit

    @staticmethod
    def resolve_value(obj: ReportedValue) -> float:
        return float(obj.value)

    @staticmethod
    def resolve_reporting_unit(obj: ReportedValue) -> str | None:
        return obj.unit_id

    @staticmethod
    def resolve_submitted_by(obj: ReportedValue) -> str:
        return str(obj.submitted_by)

    @staticmethod
    def resolve_reviewed_by(obj: ReportedValue) -> str | None:
        return str(obj.reviewed_by) if obj.reviewed_by_id else None

    @staticmethod
    def resolve_replaces(obj: ReportedValue) -> int | None:
        return obj.replaces_id


@contract(ReportedValue)
class ReportedFilters(Schema):
    indicator: str | None = Field(None, description="a measure's key or alias (E01)")
    region: str | None = Field(None, description="a 12-digit division code (exactly)")
    period: str | None = None
    status: ReportedValue.Status | None = None


@contract(ReportedValue)
class ReportedIn(Schema):
    indicator: str = Field(
        ..., description="the code of a reported indicator of the plan (E01, E02, E09, ...)"
    )
    plan: str | None = Field(None, description="a plan's code (default: this year's plan)")
    region_code: str = Field(..., description="a 12-digit division code of the city")
    period: str = Field(..., description="a year (2021)")
    value: Decimal
    source: str = Field(..., description="where the figure comes from")
    note: str = ""


@contract(ReportedValue)
class ReviewIn(Schema):
    note: str = ""


def _reported_out(r: ReportedValue) -> ReportedValue:
    return r  # ReportedOut resolves its fields from the row


def _reader(request: HttpRequest) -> Any:
    actor = request.auth
    if not selectors.can_read_values(actor):
        raise PermissionDenied(_("Only the platform's staff read indicator values."))
    return actor


@router.get(
    "/values",
    response=list[ValueOut],
    summary="Every indicator's value for a region and period, with its status against the plan",
)
def list_values(request: HttpRequest, query: Query[ValuesQuery]):
    actor = _reader(request)
    try:
        period = Period.parse(query.period)
    except ValueError:
        raise ValidationError({"period": _("A period is a year (2021) or a month (2021-06).")}) from None
    if query.region:
        region = selectors.region_or_404(query.region)
        code = selectors.require_aggregate_region(actor, "indicator_values", region).code
    else:
        city = Region.objects.filter(level=Region.Level.CITY).order_by("code").first()
        if city is None:
            raise NotFound("city")
        code = city.code
    plan = plan_or_default(query.plan, year=period.year)
    return [v.as_json() for v in selectors.indicator_values(region_code=code, period=period.text, plan=plan)]


@router.get(
    "/reported",
    response=list[ReportedOut],
    summary="Reported figures (a reporter: their unit's; a city administrator: all), newest first",
)
@paginate(Pages)
def list_reported(request: HttpRequest, filters: Query[ReportedFilters]):
    return selectors.reported_list(actor=request.auth, **filters.dict())


@router.get("/reported/{pk}", response=ReportedOut, summary="One reported figure")
def get_reported(request: HttpRequest, pk: int):
    return _reported_out(selectors.reported_get(actor=request.auth, pk=pk))


@router.post(
    "/reported",
    response={201: ReportedOut},
    summary="Submit a figure of a reported indicator for a region and period (waits for review)",
)
def submit_reported(request: HttpRequest, payload: ReportedIn):
    try:
        plan = plan_or_default(payload.plan)
    except NotFound:
        raise ValidationError({"plan": _("There is no such plan.")}) from None
    indicator = plan_indicators(plan).filter(code=payload.indicator.strip().upper()).first()
    if indicator is None:
        raise ValidationError({"indicator": _("There is no such indicator.")})
    row = actions.reported_value_submit(
        actor=request.auth,
        indicator=indicator,
        region_code=payload.region_code,
        period=payload.period,
        value=payload.value,
        source=payload.source,
        note=payload.note,
    )
    return Status(201, _reported_out(row))


@router.post(
    "/reported/{pk}/approve",
    response=ReportedOut,
    summary="Approve a submitted figure (city administrators): it becomes the indicator's value",
)
def approve_reported(request: HttpRequest, pk: int, payload: ReviewIn):
    actor = request.auth
    row = selectors.reported_get(actor=actor, pk=pk)
    return _reported_out(actions.reported_value_approve(actor=actor, reported=row, note=payload.note))


@router.post(
    "/reported/{pk}/reject",
    response=ReportedOut,
    summary="Reject a submitted figure, saying why (city administrators)",
)
def reject_reported(request: HttpRequest, pk: int, payload: ReviewIn):
    actor = request.auth
    row = selectors.reported_get(actor=actor, pk=pk)
    return _reported_out(actions.reported_value_reject(actor=actor, reported=row, note=payload.note))


@router.post(
    "/reported/{pk}/withdraw",
    response=ReportedOut,
    summary="Withdraw a submitted figure before it is reviewed",
)
def withdraw_reported(request: HttpRequest, pk: int):
    actor = request.auth
    row = selectors.reported_get(actor=actor, pk=pk)
    return _reported_out(actions.reported_value_withdraw(actor=actor, reported=row))


@contract()
class ComputeIn(Schema):
    period: str = Field(description="a year (2021) or a month (2021-06)")
    region: str = Field(description="a region's 12-digit code: it and every region below it are recomputed")


@router.post(
    "/compute",
    response={202: JobOut},
    summary="Queue the recomputation of a region and everything below it (city administrators)",
    description="Answers 202 at once with the job; follow it at GET /api/v1/jobs/{id}.",
)
def compute_values(request: HttpRequest, payload: ComputeIn):
    job = actions.indicator_values_recompute_enqueue(
        actor=request.auth,
        period=payload.period,
        region_code=payload.region.strip(),
    )
    job.refresh_from_db()
    return Status(202, job_out(job))
