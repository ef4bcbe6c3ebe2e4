"""Who is on the monthly welfare-visit list, and why: pure rules, no database.

The list is derived, never typed. The rule ``welfare.visit_list`` names the criteria as data::

    {"criteria": [{"code": "alone", "field": "living_arrangement", "in": ["alone"]},
                  {"code": "disabled", "field": "level", "in": ["moderate", "severe", "total"]},
                  {"code": "fp_special", "field": "category", "in": ["fp_special"]}, ...]}

``field`` is ``living_arrangement`` (the current value), ``category`` (a category valid that day)
or ``level`` (the final level of the latest assessment on or before that day). A person is on the
list on a day when they are 60 or older, alive (the day of death is the last day on the list) and
not moved out (likewise), and at least one criterion holds. For a month, the list is read on the
month's last day (``month_reference_day``): who enters mid-month is due that month; who dies or
moves out during the month is not.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

FIELDS = ("living_arrangement", "category", "level")
ELDER_AGE = 60


@dataclass(frozen=True)
class Criterion:
    code: str
    field: str
    values: frozenset[str]


@dataclass(frozen=True)
class VisitListRules:
    criteria: tuple[Criterion, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> VisitListRules:
        criteria = []
        for c in data["criteria"]:
            if c["field"] not in FIELDS:
                raise ValueError(f"unknown field {c['field']!r} in the visit-list rule")
            criteria.append(Criterion(c["code"], c["field"], frozenset(c["in"])))
        return cls(tuple(criteria))

    def values_of(self, field: str) -> set[str]:
        """Every value of ``field`` that puts someone on the list (for database filters)."""
        out: set[str] = set()
        for c in self.criteria:
            if c.field == field:
                out |= c.values
        return out


@dataclass(frozen=True)
class ElderFacts:
    """What the rule needs to know of one older person on one day."""

    birth_date: dt.date
    living_arrangement: str = ""
    categories: Collection[str] = ()  # categories valid that day
    level: str | None = None  # final level of the latest assessment on or before that day
    died_on: dt.date | None = None
    moved_out_on: dt.date | None = None


def birthday(birth: dt.date, years: int) -> dt.date:
    """The day someone born on ``birth`` turns ``years`` (29 February → 1 March)."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return dt.date(birth.year + years, 3, 1)


def present(facts: ElderFacts, on: dt.date) -> bool:
    """60 or older, alive and not moved out on ``on``."""
    if birthday(facts.birth_date, ELDER_AGE) > on:
        return False
    if facts.died_on is not None and on > facts.died_on:
        return False
    return not (facts.moved_out_on is not None and on > facts.moved_out_on)


def reasons(facts: ElderFacts, *, on: dt.date, rules: VisitListRules) -> tuple[str, ...]:
    """The codes of the criteria that put the person on the list on ``on`` (empty: not on it)."""
    if not present(facts, on):
        return ()
    out: list[str] = []
    for c in rules.criteria:
        if c.field == "living_arrangement":
            hit = facts.living_arrangement in c.values
        elif c.field == "category":
            hit = any(cat in c.values for cat in facts.categories)
        else:
            hit = facts.level is not None and facts.level in c.values
        if hit:
            out.append(c.code)
    return tuple(out)


def on_list(facts: ElderFacts, *, on: dt.date, rules: VisitListRules) -> bool:
    return bool(reasons(facts, on=on, rules=rules))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_reference_day(month: dt.date) -> dt.date:
    """The day a month's list is read on: its last day."""
    return month_end(month)


def is_overdue(*, visited: bool, month: dt.date, today: dt.date, overdue_after_day: int | None) -> bool:
    """Not visited in ``month`` and the month is over, or ``today`` is past the month's due day."""
    if visited:
        return False
    start = month_start(month)
    if today > month_end(start):
        return True
    if today < start:
        return False
    return overdue_after_day is not None and today.day > overdue_after_day
