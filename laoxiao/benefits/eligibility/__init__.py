"""Eligibility: the kernel (``eligibility.base``) and one calculator module per kind of beneficiary,
imported here so every calculator is registered. Use ``calculator_for(programme)``."""

from laoxiao.benefits.eligibility import (  # noqa: F401 - registers the calculators
    applications,
    children,
    elders,
    providers,
    staff,
)
from laoxiao.benefits.eligibility.base import (
    CALCULATORS,
    Calculator,
    Explanation,
    Payable,
    beneficiary_key,
    calculator_for,
    period_start,
    yuan_to_fen,
)

__all__ = [
    "CALCULATORS",
    "Calculator",
    "Explanation",
    "Payable",
    "beneficiary_key",
    "calculator_for",
    "period_start",
    "yuan_to_fen",
]
