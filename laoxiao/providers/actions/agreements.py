"""Medical cooperation agreements of elder-care providers (医养结合).

The order of checks in ``agreement_add``: ``require_can_act`` (``NotFound`` /
``PermissionDenied``); an elder-care provider, a partner, a signing date and an expiry not before
it (``ValidationError``, all together); then the model's checks and one change-log row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core.access import require_can_act
from laoxiao.providers.actions.checks import check_dates, save_row
from laoxiao.providers.models import ELDERCARE_KINDS, MedicalAgreement, Provider


@transaction.atomic
def agreement_add(
    *,
    actor: User,
    provider: Provider,
    partner: str,
    signed_on: dt.date,
    expires_on: dt.date | None = None,
) -> MedicalAgreement:
    """Record a cooperation agreement of an elder-care provider with a medical provider (the same
    partner and signing date again returns the recorded one, with a new expiry if given)."""
    require_can_act(actor, provider)
    errors: dict[str, Any] = {}
    partner = (partner or "").strip()
    if provider.kind not in ELDERCARE_KINDS:
        errors["provider"] = _("Only an elder-care provider records medical cooperation agreements.")
    if not partner:
        errors["partner"] = _("This field is required.")
    if signed_on is None:
        errors["signed_on"] = _("This field is required.")
    check_dates(errors, signed_on, expires_on, "expires_on")
    if errors:
        raise ValidationError(errors)
    existing = MedicalAgreement.objects.filter(
        provider=provider, partner=partner, signed_on=signed_on
    ).first()
    agreement = save_row(
        existing
        or MedicalAgreement(
            provider=provider, region_code=provider.region_code, partner=partner, signed_on=signed_on
        ),
        actor=actor,
        snapshot=("partner", "signed_on"),
        values={"expires_on": expires_on},
    )
    return agreement
