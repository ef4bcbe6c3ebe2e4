"""Reads of children and their health follow-up, scoped to the actor by region and sector.

Who sees what: children and their guardians need the childcare or the health sector
(``accounts.sector_childcare`` / ``accounts.sector_health``); follow-up (what is done, due and
overdue) and work lists need the health sector. Others see nothing (lists are empty; a detail
raises ``NotFound``), as for anything outside the actor's regions.

Lists show *current* children: alive, not moved away, and younger than the registry's list age
(36 months) plus the check tolerance, so the 36-month check's window is still covered. Older
children stay on the registry (found by key, exported) but age out of lists.

Follow-up is computed in Python (``laoxiao.people.schedules``) over a few bulk queries: one for the
children, one each for newborn visits, checks and vaccinations, one for the rules.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from laoxiao.accounts import roles
from laoxiao.core import clock, crypto
from laoxiao.core.errors import NotFound
from laoxiao.core.models import RuleVersion
from laoxiao.core.rules import RuleMissing
from laoxiao.people import schedules as s
from laoxiao.people.models import Child, ChildHealthCheck, Guardian, NewbornVisit, Vaccination
from laoxiao.regions.scoping import PREFIX_LENGTH, code_within, level_of_code, prefix_q

RULE_KEYS = (
    "child.health_check_schedule",
    "child.newborn_visit_days",
    "child.registry",
    "immunisation.schedule",
    "immunisation.edition_by_birth_date",
    "immunisation.overdue_grace_days",
    "child.enrolment_age_bands",
)


# --- rules ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class ChildRules:
    """Every version of the children's rules, loaded with one query; picks versions by date."""

    versions: dict[str, list[tuple[dt.date, Any]]]  # key → [(effective_from, data)], newest first
    _parsed: dict[tuple[str, dt.date], Any] = dataclasses.field(default_factory=dict)
    _memo: dict[tuple[str, dt.date], tuple[dt.date, Any]] = dataclasses.field(default_factory=dict)

    def _version(self, key: str, on: dt.date) -> tuple[dt.date, Any]:
        found = self._memo.get((key, on))
        if found is not None:
            return found
        for start, data in self.versions.get(key, []):
            if start <= on:
                self._memo[(key, on)] = (start, data)
                return start, data
        raise RuleMissing(f"no version of rule {key!r} in force on {on}")

    def data(self, key: str, on: dt.date) -> Any:
        return self._version(key, on)[1]

    def _parse(self, key: str, on: dt.date, parse: Any) -> Any:
        start, data = self._version(key, on)
        cached = self._parsed.get((key, start))
        if cached is None:
            cached = self._parsed[(key, start)] = parse(data)
        return cached

    def edition(self, birth_date: dt.date, on: dt.date | None = None) -> s.Edition:
        """The immunisation edition a child follows (the setting in force on ``on``, default today)."""
        editions = self._parse("immunisation.edition_by_birth_date", on or clock.today(), s.parse_editions)
        return s.edition_for(birth_date, editions)

    def vaccine_schedule(self, birth_date: dt.date, on: dt.date | None = None) -> s.Schedule:
        edition = self.edition(birth_date, on)
        schedule: s.Schedule = self._parse("immunisation.schedule", edition.schedule_on, s.parse_schedule)
        return schedule

    def known_doses(self, birth_date: dt.date, on: dt.date | None = None) -> frozenset[tuple[str, int]]:
        return frozenset(d.key for d in self.vaccine_schedule(birth_date, on))

    def check_schedule(self, birth_date: dt.date) -> s.CheckSchedule:
        schedule: s.CheckSchedule = self._parse(
            "child.health_check_schedule", birth_date, s.parse_check_schedule
        )
        return schedule

    def newborn(self, birth_date: dt.date) -> dict[str, int]:
        data: dict[str, int] = self.data("child.newborn_visit_days", birth_date)
        return data

    def grace_days(self, on: dt.date) -> int:
        return int(self.data("immunisation.overdue_grace_days", on)["days"])

    def registry(self, on: dt.date) -> dict[str, int]:
        data: dict[str, int] = self.data("child.registry", on)
        return data

    def age_bands(self, on: dt.date) -> dict[str, list[int]]:
        data: dict[str, list[int]] = self.data("child.enrolment_age_bands", on)
        return data

    def list_end(self, birth_date: dt.date, on: dt.date) -> dt.date:
        """The last day a child born on ``birth_date`` is on lists and work lists."""
        months = self.registry(on)["list_age_months"]
        tolerance = self.check_schedule(birth_date).tolerance_days
        return s.add_months(birth_date, months) + dt.timedelta(days=tolerance)

    def earliest_listed_birth(self, on: dt.date) -> dt.date:
        """The earliest birth date of a child still on lists on ``on``."""
        months = self.registry(on)["list_age_months"]
        tolerance = self.check_schedule(on).tolerance_days
        target = on - dt.timedelta(days=tolerance)
        birth = s.add_months(target, -months)
        while s.add_months(birth, months) < target:  # month-end clamping
            birth += dt.timedelta(days=1)
        return birth


