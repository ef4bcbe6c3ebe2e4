"""Reads of older people and their follow-up, scoped to the actor.

Every read starts from ``Elder.objects.visible_to(actor)`` (the actor's regions and below) and asks
for a sector: civil-affairs staff (elder care) see the registry, the visit lists and the whole
follow-up; health staff see the registry as far as the yearly health checks need it (lists,
lookups, and the health checks in a person's follow-up); anyone else sees nothing.

The visit list is derived, never stored: ``visit_list_queryset`` turns the rule
``welfare.visit_list`` into one SQL filter (living arrangement, a category valid on the day, the
level of the latest assessment on or before the day), and ``visitlist.reasons`` says why for each
person found. A community's work list for a month is two queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.crypto import blind_index
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import rule
from laoxiao.people import visitlist
from laoxiao.people.models import AbilityAssessment, Contact, Elder, ElderCategory, HealthCheck, WelfareVisit
from laoxiao.people.visitlist import ElderFacts, VisitListRules
from laoxiao.regions.scoping import PREFIX_LENGTH, level_of_code, prefix_q

ELDERCARE = "eldercare"
HEALTH = "health"


def _elders(actor: User, *sectors: str) -> QuerySet[Elder]:
    """The elders the actor may see for work of one of ``sectors`` (none without the sector)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not set(sectors) & actor.sectors():
        return Elder.objects.none()
    return Elder.objects.visible_to(actor)


def visible_elders(actor: User) -> QuerySet[Elder]:
    """The elders whose detail page the actor may open (elder care or health follow-up)."""
    return _elders(actor, ELDERCARE, HEALTH)


def visible_contacts(actor: User) -> QuerySet[Contact]:
    """Contacts of older people: shown in the follow-up to elder-care staff only."""
    return Contact.objects.visible_to(actor).filter(elder__in=_elders(actor, ELDERCARE))


def region_prefix(code: str) -> str:
    """The significant digits of a 12-digit division code (``340603000000`` → ``340603``)."""
    return code[: PREFIX_LENGTH[level_of_code(code)]] if len(code) == 12 and code.isdigit() else code


def visit_list_rules(on: dt.date) -> VisitListRules:
    return VisitListRules.from_data(rule("welfare.visit_list", on=on))


