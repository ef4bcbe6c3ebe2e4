"""Filing documents: one per provider and kind (a code of ``institutions.filing_documents``).

The order of checks in ``document_upsert``: ``require_can_act`` (``NotFound`` /
``PermissionDenied``); the kind is a document of the rules in force today and the expiry not
before the issue date (``ValidationError``); then the model's checks and one change-log row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.access import require_can_act
from laoxiao.core.i18n import fmt
from laoxiao.providers import compliance
from laoxiao.providers.actions.checks import check_dates, save_row
from laoxiao.providers.models import FilingDocument, Provider


@transaction.atomic
def document_upsert(
    *,
    actor: User,
    provider: Provider,
    kind: str,
    number: str,
    issued_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    note: str = "",
) -> FilingDocument:
    """Record a filing document (one per kind, a code of ``institutions.filing_documents``)."""
    require_can_act(actor, provider)
    errors: dict[str, Any] = {}
    specs = compliance.document_specs(clock.today())
    if kind not in specs:
        errors["kind"] = fmt(_("Unknown document; use one of: %(codes)s."), codes=", ".join(specs))
    check_dates(errors, issued_on, expires_on, "expires_on")
    if errors:
        raise ValidationError(errors)
    existing = FilingDocument.objects.filter(provider=provider, kind=kind).first()
    values = {
        "number": (number or "").strip(),
        "issued_on": issued_on,
        "expires_on": expires_on,
        "note": note or "",
    }
    doc = save_row(
        existing or FilingDocument(provider=provider, region_code=provider.region_code, kind=kind),
        actor=actor,
        values=values,
        snapshot=("kind",),
    )
    return doc
