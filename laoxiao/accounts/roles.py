"""Roles as data: each is a Django group with permissions, synced after every migrate.

A role says *what* a user may do; the user's region assignments say *where*. Sectors decide which
kind of record a role sees: civil affairs (民政) sees elder care; health (卫健) sees childcare and
health follow-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

SECTOR_ELDERCARE = "accounts.sector_eldercare"
SECTOR_CHILDCARE = "accounts.sector_childcare"
SECTOR_HEALTH = "accounts.sector_health"
REVEAL = "accounts.reveal_personal_data"
IMPORT = "accounts.import_records"
EXPORT = "accounts.export_records"
MANAGE_REGIONS = "accounts.manage_regions"
REPORT_PLAN = "accounts.report_plan"
APPROVE_PLAN = "accounts.approve_plan"
VIEW_ALL_CHANGELOG = "core.view_all_changelog"


@dataclass(frozen=True)
class Role:
    code: str
    name: object  # lazy translation
    permissions: tuple[str, ...]
    description: object = ""


_STAFF = (IMPORT, EXPORT)

ROLES: tuple[Role, ...] = (
    Role(
        "city_admin",
        _("City administrator"),
        (
            SECTOR_ELDERCARE,
            SECTOR_CHILDCARE,
            SECTOR_HEALTH,
            REVEAL,
            *_STAFF,
            MANAGE_REGIONS,
            APPROVE_PLAN,
            VIEW_ALL_CHANGELOG,
        ),
        _("Runs the platform for the city: regions, accounts, reference data, approvals."),
    ),
    *(
        Role(
            f"civil_affairs_{level}",
            name,
            (SECTOR_ELDERCARE, REVEAL, *_STAFF),
            _("Civil-affairs office: elder-care providers, older people, welfare visits, subsidies."),
        )
        for level, name in (
            ("county", _("Civil-affairs officer (county)")),
            ("township", _("Civil-affairs officer (township)")),
            ("community", _("Civil-affairs officer (community)")),
        )
    ),
    *(
        Role(
            f"health_{level}",
            name,
            (SECTOR_CHILDCARE, SECTOR_HEALTH, REVEAL, *_STAFF),
            _("Health office: childcare providers, children, health follow-up."),
        )
        for level, name in (
            ("county", _("Health officer (county)")),
            ("township", _("Health officer (township)")),
            ("community", _("Health officer (community)")),
        )
    ),
    Role(
        "community_worker",
        _("Community worker"),
        (SECTOR_ELDERCARE, EXPORT),
        _("Community (grid) worker: visits older people in special difficulty and records what they need."),
    ),
    Role(
        "provider_operator",
        _("Provider operator"),
        (),
        _("Runs one provider: its filing, capacity, staff, prices and the people it serves."),
    ),
    Role(
        "family_member",
        _("Family member"),
        (),
        _(
            "A family member: sees and orders services only for the people linked to their account, with consent."
        ),
    ),
    Role(
        "bureau_reporter",
        _("Bureau reporter"),
        (REPORT_PLAN,),
        _("Reports the plan's tasks and reported indicators for a responsible unit."),
    ),
)

ROLE_BY_CODE = {r.code: r for r in ROLES}


# --- who sees what: sectors of records ----------------------------------------------------------
# Policy, not domain data: which sectors read which kind of record is how the offices are organised
# (civil affairs / health), not a rule of a national standard with an effective date, so it is a
# table in code, reviewed with the code (docs/architecture.md, "Who sees what").

# A record kind → the actor sectors (``User.sectors()``) that read it.
RECORD_READERS: dict[str, frozenset[str]] = {
    "eldercare": frozenset({"eldercare"}),  # welfare visits, categories, assessments, contacts
    "elder_health": frozenset({"eldercare", "health"}),  # the elder registry and elder health checks
    "childcare": frozenset({"childcare", "health"}),  # children, guardians, childcare providers
    "child_health": frozenset({"health"}),  # newborn visits, child checks, vaccinations
}

# A model label → its record kind. Rows of a provider (``provider`` or ``staff.provider``)
# take the provider's sector; models in neither (regions, the plan, indicators) have no sector and
# are seen by region.
RECORD_SECTOR: dict[str, str] = {
    "people.elder": "elder_health",
    "people.healthcheck": "elder_health",
    "people.eldercategory": "eldercare",
    "people.contact": "eldercare",
    "people.abilityassessment": "eldercare",
    "people.welfarevisit": "eldercare",
    "people.institutionstay": "eldercare",
    "people.child": "childcare",
    "people.guardian": "childcare",
    "people.newbornvisit": "child_health",
    "people.childhealthcheck": "child_health",
    "people.vaccination": "child_health",
}


def readable_kinds(sectors: set[str]) -> list[str]:
    """The record kinds an actor of ``sectors`` reads."""
    return sorted(kind for kind, readers in RECORD_READERS.items() if readers & sectors)


# Aggregates: reads that carry no personal data, and how far they reach for a staff reader.
# "city": every region (the plan compares counties with each other and with the city's targets;
# Table 1 and the major-project list are published by the city); "own": the reader's regions only.
AGGREGATE_READS: dict[str, str] = {
    "indicator_values": "city",
    "major_projects": "city",
}


def aggregate_reach(key: str) -> str:
    """How far aggregate ``key`` reaches ("city" or "own"); unknown keys reach the own regions only."""
    return AGGREGATE_READS.get(key, "own")
