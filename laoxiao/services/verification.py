"""Checking a home visit (EVV): pure functions over plain facts, so that one visit from the app and
100,000 from an import go through the same checks at the same cost.

A visit records the six EVV elements — who served (``worker_id``), whom (``elder_id``), what
(``item_code``), when it started and ended (``check_in_at``, ``check_out_at``), where (positions
with their accuracy) — and how it was checked in (``method``). ``check_visit`` answers the flags it
raises, each with its reason in words; a visit with no flag is verified, a flagged one is held
until a reviewer who is neither the worker nor the provider's staff clears it.

The facts about people (home position, death, moving away, institution stays), items (minimum
minutes, the certificate needed) and workers (certificates with their dates, employment, the
worker's other visits) are read once for a whole batch into a ``Facts`` by
``selectors.verification.facts_for`` and passed in. The thresholds are the rule
``services.visit_checks`` of the visit's own day.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

# flag code → what it means (shown on the review queue; the reason of one visit is in its detail)
FLAGS: dict[str, Any] = {
    "distance": _("checked in or out too far from the home"),
    "no_location": _("no usable position for a GPS check-in"),
    "too_short": _("shorter than the item's minimum"),
    "no_check_out": _("no check-out"),
    "overlap": _("overlaps another visit of the same worker"),
    "after_death": _("after the person's death"),
    "moved_away": _("after the person moved away"),
    "in_institution": _("during the person's stay in an institution"),
    "certificate": _("the worker's certificate was not valid that day"),
    "not_employed": _("the worker was not employed by the provider that day"),
    "backfilled": _("entered long after it happened"),
}

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine; WGS-84 mean radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Limits:
    """The thresholds of ``services.visit_checks`` for one day."""

    radius_m: int = 300
    max_entry_delay_days: int = 3
    min_minutes_tolerance: int = 0

    @classmethod
    def from_rule(cls, data: dict[str, Any]) -> Limits:
        return cls(
            radius_m=int(data.get("radius_m", 300)),
            max_entry_delay_days=int(data.get("max_entry_delay_days", 3)),
            min_minutes_tolerance=int(data.get("min_minutes_tolerance", 0)),
        )


@dataclass
class Person:
    home_lon: float | None = None
    home_lat: float | None = None
    died_on: dt.date | None = None
    moved_out_on: dt.date | None = None
    stays: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)  # institution stays


@dataclass
class Item:
    min_minutes: int | None = None
    certificate_kind: str = ""
    name: str = ""


@dataclass
class Worker:
    hired_on: dt.date | None = None
    left_on: dt.date | None = None
    certificates: list[tuple[str, dt.date | None, dt.date | None]] = field(default_factory=list)
    # the worker's other visits: sorted (check_in_at, check_out_at, key); key identifies the visit
    busy: list[tuple[dt.datetime, dt.datetime, Any]] = field(default_factory=list)


@dataclass
class Facts:
    people: dict[Any, Person] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    workers: dict[Any, Worker] = field(default_factory=dict)


@dataclass
class VisitIn:
    """One visit as reported (from the app, the API or a row of an import)."""

    worker_id: Any
    elder_id: Any
    item_code: str
    method: str
    check_in_at: dt.datetime
    check_out_at: dt.datetime | None
    recorded_at: dt.datetime
    check_in_lon: float | None = None
    check_in_lat: float | None = None
    check_in_accuracy_m: int | None = None
    check_out_lon: float | None = None
    check_out_lat: float | None = None
    check_out_accuracy_m: int | None = None
    key: Any = None  # the stored visit's id; ("row", index) for a row of a batch not yet stored


@dataclass
class Result:
    flags: list[str]
    detail: dict[str, str]
    minutes: int
    distance_m: int | None

    @property
    def verified(self) -> bool:
        return not self.flags


def minutes_of(v: VisitIn) -> int:
    if v.check_out_at is None:
        return 0
    return max(0, int((v.check_out_at - v.check_in_at).total_seconds() // 60))


def _valid_on(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def _span(entry: tuple[Any, ...]) -> tuple[Any, ...]:
    """Order busy entries by time only (keys of stored visits and of batch rows do not compare)."""
    return entry[:2]


def _overlaps(worker: Worker, v: VisitIn) -> Any:
    """The key of a visit of the worker that overlaps ``v`` (None if none)."""
    end = v.check_out_at or v.check_in_at
    # visits starting before ``end``; any of them ending after ``v`` starts overlaps
    i = bisect.bisect_left(worker.busy, (end,), key=_span)
    for start, stop, key in reversed(worker.busy[max(0, i - 50) : i]):
        if key == v.key:
            continue
        if stop > v.check_in_at and start < end:
            return key
    return None


def check_visit(v: VisitIn, facts: Facts, limits: Limits, *, local_day: dt.date) -> Result:
    """The flags of one visit; ``local_day`` is the day of its check-in in the platform's zone."""
    flags: list[str] = []
    detail: dict[str, str] = {}
    minutes = minutes_of(v)
    person = facts.people.get(v.elder_id) or Person()
    item = facts.items.get(v.item_code) or Item()
    worker = facts.workers.get(v.worker_id) or Worker()
    far: int | None = None

    def flag(code: str, reason: str) -> None:
        if code in detail:
            detail[code] = f"{detail[code]}; {reason}"
        else:
            flags.append(code)
            detail[code] = reason

    if v.method == "app_gps":
        positions = [
            (v.check_in_lon, v.check_in_lat, v.check_in_accuracy_m, _("check-in")),
            (v.check_out_lon, v.check_out_lat, v.check_out_accuracy_m, _("check-out")),
        ]
        if person.home_lon is None or person.home_lat is None:
            flag("no_location", str(_("the person's home has no position")))
        else:
            missing = []
            for n, (lon, lat, accuracy, label) in enumerate(positions):
                if n == 1 and v.check_out_at is None:
                    continue
                if lon is None or lat is None:
                    missing.append(str(label))
                    continue
                d = distance_m(person.home_lon, person.home_lat, lon, lat)
                far = max(far or 0, round(d))
                if d > limits.radius_m:
                    flag(
                        "distance",
                        str(_("%(point)s %(d)d m from the home (limit %(limit)d m)"))
                        % {"point": label, "d": round(d), "limit": limits.radius_m},
                    )
                elif accuracy is not None and accuracy > limits.radius_m:
                    flag(
                        "no_location",
                        str(_("%(point)s position accurate only to %(a)d m (limit %(limit)d m)"))
                        % {"point": label, "a": accuracy, "limit": limits.radius_m},
                    )
            if missing:
                flag("no_location", str(_("no position at %(points)s")) % {"points": ", ".join(missing)})
    if v.check_out_at is None:
        flag("no_check_out", str(_("the visit was not checked out")))
    elif item.min_minutes and minutes + limits.min_minutes_tolerance < item.min_minutes:
        flag(
            "too_short",
            str(_("%(m)d minutes; the item needs at least %(min)d"))
            % {"m": minutes, "min": item.min_minutes},
        )
    other = _overlaps(worker, v) if worker.busy else None
    if other is not None:
        flag("overlap", str(_("overlaps visit %(other)s of the same worker")) % {"other": other})
    if person.died_on is not None and local_day > person.died_on:
        flag("after_death", str(_("the person died on %(d)s")) % {"d": person.died_on.isoformat()})
    if person.moved_out_on is not None and local_day > person.moved_out_on:
        flag("moved_away", str(_("the person moved away on %(d)s")) % {"d": person.moved_out_on.isoformat()})
    for admitted, left in person.stays:
        if _valid_on(local_day, admitted, left):
            flag("in_institution", str(_("in an institution since %(d)s")) % {"d": admitted.isoformat()})
            break
    if item.certificate_kind and not any(
        kind == item.certificate_kind and _valid_on(local_day, issued, expires)
        for kind, issued, expires in worker.certificates
    ):
        flag(
            "certificate",
            str(_("%(item)s needs a valid %(kind)s on %(d)s"))
            % {"item": item.name or v.item_code, "kind": item.certificate_kind, "d": local_day.isoformat()},
        )
    if not _valid_on(local_day, worker.hired_on, worker.left_on):
        flag("not_employed", str(_("not on the provider's staff on %(d)s")) % {"d": local_day.isoformat()})
    happened = v.check_out_at or v.check_in_at
    delay = v.recorded_at - happened
    if delay > dt.timedelta(days=limits.max_entry_delay_days):
        flag(
            "backfilled",
            str(_("received %(days)d days after it happened (limit %(limit)d)"))
            % {"days": delay.days, "limit": limits.max_entry_delay_days},
        )
    return Result(flags=flags, detail=detail, minutes=minutes, distance_m=far)