def child_rules() -> ChildRules:
    versions: dict[str, list[tuple[dt.date, Any]]] = defaultdict(list)
    for key, start, data in (
        RuleVersion.objects.filter(key__in=RULE_KEYS)
        .order_by("key", "-effective_from")
        .values_list("key", "effective_from", "data")
    ):
        versions[key].append((start, data))
    return ChildRules(dict(versions))


# --- access ---------------------------------------------------------------------------------------


def can_see_children(actor: Any) -> bool:
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and (actor.has_perm(roles.SECTOR_HEALTH) or actor.has_perm(roles.SECTOR_CHILDCARE))
    )


def can_see_followup(actor: Any) -> bool:
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.has_perm(roles.SECTOR_HEALTH)
    )


def visible_children(actor: Any) -> QuerySet[Child]:
    if not can_see_children(actor):
        return Child.objects.none()
    return Child.objects.visible_to(actor)


def visible_guardians(actor: Any) -> QuerySet[Guardian]:
    """Guardians of the children the actor sees (shown on the child's detail page)."""
    return Guardian.objects.visible_to(actor).filter(child__in=visible_children(actor))


def region_prefix(code: str) -> str:
    """The scope prefix of a 12-digit region code (by its trailing zeros)."""
    return code[: PREFIX_LENGTH[level_of_code(code)]]


# --- lists and lookups ----------------------------------------------------------------------------

_KEYLIKE = re.compile(r"[0-9A-Za-z]{6,20}")


def child_list(
    *,
    actor: Any,
    region: str | None = None,
    q: str | None = None,
    overdue: bool | None = None,
    current: bool = True,
    on: dt.date | None = None,
) -> QuerySet[Child]:
    """Children the actor sees. ``region``: a region code (that region and below); ``q``: part of a
    name, or a whole ID / birth certificate number (blind index); ``overdue``: only children with
    (True) or without (False) an overdue follow-up item on ``on``; ``current``: only children on
    lists (alive, not moved away, not aged out)."""
    on = on or clock.today()
    qs = visible_children(actor)
    if region:
        qs = qs.filter(prefix_q("region_code", region_prefix(region)))
    if current:
        rules = child_rules()
        qs = qs.filter(
            Q(died_on__isnull=True) | Q(died_on__gt=on),
            Q(moved_out_on__isnull=True) | Q(moved_out_on__gt=on),
            birth_date__gte=rules.earliest_listed_birth(on),
            birth_date__lte=on,
        )
    if q:
        q = q.strip()
        if _KEYLIKE.fullmatch(q) and any(c.isdigit() for c in q):
            qs = qs.filter(
                Q(id_number_hash=crypto.blind_index(q, purpose="id"))
                | Q(birth_certificate_hash=crypto.blind_index(q, purpose="birthcert"))
            )
        else:
            qs = qs.filter(name__contains=q)
    if overdue is not None:
        ids = overdue_child_ids(children=qs, on=on)
        qs = qs.filter(pk__in=ids) if overdue else qs.exclude(pk__in=ids)
    return qs.order_by("region_code", "birth_date", "pk")


