"""The kernel of eligibility: who a programme pays, how much, and why: one calculator per programme, registered by code.

A calculator reads the registry (never writes) and answers three questions:

- ``candidate_ids(programme, period, region_prefix)``: the ids (ordered) of the source table
  (``source``: elders, children or providers) that may be paid for ``period`` — the batch build
  splits them into chunks of about a thousand once, when it starts;
- ``payables(programme, period, region_prefix, lo, hi)``: the items to pay for the candidates whose
  id is in ``[lo, hi]``, each with its amount in integer fen from the rule in force on the period's
  first day (the same answer every time it is asked: a rerun of a chunk writes the same items);
- ``explain(programme, subject, period)``: for one person (or provider), eligible or not, from which
  period, at what amount, and every reason, for the person's page, the API and the officers' lists.

Amounts and thresholds come from the programme's versioned rule (``Programme.rule_key``), never
from code.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from laoxiao.benefits.models import Programme
from laoxiao.core.rules import RuleMissing, rule_version


@dataclass(frozen=True)
class Payable:
    """One item a batch should hold: who, where, how much (fen), from which rule version."""

    beneficiary_key: str
    region_code: str
    amount_fen: int
    elder_id: int | None = None
    child_id: int | None = None
    provider_id: int | None = None
    rule_key: str = ""
    rule_from: dt.date | None = None
    staff_id: int | None = None  # a care worker (``s<id>``, source "staff")


@dataclass
class Explanation:
    """Eligible or not for a period, the amount, since when, and the reasons (human sentences)."""

    programme: str
    period: dt.date
    eligible: bool
    amount_fen: int = 0
    from_period: dt.date | None = None
    reasons: list[str] = field(default_factory=list)
    rule_key: str = ""
    rule_from: dt.date | None = None
    certainty: str = ""


def beneficiary_key(
    *,
    elder_id: int | None = None,
    child_id: int | None = None,
    provider_id: int | None = None,
    staff_id: int | None = None,
) -> str:
    """``e12`` (an older person), ``c7`` (a child), ``p3`` (a provider), ``s5`` (a care worker)."""
    if elder_id is not None:
        return f"e{elder_id}"
    if child_id is not None:
        return f"c{child_id}"
    if provider_id is not None:
        return f"p{provider_id}"
    if staff_id is not None:
        return f"s{staff_id}"
    raise ValueError("a beneficiary needs an elder, a child, a provider or a staff member")


def yuan_to_fen(value: Any) -> int:
    """A rule's amount in yuan ("50", "50.5", 50) → integer fen; exact (Decimal), never a float."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not an amount in yuan: {value!r}") from None
    fen = amount * 100
    if fen != fen.to_integral_value() or fen < 0:
        raise ValueError(f"not an amount in yuan to the fen: {value!r}")
    return int(fen)


def explanation_start(programme: Programme, period: dt.date, *, missing: Any) -> tuple[Explanation, Any]:
    """An explanation not yet eligible, with the rule version in force on ``period`` (its key, date
    and certainty filled in); when no version is in force, ``missing`` is its reason and the
    version is None."""
    out = Explanation(programme=programme.code, period=period, eligible=False)
    try:
        version = rule_version(programme.rule_key, on=period)
    except RuleMissing:
        out.reasons.append(str(missing))
        return out, None
    out.rule_key, out.rule_from, out.certainty = programme.rule_key, version.effective_from, version.certainty
    return out, version


def period_start(programme: Programme, day: dt.date) -> dt.date:
    """The period ``day`` falls in: the first day of its month (monthly, one-off) or year (yearly)."""
    if programme.period == Programme.Period.YEARLY:
        return dt.date(day.year, 1, 1)
    return dt.date(day.year, day.month, 1)


class Calculator(ABC):
    """The base of a programme's calculator (subclass, set ``code`` and ``source``, ``@register``).
    The three questions are abstract: a calculator that leaves one out cannot be registered."""

    code: ClassVar[str] = ""
    source: ClassVar[str] = "elder"  # elder | child | provider | staff

    @abstractmethod
    def candidate_ids(self, programme: Programme, period: dt.date, region_prefix: str) -> Any:
        raise NotImplementedError

    @abstractmethod
    def payables(
        self, programme: Programme, period: dt.date, region_prefix: str, lo: int, hi: int
    ) -> list[Payable]:
        raise NotImplementedError

    @abstractmethod
    def explain(self, programme: Programme, subject: Any, period: dt.date) -> Explanation:
        raise NotImplementedError


CALCULATORS: dict[str, Calculator] = {}


def register(cls: type[Calculator]) -> type[Calculator]:
    if not cls.code:
        raise ValueError("a calculator needs a code")
    CALCULATORS[cls.code] = cls()
    return cls


def calculator_for(programme: Programme) -> Calculator:
    try:
        return CALCULATORS[programme.code]
    except KeyError:
        raise LookupError(f"no calculator for programme {programme.code}") from None
