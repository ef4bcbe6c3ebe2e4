"""Staff members (found by provider and ID number through the blind index) and their certificates
(by staff member, kind and number).

The order of checks: ``require_can_act`` on the provider (``NotFound`` / ``PermissionDenied``);
the values (a valid, unmasked ID number; a known role; a name; dates in order: ``ValidationError``,
all together); then the model's checks and one change-log row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core.access import require_can_act
from laoxiao.core.crypto import blind_index
from laoxiao.core.i18n import fmt
from laoxiao.core.idnumbers import parse_id_number
from laoxiao.providers.actions.checks import check_dates, save_row
from laoxiao.providers.models import Certificate, Provider, StaffMember
from laoxiao.regions.models import Region


def county_codes() -> set[str]:
    """Six-digit codes of the loaded counties (accepted in ID numbers besides the national table)."""
    return {c[:6] for c in Region.objects.filter(level="county").values_list("code", flat=True)}


def check_staff_id(number: str, extra_codes: Iterable[str] | None = None) -> str:
    """The normalised ID number, or ``ValidationError`` (masked numbers are refused)."""
    if "*" in (number or ""):
        raise ValidationError(
            _("A masked ID number (from an export) cannot be imported: give the full number."), code="masked"
        )
    info = parse_id_number(number, extra_codes=set(county_codes() if extra_codes is None else extra_codes))
    return info.number


@transaction.atomic
def staff_upsert(
    *,
    actor: User,
    provider: Provider,
    id_number: str,
    name: str,
    role: str,
    hired_on: dt.date | None = None,
    left_on: dt.date | None = None,
) -> StaffMember:
    """Add or change a staff member, found by (provider, ID number) through the blind index."""
    require_can_act(actor, provider)
    errors: dict[str, Any] = {}
    number = ""
    try:
        number = check_staff_id(id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.message
    if role not in StaffMember.Role.values:
        errors["role"] = fmt(_("Unknown role %(role)s."), role=role)
    name = (name or "").strip()
    if not name:
        errors["name"] = _("This field is required.")
    check_dates(errors, hired_on, left_on, "left_on")
    if errors:
        raise ValidationError(errors)
    existing = StaffMember.objects.filter(
        provider=provider, id_number_hash=blind_index(number, purpose="id")
    ).first()
    member = save_row(
        existing or StaffMember(provider=provider, region_code=provider.region_code, id_number=number),
        actor=actor,
        values={"name": name, "role": role, "hired_on": hired_on, "left_on": left_on},
        exclude=["id_number_hash"],
        snapshot=("id_number",),
    )
    return member


@transaction.atomic
def certificate_upsert(
    *,
    actor: User,
    staff: StaffMember,
    kind: str,
    number: str = "",
    issued_on: dt.date | None = None,
    expires_on: dt.date | None = None,
) -> Certificate:
    """Add or change a staff member's certificate, found by (staff, kind, number)."""
    require_can_act(actor, staff.provider)
    errors: dict[str, Any] = {}
    kind, number = (kind or "").strip(), (number or "").strip()
    if not kind:
        errors["kind"] = _("This field is required.")
    check_dates(errors, issued_on, expires_on, "expires_on")
    if errors:
        raise ValidationError(errors)
    existing = Certificate.objects.filter(staff=staff, kind=kind, number=number).first()
    cert = save_row(
        existing or Certificate(staff=staff, region_code=staff.region_code, kind=kind, number=number),
        actor=actor,
        values={"issued_on": issued_on, "expires_on": expires_on},
        snapshot=("kind", "number"),
    )
    return cert