def child_get(*, actor: Any, pk: int) -> Child:
    child = visible_children(actor).filter(pk=pk).first()
    if child is None:
        raise NotFound(pk)
    return child


def child_get_by_key(*, actor: Any, key: str) -> Child:
    """A child by ID number or birth medical certificate number (blind index on either)."""
    key = (key or "").strip()
    if not key:
        raise NotFound(key)
    qs = visible_children(actor)
    child = qs.filter(id_number_hash=crypto.blind_index(key, purpose="id")).first()
    if child is None:
        child = qs.filter(birth_certificate_hash=crypto.blind_index(key, purpose="birthcert")).first()
    if child is None:
        raise NotFound(key)
    return child


def children_by_keys(
    *, actor: Any, keys: Iterable[str]
) -> dict[str, tuple[int, str, dt.date, dt.date | None]]:
    """For imports: key → (child id, region code, birth date, death date) for every key that names a
    child the actor sees (the ID number first, then the certificate number). Chunked bulk queries."""
    keys = sorted({k.strip() for k in keys if k and k.strip()})
    by_id = {crypto.blind_index(k, purpose="id"): k for k in keys}
    by_cert = {crypto.blind_index(k, purpose="birthcert"): k for k in keys}
    qs = visible_children(actor)
    found: dict[str, tuple[int, str, dt.date, dt.date | None]] = {}
    cert_found: dict[str, tuple[int, str, dt.date, dt.date | None]] = {}
    for chunk in _chunks(list(by_id), 2000):
        for pk, code, birth, died, h in qs.filter(id_number_hash__in=chunk).values_list(
            "pk", "region_code", "birth_date", "died_on", "id_number_hash"
        ):
            found[by_id[h]] = (pk, code, birth, died)
    for chunk in _chunks(list(by_cert), 2000):
        for pk, code, birth, died, h in qs.filter(birth_certificate_hash__in=chunk).values_list(
            "pk", "region_code", "birth_date", "died_on", "birth_certificate_hash"
        ):
            cert_found[by_cert[h]] = (pk, code, birth, died)
    for k, v in cert_found.items():
        found.setdefault(k, v)
    return found


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- follow-up ------------------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class WorkItem:
    kind: str  # "newborn_visit", "check", "vaccine"
    code: str  # "newborn", an age point ("3m"), or a dose ("DTaP 2")
    status: s.Status
    due_on: dt.date
    since: dt.date | None


@dataclasses.dataclass
class ChildFollowup:
    """What is done, due and overdue for one child on ``on``."""

    child_id: int
    on: dt.date
    edition: str
    newborn: s.NewbornStatus
    checks: list[s.CheckStatus]
    vaccines: list[s.DoseStatus]
    closed: bool = False  # died or moved away: open items are closed

    def items(self) -> list[WorkItem]:
        out = [
            WorkItem(
                "newborn_visit",
                "newborn",
                self.newborn.status,
                self.newborn.due_on,
                self.newborn.since,
            )
        ]
        out += [WorkItem("check", c.age_point, c.status, c.due_on, c.since) for c in self.checks]
        out += [WorkItem("vaccine", v.label, v.status, v.due_on, v.since) for v in self.vaccines]
        return out

    def open_items(self) -> list[WorkItem]:
        out = []
        if self.newborn.status in s.OPEN:
            n = self.newborn
            out.append(WorkItem("newborn_visit", "newborn", n.status, n.due_on, n.since))
        out += [
            WorkItem("check", c.age_point, c.status, c.due_on, c.since)
            for c in self.checks
            if c.status in s.OPEN
        ]
        out += [
            WorkItem("vaccine", v.label, v.status, v.due_on, v.since)
            for v in self.vaccines
            if v.status in s.OPEN
        ]
        out.sort(key=lambda i: (i.since or i.due_on, i.kind, i.code))
        return out

    @property
    def overdue_count(self) -> int:
        return sum(1 for i in self.items() if i.status == s.Status.OVERDUE)

    @property
    def due_count(self) -> int:
        return sum(1 for i in self.items() if i.status == s.Status.DUE)

    def next_due(self) -> WorkItem | None:
        """The open item due earliest, else the next upcoming one."""
        open_ = self.open_items()
        if open_:
            return open_[0]
        upcoming = [i for i in self.items() if i.status == s.Status.UPCOMING]
        return min(upcoming, key=lambda i: i.due_on) if upcoming else None


