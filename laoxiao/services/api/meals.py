"""The services API: meals, diners and meal settlements (mounted at /api/v1/services by
``laoxiao.api.main``). Amounts in fen. (No ``from __future__ import annotations``: ninja must see
the real ``Query[...]`` types.)"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from laoxiao.api.idempotency import idempotent
from laoxiao.api.pagination import Pages
from laoxiao.core.schemas import contract
from laoxiao.services.actions import meals as actions
from laoxiao.services.models import Diner, MealRecord
from laoxiao.services.schemas import PersonServiceRow
from laoxiao.services.selectors import meals as selectors

router = Router(tags=["services"])


class MealOut(PersonServiceRow):
    served_on: dt.date
    slot: str
    mode: str
    verified_by: str
    price_fen: int
    subsidy_fen: int
    paid_fen: int
    subsidy_reason: str
    external_ref: str
    settlement: int | None = Field(None, alias="settlement_id")


class DinerOut(PersonServiceRow):
    registered_on: dt.date
    ended_on: dt.date | None
    delivery: bool


class SettlementOut(Schema):
    id: int
    provider: str
    provider_name: str
    region_code: str
    period: dt.date
    status: str
    meals: int
    subsidised: int
    price_fen: int
    subsidy_fen: int
    prepared_at: dt.datetime | None
    approved_at: dt.datetime | None

    @staticmethod
    def resolve_provider(obj: Any) -> str:
        return str(obj.provider.uscc)

    @staticmethod
    def resolve_provider_name(obj: Any) -> str:
        return str(obj.provider.name)


@contract()
class MealFilters(Schema):
    provider: str | None = Field(None, description="the meal point's unified social credit code")
    elder: int | None = None
    day_from: dt.date | None = None
    day_to: dt.date | None = None


@contract(MealRecord)
class MealIn(Schema):
    provider: str = Field(description="the meal point's unified social credit code")
    elder: int = Field(description="the person's id")
    served_on: dt.date
    slot: MealRecord.Slot
    mode: MealRecord.Mode
    verified_by: MealRecord.Verification
    price_fen: int
    external_ref: str = ""


@contract(Diner)
class DinerIn(Schema):
    provider: str
    elder: int
    delivery: bool = False


@contract()
class SettlementFilters(Schema):
    provider: str | None = None
    status: str | None = None


@contract()
class SettlementBuildIn(Schema):
    period: str = Field(description="YYYY-MM")
    provider: str | None = None


def _provider(request: HttpRequest, uscc: str | None) -> Any:
    return selectors.provider_get(actor=request.auth, uscc=uscc) if uscc else None


def _period(raw: str) -> dt.date:
    try:
        return dt.date(int(raw[:4]), int(raw[5:7]), 1)
    except ValueError:
        raise ValidationError({"period": _("Give the month as YYYY-MM.")}) from None


@router.get("/meals", response=list[MealOut], summary="Meals served (with subsidy and what the diner paid)")
@paginate(Pages)
def list_meals(request: HttpRequest, filters: Query[MealFilters]):
    f = filters.dict()
    return selectors.meals_of(actor=request.auth, **{**f, "provider": _provider(request, f["provider"])})


@router.get("/meals/{pk}", response=MealOut, summary="One meal")
def get_meal(request: HttpRequest, pk: int):
    return selectors.meal_get(actor=request.auth, pk=pk)


@router.post("/meals", response={201: MealOut}, summary="Record a meal (the subsidy follows the rule)")
@idempotent
def create_meal(request: HttpRequest, payload: MealIn):
    provider = selectors.provider_get(actor=request.auth, uscc=payload.provider)
    elder = selectors.elder_for(actor=request.auth, pk=payload.elder, provider=provider)
    meal = actions.meal_record(
        actor=request.auth,
        elder=elder,
        provider=provider,
        served_on=payload.served_on,
        slot=payload.slot.value,
        mode=payload.mode.value,
        verified_by=payload.verified_by.value,
        price_fen=payload.price_fen,
        external_ref=payload.external_ref,
    )
    return Status(201, selectors.meal_get(actor=request.auth, pk=meal.pk))


@router.get("/diners", response=list[DinerOut], summary="Diners registered at meal points")
@paginate(Pages)
def list_diners(request: HttpRequest, provider: str | None = None):
    return selectors.diners_of(actor=request.auth, provider=_provider(request, provider))


@router.post("/diners", response={201: DinerOut}, summary="Register a diner at a meal point")
def create_diner(request: HttpRequest, payload: DinerIn):
    provider = selectors.provider_get(actor=request.auth, uscc=payload.provider)
    elder = selectors.elder_for(actor=request.auth, pk=payload.elder, provider=provider)
    diner = actions.diner_register(
        actor=request.auth, elder=elder, provider=provider, delivery=payload.delivery
    )
    return Status(201, selectors.diners_of(actor=request.auth).get(pk=diner.pk))


@router.get("/meal-settlements", response=list[SettlementOut], summary="Monthly meal settlements")
@paginate(Pages)
def list_settlements(request: HttpRequest, filters: Query[SettlementFilters]):
    f = filters.dict()
    return selectors.settlements_of(
        actor=request.auth, provider=_provider(request, f["provider"]), status=f["status"]
    )


@router.get("/meal-settlements/{pk}", response=SettlementOut, summary="One meal settlement")
def get_settlement(request: HttpRequest, pk: int):
    return selectors.settlement_get(actor=request.auth, pk=pk)


@router.post(
    "/meal-settlements",
    response={200: list[SettlementOut]},
    summary="Build or refresh a month's settlements",
)
def build_settlements(request: HttpRequest, payload: SettlementBuildIn):
    built = actions.meal_settlement_build(
        actor=request.auth, period=_period(payload.period), provider=_provider(request, payload.provider)
    )
    return Status(200, [selectors.settlement_get(actor=request.auth, pk=s.pk) for s in built])


@router.post(
    "/meal-settlements/{pk}/approve",
    response={200: SettlementOut},
    summary="Approve (county civil-affairs office)",
)
def approve_settlement(request: HttpRequest, pk: int):
    settlement = selectors.settlement_get(actor=request.auth, pk=pk)
    actions.meal_settlement_approve(actor=request.auth, settlement=settlement)
    return Status(200, selectors.settlement_get(actor=request.auth, pk=pk))
