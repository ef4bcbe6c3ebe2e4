"""Elder ability assessment (GB/T 42195-2022): pure scoring, no database.

26 item scores → four domain sums → total (0–90) → preliminary level from the total → final level
after the adjustments (coma; dementia or a psychiatric diagnosis; care-risk events in 30 days).
The table (items, ranges, domains, level bands, adjustments) is the versioned rule
``assessment.scoring``; how many raises may apply together is ``assessment.max_raises``.
``ScoringRules.from_data`` turns the rule data into the object ``score`` needs, so this module
never reads the database: the caller loads the rule in force on the assessment date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# best → worst; the codes of ``AbilityLevel`` and of the exports
LEVELS: tuple[str, ...] = ("intact", "mild", "moderate", "severe", "total")


class ItemError(ValueError):
    """An item score is missing, unknown, not a whole number or outside its range."""

    def __init__(self, item: str, message: str):
        super().__init__(f"{item}: {message}")
        self.item = item
        self.message = message


@dataclass(frozen=True)
class Item:
    key: str
    name: str
    domain: str
    min: int
    max: int


@dataclass(frozen=True)
class Domain:
    key: str
    name: str
    max: int


@dataclass(frozen=True)
class Band:
    level: str
    min_total: int
    max_total: int


@dataclass(frozen=True)
class ScoringRules:
    items: tuple[Item, ...]
    domains: tuple[Domain, ...]
    bands: tuple[Band, ...]  # best → worst
    coma_level: str = "total"
    diagnosis_raises: int = 1
    risk_events_threshold: int = 2
    risk_events_raises: int = 1
    max_raises: int = 1
    version: str = ""

    @classmethod
    def from_data(
        cls, data: Mapping[str, Any], *, max_raises: int | None = None, version: str = ""
    ) -> ScoringRules:
        adj = data.get("adjustments", {})
        bands = tuple(Band(b["level"], int(b["min_total"]), int(b["max_total"])) for b in data["levels"])
        if [b.level for b in bands] != list(LEVELS):
            raise ValueError("the level bands must list intact, mild, moderate, severe, total in order")
        return cls(
            items=tuple(
                Item(i["key"], i.get("name", i["key"]), i["domain"], int(i["min"]), int(i["max"]))
                for i in data["items"]
            ),
            domains=tuple(Domain(d["key"], d.get("name", d["key"]), int(d["max"])) for d in data["domains"]),
            bands=bands,
            coma_level=adj.get("coma_level", "total"),
            diagnosis_raises=int(adj.get("diagnosis_raises", 1)),
            risk_events_threshold=int(adj.get("risk_events_threshold", 2)),
            risk_events_raises=int(adj.get("risk_events_raises", 1)),
            max_raises=int(max_raises if max_raises is not None else adj.get("max_raises", 1)),
            version=version,
        )

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.items)

    @property
    def max_total(self) -> int:
        return sum(i.max for i in self.items)


@dataclass(frozen=True)
class Result:
    items: dict[str, int]
    domains: dict[str, int]
    total: int
    preliminary_level: str
    level: str
    adjustments: tuple[str, ...] = field(default=())  # what changed the level: coma, diagnosis, risk_events

    @property
    def adjusted(self) -> bool:
        return self.level != self.preliminary_level


def level_for_total(total: int, *, rules: ScoringRules) -> str:
    for band in rules.bands:
        if band.min_total <= total <= band.max_total:
            return band.level
    raise ValueError(f"total {total} is in no level band")


def worse(level: str, steps: int = 1) -> str:
    """The level ``steps`` worse than ``level`` (never past total loss)."""
    return LEVELS[min(LEVELS.index(level) + max(steps, 0), len(LEVELS) - 1)]


def is_worse_or_equal(a: str, b: str) -> bool:
    """Is level ``a`` as bad as ``b`` or worse?"""
    return LEVELS.index(a) >= LEVELS.index(b)


def check_items(items: Mapping[str, Any], *, rules: ScoringRules) -> dict[str, int]:
    """Every item present, known, a whole number within its range; raises ``ItemError`` naming it."""
    unknown = [k for k in items if k not in rules.item_keys]
    if unknown:
        raise ItemError(unknown[0], "not an item of the scale")
    out: dict[str, int] = {}
    for item in rules.items:
        if item.key not in items or items[item.key] is None:
            raise ItemError(item.key, "missing")
        value = items[item.key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ItemError(item.key, "not a whole number")
        if not item.min <= value <= item.max:
            raise ItemError(item.key, f"must be between {item.min} and {item.max}")
        out[item.key] = value
    return out


def score(
    items: Mapping[str, Any],
    *,
    rules: ScoringRules,
    coma: bool = False,
    dementia: bool = False,
    psychiatric: bool = False,
    risk_events_30d: int = 0,
) -> Result:
    """Score one assessment. Raises ``ItemError`` (a ValueError) for a bad item score."""
    if isinstance(risk_events_30d, bool) or not isinstance(risk_events_30d, int) or risk_events_30d < 0:
        raise ItemError("risk_events_30d", "must be a whole number, 0 or more")
    clean = check_items(items, rules=rules)
    domains = {d.key: 0 for d in rules.domains}
    for item in rules.items:
        domains[item.domain] += clean[item.key]
    total = sum(domains.values())
    preliminary = level_for_total(total, rules=rules)
    raises = 0
    applied: list[str] = []
    if dementia or psychiatric:
        raises += rules.diagnosis_raises
        applied.append("diagnosis")
    if risk_events_30d >= rules.risk_events_threshold:
        raises += rules.risk_events_raises
        applied.append("risk_events")
    level = worse(preliminary, min(raises, rules.max_raises))
    if coma:
        if is_worse_or_equal(rules.coma_level, level):  # an adjustment never makes a level better
            level = rules.coma_level
        applied.insert(0, "coma")
    return Result(
        items=clean,
        domains=domains,
        total=total,
        preliminary_level=preliminary,
        level=level,
        adjustments=tuple(applied),
    )