def earliest_birth_for_age(on: dt.date, years: int = visitlist.ELDER_AGE) -> dt.date:
    """The latest birth date of someone who is ``years`` old on ``on``."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return dt.date(on.year - years, 2, 28)


def _valid_on(on: dt.date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def with_latest_assessment(qs: QuerySet[Elder], on: dt.date) -> QuerySet[Elder]:
    """Annotate ``latest_level`` and ``latest_total``: the latest assessment on or before ``on``."""
    latest = AbilityAssessment.objects.filter(elder=OuterRef("pk"), assessed_on__lte=on).order_by(
        "-assessed_on"
    )
    return qs.annotate(
        latest_level=Subquery(latest.values("level")[:1]),
        latest_total=Subquery(latest.values("total")[:1]),
        latest_assessed_on=Subquery(latest.values("assessed_on")[:1]),
    )


def present_q(on: dt.date) -> Q:
    """60 or older, alive and not moved out on ``on`` (the day of death is still on the list)."""
    return (
        Q(birth_date__lte=earliest_birth_for_age(on))
        & (Q(died_on__isnull=True) | Q(died_on__gte=on))
        & (Q(moved_out_on__isnull=True) | Q(moved_out_on__gte=on))
    )


def visit_list_queryset(
    qs: QuerySet[Elder], *, on: dt.date, rules: VisitListRules | None = None
) -> QuerySet[Elder]:
    """The people of ``qs`` on the visit list on ``on``, annotated with the latest assessment."""
    rules = rules or visit_list_rules(on)
    qs = with_latest_assessment(qs, on).filter(present_q(on))
    q = Q(pk__in=[])
    arrangements = rules.values_of("living_arrangement")
    if arrangements:
        q |= Q(living_arrangement__in=sorted(arrangements))
    levels = rules.values_of("level")
    if levels:
        q |= Q(latest_level__in=sorted(levels))
    cats = rules.values_of("category")
    if cats:
        q |= Q(
            Exists(
                ElderCategory.objects.filter(_valid_on(on), elder=OuterRef("pk"), category__in=sorted(cats))
            )
        )
    return qs.filter(q)


def categories_on(elder_ids_or_region: Any, on: dt.date) -> dict[int, list[str]]:
    """Categories valid on ``on``, by elder id, for a region code prefix (str) or elder ids."""
    qs = ElderCategory.objects.filter(_valid_on(on))
    if isinstance(elder_ids_or_region, str):
        qs = qs.filter(prefix_q("region_code", elder_ids_or_region))
    else:
        qs = qs.filter(elder_id__in=list(elder_ids_or_region))
    out: dict[int, list[str]] = defaultdict(list)
    for elder_id, cat in qs.values_list("elder_id", "category").order_by("elder_id", "category"):
        out[elder_id].append(cat)
    return out


def facts_of(elder: Elder, categories: list[str], level: str | None) -> ElderFacts:
    return ElderFacts(
        birth_date=elder.birth_date,
        living_arrangement=elder.living_arrangement,
        categories=tuple(categories),
        level=level,
        died_on=elder.died_on,
        moved_out_on=elder.moved_out_on,
    )


# --- the registry -------------------------------------------------------------------------------


def elder_list(
    *,
    actor: User,
    region: str | None = None,
    q: str | None = None,
    on_visit_list: bool | None = None,
    category: str | None = None,
    level: str | None = None,
    on: dt.date | None = None,
) -> QuerySet[Elder]:
    """Older people the actor sees, filtered. ``region``: a division code (that region and below);
    ``q``: a full ID number (blind index) or part of a name; ``category``: valid on ``on`` (today);
    ``level``: the final level of the latest assessment on or before ``on``; ``on_visit_list``:
    on (True) or off (False) the visit list on ``on``. Annotated with ``latest_level``."""
    on = on or clock.today()
    qs = _elders(actor, ELDERCARE, HEALTH)
    if region:
        qs = qs.filter(prefix_q("region_code", region_prefix(region)))
    if q:
        text = q.strip()
        if len(text) == 18 and text[:17].isdigit():
            qs = qs.filter(id_number_hash=blind_index(text))
        else:
            qs = qs.filter(name__contains=text)
    if category:
        qs = qs.filter(
            Exists(ElderCategory.objects.filter(_valid_on(on), elder=OuterRef("pk"), category=category))
        )
    qs = with_latest_assessment(qs, on)
    if level:
        qs = qs.filter(latest_level=level)  # type: ignore[misc]
    if on_visit_list is not None:
        base = _elders(actor, ELDERCARE, HEALTH)
        if region:  # the list of the region asked for, not of everything the actor sees
            base = base.filter(prefix_q("region_code", region_prefix(region)))
        listed = visit_list_queryset(base, on=on).values("pk")
        qs = qs.filter(pk__in=listed) if on_visit_list else qs.exclude(pk__in=listed)
    return qs.order_by("region_code", "name", "pk")


def elder_get(*, actor: User, pk: int) -> Elder:
    elder = _elders(actor, ELDERCARE, HEALTH).filter(pk=pk).first()
    if elder is None:
        raise NotFound(str(pk))
    return elder


def elder_get_by_id_number(*, actor: User, id_number: str) -> Elder:
    """Exact lookup by the blind index of the ID number (never a scan of the ciphertexts)."""
    number = (id_number or "").strip().upper()
    elder = (
        _elders(actor, ELDERCARE, HEALTH).filter(id_number_hash=blind_index(number)).first()
        if number
        else None
    )
    if elder is None:
        raise NotFound("id_number")
    return elder


# --- visit list and work list ---------------------------------------------------------------------


@dataclass(frozen=True)
class WorklistRow:
    elder: Elder
    reasons: tuple[str, ...]
    last_visit_on: dt.date | None
    visited: bool  # at least one visit in the month
    overdue: bool


WORKLIST_FIELDS = ("id", "name", "region_code", "birth_date", "living_arrangement", "died_on", "moved_out_on")


def with_id_numbers(rows: list[WorklistRow]) -> list[WorklistRow]:
    """The rows of one page with their people's ID numbers, read in one query."""
    numbers = dict(
        Elder.objects.filter(pk__in=[r.elder.pk for r in rows]).values_list("pk", "id_number").order_by()
    )
    for r in rows:
        r.elder.id_number = numbers.get(r.elder.pk, "")
    return rows


