"""Ninja schemas of the supervision API: flat, typed; the provider is named by its credit code."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from laoxiao.core.schemas import contract
from laoxiao.supervision.models import (
    Complaint,
    ComplaintStep,
    Incident,
    Inspection,
    InspectionItem,
    RectificationOrder,
    RiskSignal,
)


def _uscc(obj: Any) -> str:
    return str(obj.provider.uscc)


def _name(obj: Any) -> str:
    return str(obj.provider.name)


@contract()
class Filters(Schema):
    provider: str | None = Field(None, description="the provider's unified social credit code")
    status: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class _ProviderRow(Schema):
    id: int
    provider: str
    provider_name: str
    region_code: str

    @staticmethod
    def resolve_provider(obj: Any) -> str:
        return _uscc(obj)

    @staticmethod
    def resolve_provider_name(obj: Any) -> str:
        return _name(obj)


# --- inspections -------------------------------------------------------------------------------


class InspectionItemOut(Schema):
    code: str
    text: str
    finding: str
    note: str


class RectificationOut(Schema):
    id: int
    item_code: str | None
    requirement: str
    deadline: dt.date
    status: str = Field(description="open, done, or overdue (open past the deadline)")
    followed_up_on: dt.date | None
    follow_up_note: str

    @staticmethod
    def resolve_item_code(obj: Any) -> str | None:
        return obj.item.code if obj.item_id else None

    @staticmethod
    def resolve_status(obj: Any) -> str:
        return str(obj.current_status)


class InspectionOut(_ProviderRow):
    date: dt.date
    kind: str
    inspectors: str
    result: str
    summary: str


class InspectionDetailOut(InspectionOut):
    checklist_from: dt.date | None
    items: list[InspectionItemOut]
    orders: list[RectificationOut]

    @staticmethod
    def resolve_items(obj: Any) -> list[Any]:
        return list(obj.items.all())

    @staticmethod
    def resolve_orders(obj: Any) -> list[Any]:
        return list(obj.orders.all())


@contract(InspectionItem)
class InspectionItemIn(Schema):
    code: str = Field(min_length=1, max_length=20)
    finding: InspectionItem.Finding
    note: str = ""
    text: str = Field("", description="needed only for an item not on the checklist")


@contract(RectificationOrder)
class RectificationIn(Schema):
    requirement: str = Field(min_length=1)
    deadline: dt.date
    item_code: str | None = None


@contract(Inspection)
class InspectionIn(Schema):
    provider: str
    date: dt.date
    kind: Inspection.Kind
    inspectors: str = Field(min_length=1, max_length=300)
    result: Inspection.Result
    summary: str = ""
    items: list[InspectionItemIn] = []
    orders: list[RectificationIn] = []


# --- complaints --------------------------------------------------------------------------------


class ComplaintStepOut(Schema):
    at: dt.datetime
    actor_name: str
    action: str
    note: str


class ComplaintOut(_ProviderRow):
    received_on: dt.date
    source: str
    category: str
    description: str
    deadline: dt.date
    status: str
    outcome: str
    substantiated: bool | None
    resolved_on: dt.date | None


class ComplaintDetailOut(ComplaintOut):
    steps: list[ComplaintStepOut]

    @staticmethod
    def resolve_steps(obj: Any) -> list[Any]:
        return list(obj.steps.all())


@contract(Complaint)
class ComplaintIn(Schema):
    provider: str
    received_on: dt.date
    source: Complaint.Source
    category: Complaint.Category
    description: str = Field(min_length=1)


@contract(ComplaintStep)
class ComplaintStepIn(Schema):
    action: ComplaintStep.Action
    note: str = ""
    outcome: str | None = None
    substantiated: bool | None = None


# --- incidents ---------------------------------------------------------------------------------


class IncidentOut(_ProviderRow):
    occurred_at: dt.datetime
    kind: str
    severity: str
    description: str
    reported_at: dt.datetime
    reported_late: bool
    report_limit_hours: int | None
    handling: str
    closed_on: dt.date | None


@contract(Incident)
class IncidentIn(Schema):
    provider: str
    occurred_at: dt.datetime
    kind: Incident.Kind
    severity: Incident.Severity
    description: str = Field(min_length=1)
    reported_at: dt.datetime | None = Field(None, description="defaults to now")


# --- risk signals and alerts -------------------------------------------------------------------


class RiskSignalOut(_ProviderRow):
    kind: str
    detected_on: dt.date
    amount: Decimal | None
    description: str
    status: str
    status_note: str


@contract(RiskSignal)
class RiskSignalIn(Schema):
    provider: str
    kind: RiskSignal.Kind
    detected_on: dt.date
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    description: str = Field(min_length=1)


class AlertOut(_ProviderRow):
    kind: str
    message: str
    risk_signal_id: int | None
    created_at: dt.datetime
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None

    @staticmethod
    def resolve_acknowledged_by(obj: Any) -> str | None:
        return obj.acknowledged_by.username if obj.acknowledged_by_id else None


# --- credit ratings ----------------------------------------------------------------------------


class CreditRecordOut(Schema):
    type: str
    id: int
    date: str
    text: str
    points: int


class CreditPartOut(Schema):
    code: str
    label: str
    points: int
    records: list[CreditRecordOut]


class CreditRatingOut(_ProviderRow):
    computed_on: dt.date
    score: int
    level: str
    tier: str
    inspections_per_year: int
    rule_version: dict[str, str]


class CreditRatingDetailOut(CreditRatingOut):
    parts: list[CreditPartOut]
