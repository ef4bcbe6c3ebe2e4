"""Test helpers of eligibility: people, children, providers and staff written straight to the
tables, approved applications (``make_application``), and ``prog(code)`` (loads the rules once)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from laoxiao.benefits.eligibility import calculator_for
from laoxiao.benefits.loader import load_programmes
from laoxiao.benefits.models import Application, Programme
from laoxiao.benefits.tests.factories import shipped_programme
from laoxiao.core.models import RuleVersion
from laoxiao.core.rules import load_rules
from laoxiao.people.models import AbilityAssessment, Child, Elder, ElderCategory, Guardian, InstitutionStay
from laoxiao.people.tests.factories import make_child_id, make_elder_id
from laoxiao.providers.models import Provider, StaffMember
from laoxiao.providers.tests.factories import make_id_number, make_provider

XS1 = "340603001001"  # 相山区
SX1 = "340621100001"  # 濉溪县
_seq = itertools.count(1)


def prog(code: str) -> Programme:
    """The shipped programme ``code`` (the rules loaded on first use)."""
    if not RuleVersion.objects.filter(key__startswith="benefits.").exists():
        load_rules()
    if not Programme.objects.filter(code=code).exists():  # a transactional test flushed the table
        load_programmes()
    return shipped_programme(code)


def elder(*, birth: dt.date = dt.date(1940, 5, 6), region: str = XS1, **extra: Any) -> Elder:
    n = next(_seq)
    return Elder.objects.create(
        id_number=make_elder_id(birth, n, county=region[:6]),
        name=f"老人{n}",
        sex="M",
        birth_date=birth,
        region_id=region,
        region_code=region,
        **extra,
    )


def category(
    person: Elder, cat: str, since: dt.date = dt.date(2020, 1, 1), until: dt.date | None = None
) -> Any:
    return ElderCategory.objects.create(
        elder=person, region_code=person.region_code, category=cat, valid_from=since, valid_to=until
    )


def assessment(person: Elder, level: str, on: dt.date = dt.date(2025, 6, 1)) -> Any:
    return AbilityAssessment.objects.create(
        elder=person,
        region_code=person.region_code,
        assessed_on=on,
        reason="first",
        items={},
        self_care=0,
        mobility=0,
        mental=0,
        perception=0,
        total=0,
        preliminary_level=level,
        level=level,
    )


def stay(person: Elder, home: Provider, admitted: dt.date, left: dt.date | None = None) -> Any:
    return InstitutionStay.objects.create(
        elder=person, region_code=person.region_code, provider=home, admitted_on=admitted, left_on=left
    )


def make_application(
    programme: Programme,
    *,
    person: Elder | None = None,
    worker: StaffMember | None = None,
    valid_from: dt.date = dt.date(2025, 1, 1),
    status: str = Application.Status.APPROVED,
    documents: list[dict[str, str]] | None = None,
) -> Application:
    if person is not None:
        key, region = f"e{person.pk}", person.region_code
    else:
        assert worker is not None
        key, region = f"s{worker.pk}", worker.region_code
    return Application.objects.create(
        programme=programme,
        beneficiary_key=key,
        elder=person,
        staff=worker,
        region_code=region,
        status=status,
        valid_from=valid_from if status == Application.Status.APPROVED else None,
        documents=documents or [],
    )


def child(
    *, birth: dt.date = dt.date(2025, 2, 1), region: str = XS1, guardian: bool = True, **extra: Any
) -> Child:
    n = next(_seq)
    kid = Child.objects.create(
        name=f"孩子{n}",
        sex="M",
        birth_date=birth,
        region_id=region,
        region_code=region,
        id_number=make_child_id(region[:6], birth, n),
        **extra,
    )
    if guardian:
        Guardian.objects.create(
            child=kid,
            region_code=region,
            id_number=make_id_number("19900101", region[:6], seq=n % 900 + 1),
            name=f"家长{n}",
            relation="mother",
        )
    return kid


def nursery(*, region: str = XS1, tier: str = "inclusive", status: str = "filed") -> Provider:
    return make_provider(
        next(_seq) + 500,
        region=region,
        kind=Provider.Kind.CHILDCARE_CENTRE,
        status=status,
        supply_tier=tier,
    )


def home(*, region: str = XS1) -> Provider:
    return make_provider(next(_seq) + 800, region=region)


def worker(
    provider: Provider, *, hired: dt.date = dt.date(2024, 1, 1), role: str = "eldercare_worker", **extra: Any
) -> StaffMember:
    n = next(_seq)
    return StaffMember.objects.create(
        provider=provider,
        region_code=provider.region_code,
        id_number=make_id_number("19980101", provider.region_code[:6], seq=n % 900 + 1),
        name=f"护理员{n}",
        role=role,
        hired_on=hired,
        **extra,
    )


def pay(code: str, period: dt.date, prefix: str = "3406") -> dict[str, int]:
    """beneficiary key → amount (fen) over every candidate of the city, the way a batch asks."""
    p = prog(code)
    calc = calculator_for(p)
    ids = list(calc.candidate_ids(p, period, prefix))
    if not ids:
        return {}
    return {x.beneficiary_key: x.amount_fen for x in calc.payables(p, period, prefix, ids[0], ids[-1])}


def explain(code: str, subject: Any, period: dt.date) -> Any:
    p = prog(code)
    return calculator_for(p).explain(p, subject, period)