def visit_worklist(
    *, actor: User, region_code: str, month: dt.date, today: dt.date | None = None
) -> list[WorklistRow]:
    """Who is on the visit list of ``region_code`` (and below) for the month of ``month``, why, when
    they were last visited, whether they were visited that month and whether they are overdue.
    The list is read on the month's last day. Two queries, whatever the size of the community."""
    today = today or clock.today()
    start = visitlist.month_start(month)
    ref = visitlist.month_reference_day(start)
    rules = visit_list_rules(ref)
    frequency = rule("welfare.visit_frequency", on=ref)
    overdue_after = frequency.get("overdue_after_day")
    prefix = region_prefix(region_code)
    base = _elders(actor, ELDERCARE).filter(prefix_q("region_code", prefix))
    last_visit = (
        WelfareVisit.objects.filter(elder=OuterRef("pk"), visited_on__lte=ref)
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )
    elders = list(
        visit_list_queryset(base, on=ref, rules=rules)
        .annotate(last_visit_on=Subquery(last_visit))
        # only what the list needs: a county's list has tens of thousands of rows, and decrypting
        # their ID numbers and phones would cost most of the time (``with_id_numbers`` for a page)
        .only(*WORKLIST_FIELDS)
        .order_by("name", "pk")
    )
    cats = categories_on(prefix, ref) if rules.values_of("category") and elders else {}
    rows: list[WorklistRow] = []
    for e in elders:
        reasons = visitlist.reasons(facts_of(e, cats.get(e.pk, []), e.latest_level), on=ref, rules=rules)  # type: ignore[attr-defined]
        if not reasons:  # the SQL filter and the pure rule agree; this guards a rule the SQL cannot say
            continue
        last: dt.date | None = e.last_visit_on
        visited = last is not None and last >= start
        rows.append(
            WorklistRow(
                elder=e,
                reasons=reasons,
                last_visit_on=last,
                visited=visited,
                overdue=visitlist.is_overdue(
                    visited=visited, month=start, today=today, overdue_after_day=overdue_after
                ),
            )
        )
    rows.sort(key=lambda r: (r.visited, not r.overdue, r.elder.name, r.elder.pk))
    return rows


def visit_reasons(*, actor: User, elder: Elder, on: dt.date | None = None) -> tuple[str, ...]:
    """Why one person is on the visit list on ``on`` (empty: not on it)."""
    on = on or clock.today()
    row = with_latest_assessment(_elders(actor, ELDERCARE).filter(pk=elder.pk), on).first()
    if row is None:
        raise NotFound(str(elder.pk))
    cats = categories_on([row.pk], on).get(row.pk, [])
    return visitlist.reasons(facts_of(row, cats, row.latest_level), on=on, rules=visit_list_rules(on))  # type: ignore[attr-defined]


# --- a person's whole follow-up -----------------------------------------------------------------


@dataclass
class Followup:
    elder: Elder
    categories: list[ElderCategory] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    assessments: list[AbilityAssessment] = field(default_factory=list)
    welfare_visits: list[WelfareVisit] = field(default_factory=list)
    health_checks: list[HealthCheck] = field(default_factory=list)
    changes: list[ChangeLog] = field(default_factory=list)
    visit_reasons: tuple[str, ...] = ()


