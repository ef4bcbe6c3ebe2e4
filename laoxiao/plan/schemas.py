"""API shapes of the plan's reference data (flat, typed)."""

from __future__ import annotations

from typing import Literal

from ninja import Schema

from laoxiao.core.schemas import contract
from laoxiao.plan.models import Indicator, Plan, PlanTask


@contract()
class IndicatorFilters(Schema):
    sector: Literal["eldercare", "childcare"] | None = None
    plan: str | None = None


@contract()
class TaskFilters(Schema):
    unit: str | None = None
    plan: str | None = None


class PlanOut(Schema):
    code: str
    name: str
    name_en: str
    region_code: str
    first_year: int
    last_year: int
    baseline_year: int
    status: str
    version: int
    replaces: str | None
    follows: str | None
    reason: str
    source: str
    targets_are_examples: bool

    @staticmethod
    def resolve_replaces(obj: Plan) -> str | None:
        return obj.replaces_id

    @staticmethod
    def resolve_follows(obj: Plan) -> str | None:
        return obj.follows_id


class IndicatorOut(Schema):
    plan: str
    code: str
    measure: str
    continues: int | None
    order: int
    sector: str
    name: str
    name_en: str
    unit: str
    unit_en: str
    baseline: float | None
    baseline_year: int
    target: float
    target_year: int
    comparator: str
    target_text: str
    kind: str
    responsible_unit: str | None
    responsible_unit_name: str | None
    source: str
    note: str

    @staticmethod
    def resolve_plan(obj: Indicator) -> str:
        return obj.plan_id

    @staticmethod
    def resolve_measure(obj: Indicator) -> str:
        return obj.measure_id

    @staticmethod
    def resolve_continues(obj: Indicator) -> int | None:
        return obj.continues_id

    @staticmethod
    def resolve_baseline(obj: Indicator) -> float | None:
        return None if obj.baseline is None else float(obj.baseline)

    @staticmethod
    def resolve_target(obj: Indicator) -> float:
        return float(obj.target)

    @staticmethod
    def resolve_responsible_unit(obj: Indicator) -> str | None:
        return obj.responsible_unit_id

    @staticmethod
    def resolve_responsible_unit_name(obj: Indicator) -> str | None:
        return obj.responsible_unit.name if obj.responsible_unit else None


class TaskUnitOut(Schema):
    code: str
    name: str
    name_en: str
    is_lead: bool


class TaskOut(Schema):
    plan: str
    code: str
    number: int
    text: str
    text_en: str
    note: str
    lead_unit: str | None
    units: list[TaskUnitOut]

    @staticmethod
    def resolve_plan(obj: PlanTask) -> str:
        return obj.plan_id

    @staticmethod
    def resolve_lead_unit(obj: PlanTask) -> str | None:
        lead = obj.lead_unit
        return lead.code if lead else None

    @staticmethod
    def resolve_units(obj: PlanTask) -> list[dict[str, object]]:
        return [
            {"code": tu.unit.code, "name": tu.unit.name, "name_en": tu.unit.name_en, "is_lead": tu.is_lead}
            for tu in sorted(obj.task_units.all(), key=lambda tu: tu.order)
        ]


class UnitOut(Schema):
    code: str
    name: str
    name_en: str
    order: int
    aliases: list[str]
    note: str
    task_count: int
    lead_count: int
    indicator_count: int