_CLOSABLE = frozenset({s.Status.DUE, s.Status.OVERDUE, s.Status.UPCOMING, s.Status.MISSED})


def compute_followup(
    *,
    rules: ChildRules,
    child_id: int,
    birth_date: dt.date,
    discharge_date: dt.date | None,
    died_on: dt.date | None,
    moved_out_on: dt.date | None,
    visits: Iterable[dt.date],
    checks: dict[str, dt.date],
    given: dict[tuple[str, int], dt.date],
    on: dt.date,
    only_open: bool = False,
) -> ChildFollowup:
    """``only_open`` leaves done and upcoming doses out (work lists: cheaper)."""
    newborn_rule = rules.newborn(birth_date)
    newborn = s.newborn_visit_status(birth_date, discharge_date, visits, on, days=newborn_rule["days"])
    check_list = s.check_status(birth_date, checks, on, schedule=rules.check_schedule(birth_date))
    vaccines = s.vaccine_status(
        birth_date,
        given,
        on,
        schedule=rules.vaccine_schedule(birth_date, on),
        grace_days=rules.grace_days(on),
        only_open=only_open,
    )
    closed = bool((died_on and died_on <= on) or (moved_out_on and moved_out_on <= on))
    if closed:

        def close(x: Any) -> Any:
            return dataclasses.replace(x, status=s.Status.CLOSED, since=None) if x.status in _CLOSABLE else x

        newborn = close(newborn)
        check_list = [close(c) for c in check_list]
        vaccines = [close(v) for v in vaccines]
    return ChildFollowup(
        child_id=child_id,
        on=on,
        edition=rules.edition(birth_date, on).name,
        newborn=newborn,
        checks=check_list,
        vaccines=vaccines,
        closed=closed,
    )


def _records(
    children: QuerySet[Child] | None = None,
    *,
    row_filter: Q | None = None,
    dose_dates: bool = True,
    doses: bool = True,
) -> tuple[
    dict[int, list[dt.date]], dict[int, dict[str, dt.date]], dict[int, dict[tuple[str, int], dt.date]]
]:
    """Visits, checks and doses, by child id: either of ``children`` (a subquery) or of rows
    matching ``row_filter``."""

    def scope(qs: QuerySet[Any]) -> QuerySet[Any]:
        qs = qs.order_by()  # the models order by the child's fields: a join and a sort, not needed here
        if row_filter is not None:
            return qs.filter(row_filter)
        return qs.filter(child__in=children.values("pk")) if children is not None else qs

    visits: dict[int, list[dt.date]] = defaultdict(list)
    for cid, day in scope(NewbornVisit.objects.all()).values_list("child_id", "visited_on"):
        visits[cid].append(day)
    checks: dict[int, dict[str, dt.date]] = defaultdict(dict)
    for cid, point, day in scope(ChildHealthCheck.objects.all()).values_list(
        "child_id", "age_point", "checked_on"
    ):
        checks[cid][point] = day
    given: dict[int, dict[tuple[str, int], dt.date]] = defaultdict(dict)
    if not doses:
        pass
    elif dose_dates:
        for cid, vaccine, dose, day in scope(Vaccination.objects.all()).values_list(
            "child_id", "vaccine", "dose", "given_on"
        ):
            given[cid][(vaccine, dose)] = day
    else:  # a work list needs to know only that a dose was given (no date parsing)
        for cid, vaccine, dose in scope(Vaccination.objects.all()).values_list("child_id", "vaccine", "dose"):
            given[cid][(vaccine, dose)] = dt.date.min
    return visits, checks, given


_FOLLOWUP_FIELDS = ("pk", "birth_date", "discharge_date", "died_on", "moved_out_on")