def add_busy(worker: Worker, v: VisitIn) -> None:
    """Put ``v`` among the worker's visits (for the overlap check of the rows after it)."""
    bisect.insort(worker.busy, (v.check_in_at, v.check_out_at or v.check_in_at, v.key), key=_span)


def check_batch(
    visits: Sequence[VisitIn], facts: Facts, limits_of: Any, *, local_day_of: Any
) -> tuple[list[Result], set[Any]]:
    """Check a batch in order; each visit is also checked against the batch's other visits of its
    worker. Answers the results (in order) and the keys of *stored* visits that a new visit
    overlaps (they must be held too). ``limits_of(day)`` gives the day's ``Limits``."""
    for v in visits:
        add_busy(facts.workers.setdefault(v.worker_id, Worker()), v)
    results: list[Result] = []
    hit_stored: set[Any] = set()
    for v in visits:
        day = local_day_of(v.check_in_at)
        r = check_visit(v, facts, limits_of(day), local_day=day)
        if "overlap" in r.flags:
            other = _overlaps(facts.workers[v.worker_id], v)
            if other is not None and not (isinstance(other, tuple) and other and other[0] == "row"):
                hit_stored.add(other)
        results.append(r)
    return results, hit_stored


def _utc(moment: dt.datetime | None) -> str:
    """A moment in UTC (ISO 8601), so that the hash of a visit read back from the database (which
    answers UTC) equals the hash of the visit as it was sent (in any offset)."""
    return "" if moment is None else moment.astimezone(dt.UTC).isoformat()


def integrity_hash(v: VisitIn) -> str:
    """SHA-256 over the six elements, the positions, the method and when it was received: an edit
    of a stored visit shows as a mismatch."""
    parts: Iterable[Any] = (
        v.worker_id,
        v.elder_id,
        v.item_code,
        v.method,
        _utc(v.check_in_at),
        _utc(v.check_out_at),
        v.check_in_lon,
        v.check_in_lat,
        v.check_out_lon,
        v.check_out_lat,
        _utc(v.recorded_at),
    )
    return hashlib.sha256("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()
