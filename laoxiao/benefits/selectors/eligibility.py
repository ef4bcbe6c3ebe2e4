"""Reads of eligibility: a person's eligibility for every programme (the person's page and the API),
and the officers' lists for a region and a period: who became eligible and has no payment account,
who was paid last period but is no longer eligible.

Scope: the person (or region) must lie within the actor's regions (else ``NotFound``: another
county's officer sees a 404) and the programmes are those of the actor's sectors
(``models._base.SECTOR_READERS``: civil affairs reads the elder programmes; childcare and health
read the childcare programmes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from laoxiao.benefits.eligibility import Explanation, calculator_for, period_start
from laoxiao.benefits.models import PaymentAccount, PaymentItem, Programme
from laoxiao.benefits.models._base import SECTOR_READERS
from laoxiao.core import clock
from laoxiao.core.access import is_active_actor, require_region
from laoxiao.core.errors import NotFound
from laoxiao.people.models import Child, Elder
from laoxiao.providers.models import Provider, StaffMember
from laoxiao.regions.scoping import level_of_code, prefix_for

SOURCE_MODELS: dict[str, Any] = {"elder": Elder, "child": Child, "provider": Provider, "staff": StaffMember}
LIST_LIMIT = 500  # rows an officers' list shows (the count is always complete)


@dataclass
class ProgrammeEligibility:
    programme: Programme
    explanation: Explanation


@dataclass
class EligibilityRow:
    """One beneficiary of an officers' list."""

    beneficiary_key: str
    subject_id: int
    name: str
    region_code: str
    amount_fen: int = 0
    reasons: list[str] = field(default_factory=list)
    item_code: str = ""


@dataclass
class OfficerList:
    programme: Programme
    region_code: str
    period: dt.date
    total: int
    rows: list[EligibilityRow]


def readable_sectors(actor: Any) -> set[str]:
    """The programme sectors the actor reads (a superuser: every one)."""
    if not is_active_actor(actor):
        return set()
    if actor.is_superuser:
        return set(SECTOR_READERS)
    mine = set(actor.sectors())
    return {s for s, readers in SECTOR_READERS.items() if readers & mine}


def programmes_for(actor: Any, source: str | None = None) -> list[Programme]:
    """The active programmes of the actor's sectors (of one beneficiary ``source``, when given)."""
    sectors = readable_sectors(actor)
    out = []
    for p in Programme.objects.filter(active=True, sector__in=sectors).order_by("code"):
        try:
            calc = calculator_for(p)
        except LookupError:
            continue
        if source is None or calc.source == source:
            out.append(p)
    return out


def programme_get(*, actor: Any, code: str) -> Programme:
    p = Programme.objects.filter(code=code, sector__in=readable_sectors(actor)).first()
    if p is None:
        raise NotFound(code)
    return p


def _subject(actor: Any, source: str, pk: int) -> Any:
    model = SOURCE_MODELS[source]
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise NotFound(str(pk))
    require_region(actor, obj.region_code)
    return obj


def person_eligibility(
    *, actor: Any, source: str, pk: int, period: dt.date | None = None
) -> tuple[Any, list[ProgrammeEligibility]]:
    """An elder's (``source="elder"``) or a child's (``"child"``) eligibility for every programme
    the actor reads, for ``period`` (this month by default). ``NotFound`` outside the actor's
    regions, or when the actor reads no programme of that kind of person."""
    if source not in ("elder", "child"):
        raise NotFound(source)
    subject = _subject(actor, source, pk)
    programmes = programmes_for(actor, source)
    if not programmes:
        raise NotFound(str(pk))
    day = period or clock.today()
    out = []
    for p in programmes:
        out.append(ProgrammeEligibility(p, calculator_for(p).explain(p, subject, period_start(p, day))))
    return subject, out


@dataclass
class PersonBenefits:
    """The eligibility panel of a person's page: this month's answer for every programme."""

    period: dt.date
    items: list[ProgrammeEligibility]


def person_benefits(
    *, actor: Any, source: str, subject: Any, on: dt.date | None = None
) -> PersonBenefits | None:
    """The panel for a person the page already shows (its scope checked by the page); None when the
    actor reads no programme for this kind of person."""
    programmes = programmes_for(actor, source)
    if not programmes:
        return None
    day = on or clock.today()
    items = [
        ProgrammeEligibility(p, calculator_for(p).explain(p, subject, period_start(p, day)))
        for p in programmes
    ]
    return PersonBenefits(dt.date(day.year, day.month, 1), items)