def child_followups(*, children: QuerySet[Child], on: dt.date | None = None) -> dict[int, ChildFollowup]:
    """Follow-up of many children at once (exports, list filters): four queries and the rules."""
    on = on or clock.today()
    rules = child_rules()
    visits, checks, given = _records(children)
    out: dict[int, ChildFollowup] = {}
    for pk, birth, discharge, died, moved in children.order_by().values_list(*_FOLLOWUP_FIELDS):
        out[pk] = compute_followup(
            rules=rules,
            child_id=pk,
            birth_date=birth,
            discharge_date=discharge,
            died_on=died,
            moved_out_on=moved,
            visits=visits.get(pk, ()),
            checks=checks.get(pk, {}),
            given=given.get(pk, {}),
            on=on,
        )
    return out


def overdue_child_ids(*, children: QuerySet[Child], on: dt.date) -> list[int]:
    """Ids of ``children`` with an overdue follow-up item on ``on``: the children whose
    ``child_followups(...)[pk].overdue_count`` is not 0, found with less work.

    Whether an item is overdue depends on whether something is recorded, not on its date: a dose
    not given (whatever the day it was given), a check not done (a check outside its window is not
    overdue), a newborn visit not made, once the day is past (``schedules``). So, per birth date,
    the doses and checks that are overdue unless recorded; then one query finds the children
    missing one (each is overdue-unless-recorded for the children born in a run of days), and the
    newborn visit is looked at for the others. Children who died or moved away are closed."""
    rules = child_rules()
    grace = dt.timedelta(days=rules.grace_days(on))
    rows = [
        r
        for r in children.order_by().values_list(*_FOLLOWUP_FIELDS)
        if not ((r[3] and r[3] <= on) or (r[4] and r[4] <= on))
    ]
    lapsed: dict[dt.date, frozenset[tuple[str, int]]] = {}  # doses overdue unless given, by birth
    unchecked: dict[dt.date, frozenset[str]] = {}  # checks overdue unless done, by birth
    for birth in {r[1] for r in rows}:
        plan = s.vaccine_plan(birth, schedule=rules.vaccine_schedule(birth, on))
        lapsed[birth] = frozenset(p.dose.key for p in plan if p.due_on + grace < on)
        statuses = s.check_status(birth, {}, on, schedule=rules.check_schedule(birth))
        unchecked[birth] = frozenset(c.age_point for c in statuses if c.status == s.Status.OVERDUE)
    doses_q = _missing_q(lapsed, lambda key: Vaccination.objects.filter(vaccine=key[0], dose=key[1]))
    checks_q = _missing_q(unchecked, lambda point: ChildHealthCheck.objects.filter(age_point=point))
    if doses_q is None or checks_q is None:  # a run of birth dates broken (editions): child by child
        return _overdue_child_ids_one_by_one(children, rows, lapsed, on)
    missing = set(children.order_by().filter(doses_q | checks_q).values_list("pk", flat=True))
    out = [r[0] for r in rows if r[0] in missing]
    rest = [r for r in rows if r[0] not in missing]
    if rest:
        visited = set(
            NewbornVisit.objects.filter(child__in=children.values("pk"))
            .order_by()
            .values_list("child_id", flat=True)
        )
        for pk, birth, discharge, _died, _moved in rest:
            if pk in visited:  # a visit, in its window or not: done or outside the window
                continue
            newborn = s.newborn_visit_status(birth, discharge, (), on, days=rules.newborn(birth)["days"])
            if newborn.status == s.Status.OVERDUE:
                out.append(pk)
    return out


def _overdue_child_ids_one_by_one(
    children: QuerySet[Child],
    rows: list[tuple[Any, ...]],
    lapsed: dict[dt.date, frozenset[tuple[str, int]]],
    on: dt.date,
) -> list[int]:
    rules = child_rules()
    visits, checks, given = _records(children, dose_dates=False)
    out = []
    for pk, birth, discharge, _died, _moved in rows:
        done = given.get(pk, {})
        if any(k not in done for k in lapsed[birth]):
            out.append(pk)
            continue
        newborn = s.newborn_visit_status(
            birth, discharge, visits.get(pk, ()), on, days=rules.newborn(birth)["days"]
        )
        if newborn.status == s.Status.OVERDUE or any(
            c.status == s.Status.OVERDUE
            for c in s.check_status(birth, checks.get(pk, {}), on, schedule=rules.check_schedule(birth))
        ):
            out.append(pk)
    return out


