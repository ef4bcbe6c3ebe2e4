"""Working days (工作日) for the filing time limits, from the versioned rule ``institutions.holidays``.

The rule has one version per year (``effective_from`` = 1 January): ``weekend`` (Python weekday
numbers, 5 = Saturday, 6 = Sunday), ``holidays`` (``{"name", "from", "to"}`` ranges of days off)
and ``workdays`` (``{"name", "date"}``: weekend days worked instead, 调休上班). A day is a working day
when it is listed in ``workdays``, else when it is neither in ``holidays`` nor a weekend day. The
version that answers for a day is the one in force on that day, so a year without its own version
counts weekends only (from the latest earlier version's weekend rule).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from laoxiao.core.models import RuleVersion

HOLIDAYS_RULE = "institutions.holidays"
DEFAULT_WEEKEND = (5, 6)


@dataclass
class _Year:
    weekend: frozenset[int]
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]


def _days(data: dict[str, Any]) -> _Year:
    holidays: set[dt.date] = set()
    for h in data.get("holidays", []):
        start = dt.date.fromisoformat(h["from"])
        end = dt.date.fromisoformat(h.get("to") or h["from"])
        while start <= end:
            holidays.add(start)
            start += dt.timedelta(days=1)
    workdays = {dt.date.fromisoformat(w["date"]) for w in data.get("workdays", [])}
    return _Year(frozenset(data.get("weekend", DEFAULT_WEEKEND)), frozenset(holidays), frozenset(workdays))


@dataclass
class WorkCalendar:
    """Every version of the holiday rule, loaded once (one query); answers day by day."""

    starts: list[dt.date] = field(default_factory=list)
    years: list[_Year] = field(default_factory=list)

    @classmethod
    def load(cls) -> WorkCalendar:
        cal = cls()
        for v in RuleVersion.objects.filter(key=HOLIDAYS_RULE).order_by("effective_from"):
            cal.starts.append(v.effective_from)
            cal.years.append(_days(v.data))
        return cal

    def _version(self, day: dt.date) -> _Year | None:
        i = bisect.bisect_right(self.starts, day) - 1
        return self.years[i] if i >= 0 else None

    def is_working_day(self, day: dt.date) -> bool:
        v = self._version(day)
        if v is None:
            return day.weekday() not in DEFAULT_WEEKEND
        if day in v.workdays:
            return True
        if day in v.holidays:
            return False
        return day.weekday() not in v.weekend

    def add(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (``start`` itself does not count); n = 0 → start."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        while n:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
        if end < start:
            return -self.between(end, start)
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def is_working_day(day: dt.date) -> bool:
    return WorkCalendar.load().is_working_day(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``start``: a filing submitted on ``start`` is due by then."""
    return WorkCalendar.load().add(start, n)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end``."""
    return WorkCalendar.load().between(start, end)
