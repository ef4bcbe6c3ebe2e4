"""The facility standards of residential projects (pure Python, no Django).

A new residential area (新建居住区) must plan at least 30 m² of community elder-care floor space per
100 households and 10 childcare slots per 1,000 residents; an existing area (老城区和已建成居住区)
20 m² and 8; where the province asks it, the largest single elder-care facility must reach 350 m².
The figures come from the versioned rule ``planning.residential_standards`` (``Standards.from_rule``);
nothing here is a literal of the plan.

``check(project, standards)`` returns one ``Check`` per standard (passed or not, required and
actual values) and the overall result; ``reason_zh`` / ``reason_en`` word a failed check for the
CLI (the pages word them through gettext).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NEW, EXISTING = "new", "existing"
AREA_TYPES = (NEW, EXISTING)
AREA_ZH = {NEW: "新建居住区", EXISTING: "已建成居住区"}
AREA_EN = {NEW: "new residential area", EXISTING: "existing residential area"}

FLOOR_AREA, SLOTS, SINGLE_FACILITY = "floor_area", "slots", "single_facility"
STANDARDS = (FLOOR_AREA, SLOTS, SINGLE_FACILITY)
EPS = 1e-9


@dataclass(frozen=True)
class Standards:
    floor_area_per_100_households: Mapping[str, float]  # area type → m² per 100 households
    slots_per_1000_residents: Mapping[str, float]  # area type → slots per 1,000 residents
    single_facility_min_area: float = 0.0
    single_facility_area_types: tuple[str, ...] = ()

    @classmethod
    def from_rule(cls, data: Mapping[str, Any]) -> Standards:
        return cls(
            floor_area_per_100_households={
                a: float(data[a]["floor_area_per_100_households"]) for a in AREA_TYPES
            },
            slots_per_1000_residents={a: float(data[a]["slots_per_1000_residents"]) for a in AREA_TYPES},
            single_facility_min_area=float(data.get("single_facility_min_area") or 0),
            single_facility_area_types=tuple(data.get("single_facility_area_types") or ()),
        )


@dataclass(frozen=True)
class Project:
    code: str
    name: str
    area_type: str  # "new" or "existing"
    households: int
    residents: int
    eldercare_floor_area: float = 0.0
    largest_facility_area: float = 0.0
    childcare_slots: int = 0


@dataclass(frozen=True)
class Check:
    standard: str  # floor_area, slots, single_facility
    area_type: str
    passed: bool
    required: float  # the standard (m² per 100 households, slots per 1,000 residents, m²)
    actual: float | None  # None: cannot be computed (no households or residents recorded)


@dataclass(frozen=True)
class Result:
    project: Project
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def by_standard(self) -> dict[str, Check]:
        return {c.standard: c for c in self.checks}

    def reasons_zh(self) -> list[str]:
        return [reason_zh(c) for c in self.checks if not c.passed]

    def reasons_en(self) -> list[str]:
        return [reason_en(c) for c in self.checks if not c.passed]


def _ge(actual: float, required: float) -> bool:
    return actual >= required - EPS * max(1.0, abs(required))


def check(project: Project, standards: Standards) -> Result:
    """Each standard that applies to the project's area type, with its verdict."""
    if project.area_type not in AREA_TYPES:
        raise ValueError(f"area type must be one of {AREA_TYPES}, not {project.area_type!r}")
    a = project.area_type
    checks = []
    need_area = standards.floor_area_per_100_households[a]
    area = project.eldercare_floor_area * 100.0 / project.households if project.households > 0 else None
    checks.append(Check(FLOOR_AREA, a, area is not None and _ge(area, need_area), need_area, area))
    need_slots = standards.slots_per_1000_residents[a]
    slots = project.childcare_slots * 1000.0 / project.residents if project.residents > 0 else None
    checks.append(Check(SLOTS, a, slots is not None and _ge(slots, need_slots), need_slots, slots))
    if a in standards.single_facility_area_types and standards.single_facility_min_area > 0:
        need = standards.single_facility_min_area
        checks.append(
            Check(
                SINGLE_FACILITY,
                a,
                _ge(project.largest_facility_area, need),
                need,
                project.largest_facility_area,
            )
        )
    return Result(project, checks)


def fmt_number(value: float | None) -> str:
    """1 decimal at most, no trailing zeros: 30, 18.5, 9.7."""
    if value is None:
        return "—"
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def reason_zh(c: Check) -> str:
    area = AREA_ZH[c.area_type]
    need, actual = fmt_number(c.required), fmt_number(c.actual)
    if c.standard == FLOOR_AREA:
        if c.actual is None:
            return f"{area}未填户数，无法核算每百户养老服务设施建筑面积"
        return f"{area}每百户养老服务设施建筑面积不足{need}平方米（实有{actual}）"
    if c.standard == SLOTS:
        if c.actual is None:
            return f"{area}未填居住人口，无法核算每千人口托位数"
        return f"{area}每千人口托位数不足{need}个（实有{actual}）"
    return f"{area}单处养老服务设施建筑面积不足{need}平方米（实有{actual}）"


def reason_en(c: Check) -> str:
    area = AREA_EN[c.area_type]
    need, actual = fmt_number(c.required), fmt_number(c.actual)
    if c.standard == FLOOR_AREA:
        if c.actual is None:
            return (
                f"{area}: no households recorded, elder-care floor space per 100 households cannot be checked"
            )
        return f"{area}: elder-care floor space below {need} m² per 100 households (actual {actual})"
    if c.standard == SLOTS:
        if c.actual is None:
            return f"{area}: no residents recorded, childcare slots per 1,000 residents cannot be checked"
        return f"{area}: childcare slots below {need} per 1,000 residents (actual {actual})"
    return f"{area}: largest single elder-care facility below {need} m² (actual {actual})"


@dataclass(frozen=True)
class E05:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else 100.0 * self.numerator / self.denominator


def e05(results: list[Result]) -> E05:
    """Indicator E05 over the results of the projects counted (new areas delivered by the period
    end; the caller selects them): those meeting every standard ÷ all, ×100."""
    counted = [r for r in results if r.project.area_type == NEW]
    return E05(sum(1 for r in counted if r.passed), len(counted))