def _missing_q(overdue: dict[dt.date, frozenset[Any]], records: Any) -> Q | None:
    """Children missing a record of an item overdue unless recorded, when each item is so for
    exactly the birth dates of one run of days (a due date follows the birth date); else None.
    ``records(item)``: the rows recording ``item``."""
    q = Q(pk__in=[])
    for item in sorted({i for items in overdue.values() for i in items}):
        having = [b for b, items in overdue.items() if item in items]
        first, last = min(having), max(having)
        if any(first <= b <= last and item not in items for b, items in overdue.items()):
            return None
        q |= Q(birth_date__gte=first, birth_date__lte=last) & ~Q(
            Exists(records(item).filter(child=OuterRef("pk")))
        )
    return q


def child_followup(*, actor: Any, child: Child, on: dt.date | None = None) -> ChildFollowup:
    """The child's whole follow-up on ``on``: newborn visit, each check, each dose."""
    if not can_see_followup(actor) or not code_within(child.region_code, actor.region_prefixes()):
        raise NotFound(child.pk)
    on = on or clock.today()
    qs = Child.objects.filter(pk=child.pk)
    return child_followups(children=qs, on=on)[child.pk]


@dataclasses.dataclass
class WorklistEntry:
    child_id: int
    name: str
    sex: str
    birth_date: dt.date
    region_code: str
    items: list[WorkItem]

    @property
    def since(self) -> dt.date:
        return min(i.since or i.due_on for i in self.items)

    @property
    def overdue(self) -> bool:
        return any(i.status == s.Status.OVERDUE for i in self.items)


def health_worklist(*, actor: Any, region_code: str, on: dt.date | None = None) -> list[WorklistEntry]:
    """Children of ``region_code`` (a community, or any region: everything below it) with something
    due or overdue on ``on``: what, and since when; oldest first.

    A missing newborn visit is listed until the child is ``list_until_age_days`` old (the 1-month
    check takes over); a missed check whose next check is already due is not listed (``missed``)."""
    if not can_see_followup(actor) or not code_within(region_code, actor.region_prefixes()):
        raise NotFound(region_code)
    on = on or clock.today()
    rules = child_rules()
    earliest = rules.earliest_listed_birth(on)
    area = prefix_q("region_code", region_prefix(region_code))
    alive = Q(died_on__isnull=True) | Q(died_on__gt=on)
    present = Q(moved_out_on__isnull=True) | Q(moved_out_on__gt=on)
    children = list(
        Child.objects.filter(area, alive, present, birth_date__gte=earliest, birth_date__lte=on).values_list(
            "pk", "name", "sex", "birth_date", "discharge_date", "region_code"
        )
    )
    # rows carry the child's region (hand-over moves them), so filter them by region, not by a join
    row_filter = area & Q(child__birth_date__gte=earliest)
    visits, checks, given = _records(row_filter=row_filter, dose_dates=False)
    out: list[WorklistEntry] = []
    for pk, name, sex, birth, discharge, code in children:
        f = compute_followup(
            rules=rules,
            child_id=pk,
            birth_date=birth,
            discharge_date=discharge,
            died_on=None,
            moved_out_on=None,
            visits=visits.get(pk, ()),
            checks=checks.get(pk, {}),
            given=given.get(pk, {}),
            on=on,
            only_open=True,
        )
        items = f.open_items()
        newborn_until = birth + dt.timedelta(days=rules.newborn(birth)["list_until_age_days"])
        items = [i for i in items if i.kind != "newborn_visit" or on <= newborn_until]
        if items:
            out.append(WorklistEntry(pk, name, sex, birth, code, items))
    out.sort(key=lambda e: (e.since, e.region_code, e.name, e.child_id))
    return out
