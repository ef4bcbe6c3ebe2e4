"""Child follow-up schedules: pure date arithmetic over rule data (no models, no database).

The rules (``laoxiao/people/rules/``) hold the data; this module turns a child's birth date and
records into due dates and statuses. Callers load the rule data (``selectors.children.child_rules``)
and pass it in, so everything here is testable without Django and cheap to call in bulk.

Due dates are calendar dates: ``age_months=n`` is the same day of the month n months later, or the
last day of that month when it is shorter (born on 31 January → due at 1 month on 28/29 February);
``age_days=n`` is n days later (birth itself is ``age_days=0``).

Statuses
--------
Vaccine doses (``vaccine_status``): ``done`` (given, whenever); ``upcoming`` (due date after
``on``); ``due`` (due date on or before ``on``, not given, within ``grace_days`` of the due date);
``overdue`` (not given more than ``grace_days`` after the due date; catch-up doses are still given,
so an overdue dose stays overdue). The grace is the rule ``immunisation.overdue_grace_days``.

Health checks (``check_status``): ``done`` (checked within ``tolerance_days`` of the due date,
before or after: exactly 30 days late counts, 31 does not); ``outside_window`` (a check is recorded
but outside the tolerance: it does not count as done, and there is nothing left to do);
``upcoming``; ``due`` (from the due date to the end of the tolerance); ``overdue`` (the window has
passed without a check); ``missed`` (overdue and the next age point's check is already due, so the
next check supersedes it: off the work lists).

Newborn visit (``newborn_visit_status``): ``done`` (a visit no later than ``days`` after discharge,
or after birth when there is no discharge date), ``outside_window``, ``due``, ``overdue``.

A child who died or moved away has every open item ``closed`` (the selectors apply that).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any


class Status(StrEnum):
    DONE = "done"
    OUTSIDE_WINDOW = "outside_window"
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    MISSED = "missed"
    CLOSED = "closed"


OPEN = frozenset({Status.DUE, Status.OVERDUE})  # what a work list shows


# --- dates ----------------------------------------------------------------------------------------


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later, clamped to the end of a shorter month."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    if day.day <= 28:
        return dt.date(year, month0 + 1, day.day)
    last = 29 if month0 == 1 and calendar.isleap(year) else _MONTH_DAYS[month0]
    return dt.date(year, month0 + 1, min(day.day, last))


def due_date(birth_date: dt.date, *, age_months: int | None = None, age_days: int | None = None) -> dt.date:
    """The date a child born on ``birth_date`` reaches the age given in months or in days."""
    if (age_months is None) == (age_days is None):
        raise ValueError("give exactly one of age_months and age_days")
    if age_days is not None:
        return birth_date + dt.timedelta(days=age_days)
    assert age_months is not None
    return add_months(birth_date, age_months)


def age_in_months(birth_date: dt.date, on: dt.date) -> int:
    """Completed calendar months between birth and ``on`` (the month-day clamp of ``add_months``)."""
    months = (on.year - birth_date.year) * 12 + on.month - birth_date.month
    if months > 0 and add_months(birth_date, months) > on:
        months -= 1
    return months


# --- rule data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dose:
    vaccine: str
    dose: int
    age_months: int | None = None
    age_days: int | None = None
    note: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return (self.vaccine, self.dose)

    @property
    def label(self) -> str:
        return f"{self.vaccine} {self.dose}"

    def due_on(self, birth_date: dt.date) -> dt.date:
        return due_date(birth_date, age_months=self.age_months, age_days=self.age_days)


Schedule = tuple[Dose, ...]


class ParsedSchedule(tuple):
    """A parsed schedule that computes its hash once: ``_plan`` is cached on (birth date, schedule)
    and is called for every child of a work list or an indicator, so hashing 22 doses each time
    cost more than the plan itself. Equal to the plain tuple of the same doses."""

    _hash: int

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            self._hash = tuple.__hash__(self)
            return self._hash


def parse_schedule(data: Iterable[Mapping[str, Any] | Dose]) -> Schedule:
    """The ``immunisation.schedule`` rule data as Doses (a tuple of Doses passes through)."""
    if isinstance(data, ParsedSchedule):
        return data
    if isinstance(data, tuple) and all(isinstance(d, Dose) for d in data):
        return ParsedSchedule(data)
    out = []
    for d in data:
        if isinstance(d, Dose):
            out.append(d)
            continue
        out.append(
            Dose(
                vaccine=str(d["vaccine"]),
                dose=int(d["dose"]),
                age_months=d.get("age_months"),
                age_days=d.get("age_days"),
                note=str(d.get("note", "")),
            )
        )
    return ParsedSchedule(out)


@dataclass(frozen=True)
class CheckPoint:
    age_point: str
    age_months: int | None = None
    age_days: int | None = None

    def due_on(self, birth_date: dt.date) -> dt.date:
        return due_date(birth_date, age_months=self.age_months, age_days=self.age_days)


@dataclass(frozen=True)
class CheckSchedule:
    points: tuple[CheckPoint, ...]
    tolerance_days: int


def parse_check_schedule(data: Mapping[str, Any] | CheckSchedule) -> CheckSchedule:
    """The ``child.health_check_schedule`` rule data."""
    if isinstance(data, CheckSchedule):
        return data
    points = tuple(
        CheckPoint(str(p["age_point"]), age_months=p.get("age_months"), age_days=p.get("age_days"))
        for p in data["points"]
    )
    return CheckSchedule(points=points, tolerance_days=int(data["tolerance_days"]))


@dataclass(frozen=True)
class Edition:
    name: str
    born_on_or_after: dt.date | None
    schedule_on: dt.date


def parse_editions(data: Iterable[Mapping[str, Any]]) -> tuple[Edition, ...]:
    """The ``immunisation.edition_by_birth_date`` rule data, in order (first match wins)."""
    out = []
    for e in data:
        start = e.get("born_on_or_after")
        out.append(
            Edition(
                name=str(e["edition"]),
                born_on_or_after=dt.date.fromisoformat(start) if start else None,
                schedule_on=dt.date.fromisoformat(e["schedule_on"]),
            )
        )
    return tuple(out)


def edition_for(birth_date: dt.date, editions: Sequence[Edition]) -> Edition:
    for e in editions:
        if e.born_on_or_after is None or birth_date >= e.born_on_or_after:
            return e
    raise LookupError(f"no immunisation edition for a child born {birth_date}")


# --- vaccines -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedDose:
    dose: Dose
    due_on: dt.date


@dataclass(slots=True)
class DoseStatus:
    vaccine: str
    dose: int
    due_on: dt.date
    status: Status
    given_on: dt.date | None = None
    since: dt.date | None = None  # due: the due date; overdue: the first overdue day

    @property
    def label(self) -> str:
        return f"{self.vaccine} {self.dose}"


@lru_cache(maxsize=65536)
def _plan(birth_date: dt.date, schedule: Schedule) -> tuple[PlannedDose, ...]:
    return tuple(PlannedDose(d, d.due_on(birth_date)) for d in schedule)


def vaccine_plan(
    birth_date: dt.date, *, schedule: Iterable[Mapping[str, Any] | Dose]
) -> tuple[PlannedDose, ...]:
    """Every dose of the schedule with its due date, in schedule order."""
    return _plan(birth_date, parse_schedule(schedule))


def vaccine_status(
    birth_date: dt.date,
    given: Mapping[tuple[str, int], dt.date],
    on: dt.date,
    *,
    schedule: Iterable[Mapping[str, Any] | Dose],
    grace_days: int = 0,
    only_open: bool = False,
) -> list[DoseStatus]:
    """The status of every dose of the schedule on ``on`` (see the module docstring).

    ``given`` maps (vaccine, dose) to the date given; doses outside the schedule are ignored.
    ``only_open`` leaves out doses done or upcoming (work lists)."""
    grace = dt.timedelta(days=grace_days)
    out = []
    for p in vaccine_plan(birth_date, schedule=schedule):
        given_on = given.get(p.dose.key)
        if given_on is not None:
            if not only_open:
                out.append(DoseStatus(p.dose.vaccine, p.dose.dose, p.due_on, Status.DONE, given_on))
        elif p.due_on > on:
            if not only_open:
                out.append(DoseStatus(p.dose.vaccine, p.dose.dose, p.due_on, Status.UPCOMING))
        elif on <= p.due_on + grace:
            out.append(DoseStatus(p.dose.vaccine, p.dose.dose, p.due_on, Status.DUE, since=p.due_on))
        else:
            since = p.due_on + grace + dt.timedelta(days=1)
            out.append(DoseStatus(p.dose.vaccine, p.dose.dose, p.due_on, Status.OVERDUE, since=since))
    return out


# --- health checks --------------------------------------------------------------------------------


@dataclass(slots=True)
class CheckStatus:
    age_point: str
    due_on: dt.date
    window_end: dt.date  # the last day a check still counts
    status: Status
    checked_on: dt.date | None = None
    since: dt.date | None = None


@lru_cache(maxsize=65536)
def _check_dues(birth_date: dt.date, schedule: CheckSchedule) -> tuple[dt.date, ...]:
    return tuple(p.due_on(birth_date) for p in schedule.points)


def check_within_tolerance(due_on: dt.date, checked_on: dt.date, tolerance_days: int) -> bool:
    return abs((checked_on - due_on).days) <= tolerance_days


def check_status(
    birth_date: dt.date,
    checks: Mapping[str, dt.date],
    on: dt.date,
    *,
    schedule: Mapping[str, Any] | CheckSchedule,
) -> list[CheckStatus]:
    """The status of every scheduled check on ``on``; ``checks`` maps an age point to its date."""
    sched = parse_check_schedule(schedule)
    tol = sched.tolerance_days
    dues = _check_dues(birth_date, sched)
    out = []
    for i, point in enumerate(sched.points):
        due = dues[i]
        end = due + dt.timedelta(days=tol)
        checked = checks.get(point.age_point)
        if checked is not None:
            status = Status.DONE if check_within_tolerance(due, checked, tol) else Status.OUTSIDE_WINDOW
            out.append(CheckStatus(point.age_point, due, end, status, checked))
        elif on < due:
            out.append(CheckStatus(point.age_point, due, end, Status.UPCOMING))
        elif on <= end:
            out.append(CheckStatus(point.age_point, due, end, Status.DUE, since=due))
        else:
            superseded = i + 1 < len(dues) and on >= dues[i + 1]
            status = Status.MISSED if superseded else Status.OVERDUE
            out.append(CheckStatus(point.age_point, due, end, status, since=end + dt.timedelta(days=1)))
    return out


# --- newborn visit --------------------------------------------------------------------------------


@dataclass(slots=True)
class NewbornStatus:
    due_on: dt.date  # the start: discharge, or birth without a discharge date
    deadline: dt.date  # the last day a visit counts
    status: Status
    visited_on: dt.date | None = None
    since: dt.date | None = None


def newborn_visit_deadline(birth_date: dt.date, discharge_date: dt.date | None, *, days: int) -> dt.date:
    return (discharge_date or birth_date) + dt.timedelta(days=days)


def newborn_visit_ok(
    birth_date: dt.date, discharge_date: dt.date | None, visits: Iterable[dt.date], *, days: int
) -> bool:
    """At least one visit no later than ``days`` after discharge (after birth without a discharge
    date), and not before birth."""
    deadline = newborn_visit_deadline(birth_date, discharge_date, days=days)
    return any(birth_date <= v <= deadline for v in visits)


def newborn_visit_status(
    birth_date: dt.date,
    discharge_date: dt.date | None,
    visits: Iterable[dt.date],
    on: dt.date,
    *,
    days: int,
) -> NewbornStatus:
    start = discharge_date or birth_date
    deadline = newborn_visit_deadline(birth_date, discharge_date, days=days)
    visits = sorted(visits)
    in_time = [v for v in visits if birth_date <= v <= deadline]
    if in_time:
        return NewbornStatus(start, deadline, Status.DONE, in_time[0])
    if visits:
        return NewbornStatus(start, deadline, Status.OUTSIDE_WINDOW, visits[0])
    if on < start:
        return NewbornStatus(start, deadline, Status.UPCOMING)
    if on <= deadline:
        return NewbornStatus(start, deadline, Status.DUE, since=start)
    return NewbornStatus(start, deadline, Status.OVERDUE, since=deadline + dt.timedelta(days=1))