def elder_followup(*, actor: User, elder: Elder) -> Followup:
    """Everything recorded about one person, newest first. Health staff see the health checks only."""
    sectors = actor.sectors()
    found = _elders(actor, ELDERCARE, HEALTH).filter(pk=elder.pk).first()
    if found is None:
        raise NotFound(str(elder.pk))
    out = Followup(elder=found)
    out.health_checks = list(HealthCheck.objects.filter(elder=found).order_by("-checked_on"))
    if ELDERCARE not in sectors:
        return out
    out.categories = list(ElderCategory.objects.filter(elder=found).order_by("-valid_from", "category"))
    out.contacts = list(Contact.objects.filter(elder=found).order_by("name"))
    out.assessments = list(AbilityAssessment.objects.filter(elder=found).order_by("-assessed_on"))
    out.welfare_visits = list(
        WelfareVisit.objects.filter(elder=found).select_related("routed_to_provider").order_by("-visited_on")
    )
    out.changes = list(
        ChangeLog.objects.filter(target_type="people.elder", target_id=str(found.pk)).order_by("-at", "-id")
    )
    out.visit_reasons = visit_reasons(actor=actor, elder=found)
    return out


# --- exports --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElderExportRow:
    elder: Elder
    categories: list[str]
    support_mode: str
    provider_uscc: str
    latest_total: int | None
    latest_level: str | None
    reasons: tuple[str, ...]


def elders_for_export(
    *, actor: User, on: dt.date | None = None, chunk: int = 2000
) -> Iterator[ElderExportRow]:
    """Every visible person with the derived fields (latest assessment, visit-list reasons on ``on``)."""
    on = on or clock.today()
    rules = visit_list_rules(on)
    qs = with_latest_assessment(_elders(actor, ELDERCARE), on).select_related("provider").order_by("pk")
    last = 0
    while True:
        batch = list(qs.filter(pk__gt=last)[:chunk])
        if not batch:
            return
        last = batch[-1].pk
        modes: dict[int, str] = {}
        cats: dict[int, list[str]] = defaultdict(list)
        for elder_id, cat, mode in (
            ElderCategory.objects.filter(_valid_on(on), elder_id__in=[e.pk for e in batch])
            .order_by("elder_id", "category")
            .values_list("elder_id", "category", "support_mode")
        ):
            cats[elder_id].append(cat)
            if mode:
                modes[elder_id] = mode
        for e in batch:
            level = e.latest_level  # type: ignore[attr-defined]
            yield ElderExportRow(
                elder=e,
                categories=cats.get(e.pk, []),
                support_mode=modes.get(e.pk, ""),
                provider_uscc=e.provider.uscc if e.provider else "",
                latest_total=e.latest_total,  # type: ignore[attr-defined]
                latest_level=level,
                reasons=visitlist.reasons(facts_of(e, cats.get(e.pk, []), level), on=on, rules=rules),
            )


def assessments_for_export(*, actor: User) -> QuerySet[AbilityAssessment]:
    ids = _elders(actor, ELDERCARE).values("pk")
    return (
        AbilityAssessment.objects.filter(elder_id__in=ids)
        .select_related("elder")
        .order_by("elder_id", "assessed_on")
    )


def welfare_visits_for_export(*, actor: User) -> QuerySet[WelfareVisit]:
    ids = _elders(actor, ELDERCARE).values("pk")
    return (
        WelfareVisit.objects.filter(elder_id__in=ids)
        .select_related("elder")
        .order_by("elder_id", "visited_on")
    )


def health_checks_for_export(*, actor: User) -> QuerySet[HealthCheck]:
    ids = _elders(actor, ELDERCARE, HEALTH).values("pk")
    return (
        HealthCheck.objects.filter(elder_id__in=ids)
        .select_related("elder")
        .order_by("elder_id", "checked_on")
    )
