"""API shapes of the plan's reference data (flat, typed)."""

from __future__ import annotations

from typing import Literal

from ninja import Schema

from laoxiao.core.schemas import contract
from laoxiao.plan.models import Indicator, PlanTask


@contract()
class IndicatorFilters(Schema):
    sector: Literal["eldercare", "childcare"] | None = None


@contract()
class TaskFilters(Schema):
    unit: str | None = None


class IndicatorOut(Schema):
    code: str
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
    code: str
    number: int
    text: str
    text_en: str
    note: str
    lead_unit: str | None
    units: list[TaskUnitOut]

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
