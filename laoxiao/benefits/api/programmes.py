"""The benefits API: programmes with their rule versions, a person's eligibility with the reasons,
and the officers' lists (mounted at /api/v1/benefits by ``laoxiao.api.main``). Amounts in fen.
(No ``from __future__ import annotations`` here: ninja must see the real ``Query[...]`` types.)"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from laoxiao.benefits.eligibility import calculator_for
from laoxiao.benefits.models import Programme
from laoxiao.benefits.selectors import eligibility as selectors
from laoxiao.core import clock
from laoxiao.core.models import RuleVersion

router = Router(tags=["benefits"])

MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def parse_month(value: str | None) -> dt.date:
    """``YYYY-MM`` (already checked by the schema) → its first day; none: this month."""
    if not value:
        today = clock.today()
        return dt.date(today.year, today.month, 1)
    year, month = value.split("-")
    return dt.date(int(year), int(month), 1)


class BenefitRuleVersionOut(Schema):
    effective_from: dt.date
    certainty: str
    unconfirmed: bool
    source: str
    note: str
    data: Any
    in_force: bool = False

    @staticmethod
    def resolve_unconfirmed(obj: Any) -> bool:
        return bool(obj.certainty == "?")


class BenefitProgrammeOut(Schema):
    code: str
    name: str
    name_en: str
    sector: str
    payee: str
    period: str
    entry: str
    funding_unit: str
    rule_key: str
    excludes: list[str]
    source: str
    beneficiary: str
    description: str

    @staticmethod
    def resolve_beneficiary(obj: Any) -> str:
        return calculator_for(obj).source


class BenefitProgrammeDetailOut(BenefitProgrammeOut):
    versions: list[BenefitRuleVersionOut]


class BenefitExplanationOut(Schema):
    programme: str
    programme_name: str
    period: str
    eligible: bool
    amount_fen: int
    from_period: str | None
    reasons: list[str]
    rule_key: str
    rule_from: dt.date | None
    certainty: str


class BenefitEligibilityOut(Schema):
    beneficiary_key: str
    region_code: str
    period: str
    programmes: list[BenefitExplanationOut]


class BenefitPeriodIn(Schema):
    period: str | None = Field(None, pattern=MONTH, description="the month, YYYY-MM (default: this month)")


class BenefitOfficerListIn(Schema):
    programme: str = Field(..., max_length=40, description="the programme code")
    region: str = Field(..., pattern=r"^[0-9]{12}$", description="a region code (12 digits)")
    period: str | None = Field(None, pattern=MONTH, description="the month, YYYY-MM (default: this month)")


class BenefitOfficerRowOut(Schema):
    beneficiary_key: str
    subject_id: int
    name: str
    region_code: str
    amount_fen: int
    reasons: list[str]
    item_code: str


class BenefitOfficerListOut(Schema):
    programme: str
    region_code: str
    period: str
    total: int
    rows: list[BenefitOfficerRowOut]


def _versions(programme: Programme) -> list[Any]:
    today = clock.today()
    rows = list(RuleVersion.objects.filter(key=programme.rule_key).order_by("-effective_from"))
    current = next((v for v in rows if v.effective_from <= today), None)
    for v in rows:
        setattr(v, "in_force", v is current)  # noqa: B010 - read by the schema
    return rows


def _explanations(subject: Any, key: str, day: dt.date, items: list[Any]) -> dict[str, Any]:
    return {
        "beneficiary_key": key,
        "region_code": subject.region_code,
        "period": f"{day:%Y-%m}",
        "programmes": [
            {
                "programme": i.programme.code,
                "programme_name": i.programme.name,
                "period": f"{i.explanation.period:%Y-%m}",
                "eligible": i.explanation.eligible,
                "amount_fen": i.explanation.amount_fen,
                "from_period": f"{i.explanation.from_period:%Y-%m}" if i.explanation.from_period else None,
                "reasons": i.explanation.reasons,
                "rule_key": i.explanation.rule_key,
                "rule_from": i.explanation.rule_from,
                "certainty": i.explanation.certainty,
            }
            for i in items
        ],
    }


def _officer(result: selectors.OfficerList) -> dict[str, Any]:
    return {
        "programme": result.programme.code,
        "region_code": result.region_code,
        "period": f"{result.period:%Y-%m}",
        "total": result.total,
        "rows": [r.__dict__ for r in result.rows],
    }


@router.get(
    "/programmes", response=list[BenefitProgrammeOut], summary="The programmes of the caller's sectors"
)
def list_programmes(request: HttpRequest):
    return selectors.programmes_for(request.auth)


@router.get(
    "/programmes/{code}", response=BenefitProgrammeDetailOut, summary="One programme with its rule versions"
)
def get_programme(request: HttpRequest, code: str):
    programme = selectors.programme_get(actor=request.auth, code=code)
    setattr(programme, "versions", _versions(programme))  # noqa: B010 - read by the schema
    return programme


@router.get(
    "/eligibility/elders/{pk}",
    response=BenefitEligibilityOut,
    summary="An older person's eligibility for every programme, with the reasons",
)
def elder_eligibility(request: HttpRequest, pk: int, q: Query[BenefitPeriodIn]):
    day = parse_month(q.period)
    subject, items = selectors.person_eligibility(actor=request.auth, source="elder", pk=pk, period=day)
    return _explanations(subject, f"e{subject.pk}", day, items)


@router.get(
    "/eligibility/children/{pk}",
    response=BenefitEligibilityOut,
    summary="A child's eligibility for every programme, with the reasons",
)
def child_eligibility(request: HttpRequest, pk: int, q: Query[BenefitPeriodIn]):
    day = parse_month(q.period)
    subject, items = selectors.person_eligibility(actor=request.auth, source="child", pk=pk, period=day)
    return _explanations(subject, f"c{subject.pk}", day, items)


@router.get(
    "/eligibility/new-without-account",
    response=BenefitOfficerListOut,
    summary="Became eligible this period and has no payment account (a region, a programme)",
)
def new_without_account(request: HttpRequest, q: Query[BenefitOfficerListIn]):
    result = selectors.newly_eligible_without_account(
        actor=request.auth, programme_code=q.programme, region_code=q.region, period=parse_month(q.period)
    )
    return _officer(result)


@router.get(
    "/eligibility/paid-not-eligible",
    response=BenefitOfficerListOut,
    summary="Paid last period but no longer eligible (a region, a programme), with the reasons",
)
def paid_not_eligible(request: HttpRequest, q: Query[BenefitOfficerListIn]):
    result = selectors.paid_but_not_eligible(
        actor=request.auth, programme_code=q.programme, region_code=q.region, period=parse_month(q.period)
    )
    return _officer(result)
