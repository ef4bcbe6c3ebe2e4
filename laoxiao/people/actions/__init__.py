"""The people actions: the registries of older people and children and their follow-up.

One topic a module: ``elders`` (the registry of older people), ``assessments``, ``visits``,
``health_checks``, ``elders_bulk`` (imports, the demo city); ``children`` (the registry of children),
``enrolment``, ``child_followup``, ``children_bulk``; ``handover`` (requests between regions); the
shared checks in ``scope``, ``elder_checks`` and ``elder_followup``. Their public names are also
importable from here (``from laoxiao.people import actions``).
"""

from __future__ import annotations

from laoxiao.people.actions.assessments import (
    ScoringCache,
    assessment_record,
    assessments_upsert_many,
    scoring_rules,
)
from laoxiao.people.actions.child_followup import (
    CHILD_BATCH,
    check_followup_date,
    child_check_record,
    child_checks_upsert_many,
    newborn_visit_record,
    newborn_visits_upsert_many,
    raise_bulk,
    vaccination_record,
    vaccinations_upsert_many,
)
from laoxiao.people.actions.children import (
    CERT_RE,
    CHILD_FIELDS,
    OUTSIDE_REGIONS,
    child_death,
    child_handover,
    child_upsert,
    clean_child_data,
    guardian_upsert,
    handover_entries,
    match_child,
    move_child_rows,
)
from laoxiao.people.actions.children_bulk import (
    children_upsert_many,
    existing_children,
)
from laoxiao.people.actions.elder_checks import (
    ELDER_AGE,
    HEALTH_CHECK_AGE,
    add_months,
    check_elder_id,
    check_event_date,
    check_follow_up_date,
    check_health_check_age,
    county_codes,
    elder_in_scope,
    field_error,
)
from laoxiao.people.actions.elder_followup import (
    ElderRef,
    check_dates,
    elder_refs,
    follow_up_snapshot,
    refs_checked,
    upsert_follow_up,
)
from laoxiao.people.actions.elders import (
    ELDER_FIELDS,
    FOLLOW_UP_MODELS,
    apply_categories,
    category_entry,
    check_categories,
    close_categories,
    elder_death,
    elder_handover,
    elder_set_categories,
    elder_upsert,
    home_position_errors,
    move_follow_up,
    open_categories,
)
from laoxiao.people.actions.elders_bulk import (
    elders_upsert_many,
)
from laoxiao.people.actions.enrolment import (
    child_enrol,
    current_children,
    provider_places,
)
from laoxiao.people.actions.handover import (
    handover_decide,
    handover_request,
)
from laoxiao.people.actions.health_checks import (
    health_check_record,
    health_checks_upsert_many,
)
from laoxiao.people.actions.scope import (
    CHILDREN_SECTOR_MESSAGE,
    NOT_REGISTRABLE,
    child_community,
    elder_community,
    not_registrable,
    require_children_sector,
)
from laoxiao.people.actions.visits import (
    welfare_visit_record,
    welfare_visits_upsert_many,
)

__all__ = [
    "ELDER_AGE",
    "CHILD_BATCH",
    "CERT_RE",
    "CHILDREN_SECTOR_MESSAGE",
    "CHILD_FIELDS",
    "ELDER_FIELDS",
    "ElderRef",
    "FOLLOW_UP_MODELS",
    "HEALTH_CHECK_AGE",
    "NOT_REGISTRABLE",
    "OUTSIDE_REGIONS",
    "ScoringCache",
    "add_months",
    "apply_categories",
    "assessment_record",
    "assessments_upsert_many",
    "category_entry",
    "check_categories",
    "check_dates",
    "check_elder_id",
    "check_event_date",
    "check_follow_up_date",
    "check_followup_date",
    "check_health_check_age",
    "child_check_record",
    "child_checks_upsert_many",
    "child_community",
    "child_death",
    "child_enrol",
    "child_handover",
    "child_upsert",
    "children_upsert_many",
    "clean_child_data",
    "close_categories",
    "county_codes",
    "current_children",
    "elder_community",
    "elder_death",
    "elder_handover",
    "elder_in_scope",
    "elder_refs",
    "elder_set_categories",
    "elder_upsert",
    "home_position_errors",
    "elders_upsert_many",
    "existing_children",
    "field_error",
    "follow_up_snapshot",
    "guardian_upsert",
    "handover_decide",
    "handover_entries",
    "handover_request",
    "health_check_record",
    "health_checks_upsert_many",
    "match_child",
    "move_child_rows",
    "move_follow_up",
    "newborn_visit_record",
    "newborn_visits_upsert_many",
    "not_registrable",
    "open_categories",
    "provider_places",
    "raise_bulk",
    "refs_checked",
    "require_children_sector",
    "scoring_rules",
    "upsert_follow_up",
    "vaccination_record",
    "vaccinations_upsert_many",
    "welfare_visit_record",
    "welfare_visits_upsert_many",
]
