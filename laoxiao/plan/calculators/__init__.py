"""The computed indicators: one ``Definition`` per indicator, by sector (``eldercare``,
``childcare``, ``health``; what they share in ``common``), registered here in ``REGISTRY``.

See ``common`` for what a definition is and how it serves both the stored values (``tally``,
``compute``) and the drill-down (``listing``, ``drill_down``). Other apps register their own
definitions in ``REGISTRY`` (``laoxiao.planning.indicators``: E05).
"""

from __future__ import annotations

from dataclasses import dataclass

from laoxiao.plan.calculators.childcare import C03, C04, C05, C06, C07, C08, C09
from laoxiao.plan.calculators.common import (
    CARE_ROLES,
    COMMUNITY_SERVICE_KINDS,
    PREFIX_LENGTHS,
    ChainListing,
    Ctx,
    Definition,
    FigureListing,
    Figures,
    Listing,
    ListListing,
    Number,
    Period,
    QuerySetDefinition,
    QuerySetListing,
    Result,
    Scope,
    Tally,
    common_prefix,
    region_prefix,
    rollup,
)
from laoxiao.plan.calculators.eldercare import E03, E04, E06, E07, E08, E11, E12, E13, E16, E08Month
from laoxiao.plan.calculators.health import C01, C02, C10, ChildDefinition, DoseListing, dose_rows

__all__ = [
    "CARE_ROLES",
    "COMMUNITY_SERVICE_KINDS",
    "DEFINITIONS",
    "PREFIX_LENGTHS",
    "REGISTRY",
    "ChainListing",
    "ChildDefinition",
    "Ctx",
    "Definition",
    "DoseListing",
    "E08Month",
    "FigureListing",
    "Figures",
    "ListListing",
    "Listing",
    "Number",
    "Period",
    "QuerySetDefinition",
    "QuerySetListing",
    "Result",
    "Scope",
    "Spec",
    "Tally",
    "common_prefix",
    "definition",
    "dose_rows",
    "region_prefix",
    "rollup",
]

DEFINITIONS: tuple[Definition, ...] = (
    E03(), E04(), E06(), E07(), E08(), E11(), E12(), E13(), E16(),
    C01(), C02(), C03(), C04(), C05(), C06(), C07(), C08(), C09(), C10(),
)  # fmt: skip


@dataclass(frozen=True)
class Spec:
    code: str
    definition: Definition
    monthly: bool = False


REGISTRY: dict[str, Spec] = {d.code: Spec(d.code, d, d.monthly) for d in DEFINITIONS}


def definition(code: str) -> Definition:
    return REGISTRY[code].definition
