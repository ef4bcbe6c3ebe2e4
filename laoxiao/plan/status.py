"""The status of an indicator value against the plan (rule ``indicators.status``).

- achieved: the value meets the target with its comparator (≥, >, =, ≤, <);
- on track: it meets the straight line from the plan's baseline to its target for its year
  (a ``>`` target is read as ``≥`` on the line, a ``<`` one as ``≤``);
- behind: otherwise. Without a baseline a value is achieved or behind.

Counts and amounts (a unit the rule lists under ``count_units`` and no denominator: providers,
staff, communities, the industry's size in 万元) have city targets only, so below the levels the
rule lists (``count_levels``) they get no status. No value, no status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from laoxiao.core.rules import rule

ACHIEVED = "achieved"
ON_TRACK = "on_track"
BEHIND = "behind"
LABELS: dict[str, Any] = {
    ACHIEVED: _("achieved"),
    ON_TRACK: _("on track"),
    BEHIND: _("behind"),
}
ORDER = {BEHIND: 0, ON_TRACK: 1, ACHIEVED: 2}


@dataclass(frozen=True)
class Status:
    code: str | None  # achieved | on_track | behind | None (no status)
    expected: Decimal | None  # the straight-line value for the year, where there is one

    @property
    def label(self) -> Any:
        return LABELS.get(self.code or "", "")


def status_rule(year: int, on: dt.date | None = None) -> Any:
    """The data of the status rule in force for a value of ``year`` (read it once for many values)."""
    return rule("indicators.status", on=on or dt.date(max(year, 2021), 12, 31))


def is_count_value(indicator: Any, denominator: Any, *, year: int = 2021, rule_data: Any = None) -> bool:
    """Whether a value is a count or an amount (no denominator, a unit the rule lists)."""
    data = rule_data if rule_data is not None else status_rule(year)
    units = data.get("count_units", ["家", "人", "个"])
    return denominator is None and indicator.unit in units


def _meets(value: Decimal, bar: Decimal, comparator: str, *, strict: bool = True) -> bool:
    if comparator == "gt" and strict:
        return value > bar
    if comparator == "lt" and strict:
        return value < bar
    if comparator in ("lt", "lte"):
        return value <= bar
    if comparator == "eq":
        return value == bar
    return value >= bar


def meets_target(indicator: Any, value: Decimal | float | int | None) -> bool | None:
    """Whether ``value`` meets the indicator's target with its comparator (None without a value)."""
    if value is None:
        return None
    return _meets(Decimal(str(value)), Decimal(indicator.target), indicator.comparator)


def expected_value(indicator: Any, year: int) -> Decimal | None:
    """The straight line from the baseline to the target at ``year`` (None without a baseline)."""
    if indicator.baseline is None:
        return None
    b0, b1 = indicator.baseline_year, indicator.target_year
    if year >= b1:
        return Decimal(indicator.target)
    if year <= b0:
        return Decimal(indicator.baseline)
    fraction = Decimal(year - b0) / Decimal(b1 - b0)
    return Decimal(indicator.baseline) + (Decimal(indicator.target) - Decimal(indicator.baseline)) * fraction


def indicator_status(
    indicator: Any,
    value: Decimal | float | int | None,
    *,
    year: int,
    region_level: str = "city",
    is_count: bool = False,
    on: dt.date | None = None,
    rule_data: Any = None,
) -> Status:
    """The status of ``value`` of ``indicator`` for ``year`` in a region of ``region_level``
    (``rule_data``: the status rule's data when the caller has read it already)."""
    if value is None:
        return Status(None, None)
    data = rule_data if rule_data is not None else status_rule(year, on)
    if is_count and region_level not in data.get("count_levels", ["city"]):
        return Status(None, None)
    v = Decimal(str(value))
    expected = expected_value(indicator, year)
    if _meets(v, Decimal(indicator.target), indicator.comparator):
        return Status(ACHIEVED, expected)
    if expected is not None and data.get("on_track") == "linear" and year < indicator.target_year:
        if _meets(v, expected, indicator.comparator, strict=False):
            return Status(ON_TRACK, expected)
    return Status(BEHIND, expected)
