"""The computed measures: one ``Definition`` per measure, by sector (``eldercare``,
``childcare``, ``health``; what they share in ``common``), registered here in ``REGISTRY`` under
the measure's stable key (``nursing_bed_share``). The seed plan's indicator code (``E06``) is the
measure's alias: ``resolve_measure`` accepts either, so a plan file may name a measure both ways.

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
    "MEASURE_KEYS",
    "Spec",
    "Tally",
    "common_prefix",
    "definition",
    "register",
    "resolve_measure",
    "dose_rows",
    "region_prefix",
    "rollup",
]

DEFINITIONS: tuple[Definition, ...] = (
    E03(), E04(), E06(), E07(), E08(), E11(), E12(), E13(), E16(),
    C01(), C02(), C03(), C04(), C05(), C06(), C07(), C08(), C09(), C10(),
)  # fmt: skip


# the stable key of every measure of the seed plan, by its indicator code there (the alias); the
# reported ones have no calculator but keep their key here so that every plan names them alike
MEASURE_KEYS: dict[str, str] = {
    "E01": "pension_insurance_coverage",
    "E02": "medical_insurance_coverage",
    "E03": "disabled_extreme_poor_in_care_share",
    "E04": "home_community_care_coverage",
    "E05": "new_residential_facility_compliance",
    "E06": "nursing_bed_share",
    "E07": "elder_health_management_rate",
    "E08": "special_elder_monthly_visit_rate",
    "E09": "life_expectancy",
    "E10": "eldercare_industry_value",
    "E11": "backbone_eldercare_enterprises",
    "E12": "eldercare_professionals",
    "E13": "social_workers_per_1000_elders",
    "E14": "elder_education_participation",
    "E15": "elder_volunteer_share",
    "E16": "elder_friendly_communities",
    "C01": "newborn_visit_rate",
    "C02": "vaccination_rate",
    "C03": "filed_childcare_centres",
    "C04": "demonstration_childcare_centres",
    "C05": "childcare_slots_per_1000",
    "C06": "inclusive_slot_share",
    "C07": "childcare_professionals",
    "C08": "childcare_staff_certified_share",
    "C09": "backbone_childcare_enterprises",
    "C10": "infant_health_management_rate",
}


@dataclass(frozen=True)
class Spec:
    key: str
    definition: Definition
    monthly: bool = False

    @property
    def alias(self) -> str:
        return self.definition.code


REGISTRY: dict[str, Spec] = {}


def register(d: Definition) -> Spec:
    """Register a definition under its measure key (``MEASURE_KEYS[d.code]``, or ``d.key``)."""
    key = getattr(d, "key", "") or MEASURE_KEYS[d.code]
    spec = Spec(key, d, d.monthly)
    REGISTRY[key] = spec
    return spec


for _d in DEFINITIONS:
    register(_d)


def resolve_measure(name: str) -> str | None:
    """The key of a measure named by its key or by its alias (``E06`` → ``nursing_bed_share``);
    None when neither names one."""
    text = (name or "").strip()
    if text in REGISTRY or text in MEASURE_KEYS.values():
        return text
    return MEASURE_KEYS.get(text.upper())


def definition(key: str) -> Definition:
    return REGISTRY[resolve_measure(key) or key].definition