def previous_period(programme: Programme, period: dt.date) -> dt.date:
    if programme.period == Programme.Period.YEARLY:
        return dt.date(period.year - 1, 1, 1)
    return dt.date(period.year - (period.month == 1), (period.month - 2) % 12 + 1, 1)


def _scope(actor: Any, code: str, region_code: str) -> tuple[Programme, str]:
    programme = programme_get(actor=actor, code=code)
    require_region(actor, region_code)
    return programme, prefix_for(region_code, level_of_code(region_code))


def _eligible(programme: Programme, period: dt.date, prefix: str) -> dict[str, Any]:
    """beneficiary key → payable, over every candidate (one payables call per thousand ids)."""
    calc = calculator_for(programme)
    ids = list(calc.candidate_ids(programme, period, prefix))
    out: dict[str, Any] = {}
    for start in range(0, len(ids), 1000):
        part = ids[start : start + 1000]
        for payable in calc.payables(programme, period, prefix, part[0], part[-1]):
            out[payable.beneficiary_key] = payable
    return out


def _names(source: str, ids: list[int]) -> dict[int, str]:
    return dict(SOURCE_MODELS[source].objects.filter(pk__in=ids).values_list("pk", "name"))


def newly_eligible_without_account(
    *, actor: Any, programme_code: str, region_code: str, period: dt.date
) -> OfficerList:
    """Eligible for ``period`` and not for the period before (became eligible), and without a
    current payment account (``PaymentAccount.active`` for the beneficiary key)."""
    programme, prefix = _scope(actor, programme_code, region_code)
    period = period_start(programme, period)
    now = _eligible(programme, period, prefix)
    before = _eligible(programme, previous_period(programme, period), prefix)
    new = [k for k in now if k not in before]
    with_account = set(
        PaymentAccount.objects.filter(active=True, beneficiary_key__in=new).values_list(
            "beneficiary_key", flat=True
        )
    )
    keys = sorted((k for k in new if k not in with_account), key=lambda k: int(k[1:]))
    source = calculator_for(programme).source
    shown = keys[:LIST_LIMIT]
    names = _names(source, [int(k[1:]) for k in shown])
    rows = [
        EligibilityRow(
            beneficiary_key=k,
            subject_id=int(k[1:]),
            name=names.get(int(k[1:]), ""),
            region_code=now[k].region_code,
            amount_fen=now[k].amount_fen,
        )
        for k in shown
    ]
    return OfficerList(programme, region_code, period, len(keys), rows)


def paid_but_not_eligible(
    *, actor: Any, programme_code: str, region_code: str, period: dt.date
) -> OfficerList:
    """Paid for the period before ``period`` (an item SENT or PAID) but not eligible for ``period``,
    each with the reasons (the calculator's explanation)."""
    programme, prefix = _scope(actor, programme_code, region_code)
    period = period_start(programme, period)
    last = previous_period(programme, period)
    items = dict(
        PaymentItem.objects.filter(
            programme=programme,
            period=last,
            status__in=[PaymentItem.Status.SENT, PaymentItem.Status.PAID],
            region_code__startswith=prefix,
        ).values_list("beneficiary_key", "code")
    )
    now = _eligible(programme, period, prefix)
    keys = sorted((k for k in items if k not in now), key=lambda k: int(k[1:]) if k[1:].isdigit() else 0)
    calc = calculator_for(programme)
    model = SOURCE_MODELS[calc.source]
    shown = keys[:LIST_LIMIT]
    subjects = {s.pk: s for s in model.objects.filter(pk__in=[int(k[1:]) for k in shown])}
    rows = []
    for k in shown:
        subject = subjects.get(int(k[1:]))
        reasons: list[str] = []
        if subject is not None:
            why = calc.explain(programme, subject, period)
            reasons = why.reasons
            if why.eligible:  # eligible, but no longer in this region
                reasons = [_("Now registered in %(region)s.") % {"region": subject.region_code}]
        rows.append(
            EligibilityRow(
                beneficiary_key=k,
                subject_id=int(k[1:]),
                name=getattr(subject, "name", ""),
                region_code=getattr(subject, "region_code", ""),
                reasons=reasons,
                item_code=items[k],
            )
        )
    return OfficerList(programme, region_code, period, len(keys), rows)
