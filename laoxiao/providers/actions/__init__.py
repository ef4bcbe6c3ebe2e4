"""Writes of providers, by topic (each module's docstring gives the order of its checks):

- ``registry``: registering a provider, changing its data;
- ``filing``: the filing workflow (``TRANSITIONS``, ``filing_transition``, ``filing_blockers``);
- ``documents``, ``classes``, ``agreements``, ``staff``, ``prices``: the provider's rows;
- ``bulk``: the bulk writers of the imports and the demo city;
- ``checks``: the fields a write may set, who reviews, checks of values, ``save_row``.

Who may act (region, sector, own provider) is ``laoxiao.core.access``: every write checks who and
where first (``NotFound``), then what (``PermissionDenied``), then the content (``ValidationError``
with field → message), then writes in one transaction and logs each change (``ChangeLog``: a
creation its snapshot, an update ``{"field": [old, new]}``, a filing step a ``status`` row beside
its ``FilingEvent``). Rules come from ``laoxiao.core.rules`` via ``laoxiao.providers.compliance``.

Callers use ``from laoxiao.providers import actions; actions.provider_update(...)``.
"""

from laoxiao.providers.actions.agreements import agreement_add
from laoxiao.providers.actions.bulk import (
    classes_upsert,
    documents_upsert_many,
    prices_upsert,
    providers_upsert,
    reference_prices_upsert,
    staff_upsert_many,
)
from laoxiao.providers.actions.checks import (
    CERTIFICATE_FIELDS,
    CLASS_FIELDS,
    DOCUMENT_FIELDS,
    OFFICIAL_FIELDS,
    PROVIDER_FIELDS,
    REVIEWER_ROLES,
    STAFF_FIELDS,
    WORKFLOW_FIELDS,
    can_manage_reference_prices,
    can_review,
    check_uscc,
    provider_problems,
)
from laoxiao.providers.actions.classes import class_delete, class_upsert
from laoxiao.providers.actions.documents import document_upsert
from laoxiao.providers.actions.filing import REVIEW, SUBMIT, TRANSITIONS, filing_blockers, filing_transition
from laoxiao.providers.actions.prices import price_set, reference_price_set
from laoxiao.providers.actions.registry import provider_create, provider_update
from laoxiao.providers.actions.staff import certificate_upsert, check_staff_id, county_codes, staff_upsert

__all__ = [
    "CERTIFICATE_FIELDS",
    "CLASS_FIELDS",
    "DOCUMENT_FIELDS",
    "OFFICIAL_FIELDS",
    "PROVIDER_FIELDS",
    "REVIEW",
    "REVIEWER_ROLES",
    "STAFF_FIELDS",
    "SUBMIT",
    "TRANSITIONS",
    "WORKFLOW_FIELDS",
    "agreement_add",
    "can_manage_reference_prices",
    "can_review",
    "certificate_upsert",
    "check_staff_id",
    "check_uscc",
    "class_delete",
    "class_upsert",
    "classes_upsert",
    "county_codes",
    "document_upsert",
    "documents_upsert_many",
    "filing_blockers",
    "filing_transition",
    "price_set",
    "prices_upsert",
    "provider_create",
    "provider_problems",
    "provider_update",
    "providers_upsert",
    "reference_price_set",
    "reference_prices_upsert",
    "staff_upsert",
    "staff_upsert_many",
]
