"""What every providers action shares: the fields a write may set, who reviews a filing or sets
reference prices, and the checks of values (credit code, fields of a provider, dates, amounts).

Who may act at all (region, sector, own provider) is ``laoxiao.core.access``; the actions call it
first, then these checks of content, then write through ``save_row`` (one row, one change-log row).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import uscc as stdnum_uscc

from laoxiao.accounts import roles
from laoxiao.accounts.models import User
from laoxiao.core import access
from laoxiao.core.bulk import save_logged
from laoxiao.core.i18n import fmt
from laoxiao.providers import compliance
from laoxiao.providers.models import CHILDCARE_KINDS, Provider
from laoxiao.regions.models import Region

Changes = dict[str, list[Any]]
M = TypeVar("M", bound=models.Model)

PROVIDER_FIELDS = (
    "uscc",
    "name",
    "kind",
    "centre_level",
    "ownership",
    "supply_tier",
    "region_code",
    "address",
    "lon",
    "lat",
    "operator_name",
    "contact_name",
    "contact_phone",
    "opened_on",
    "serves_meals",
    "is_demonstration",
    "is_backbone",
    "is_medical_integrated",
    "has_medical_room",
    "beds",
    "nursing_beds",
    "occupied_beds",
    "inclusive_slots",
    "floor_area",
    "filing_status",
    "filed_on",
)
# set by the filing workflow (filing_transition), by imports (bulk), and on creation; never by an update
WORKFLOW_FIELDS = ("filing_status", "filed_on", "submitted_on", "accepted_on")
# decisions of the authorities: a provider operator may not change them
OFFICIAL_FIELDS = ("uscc", "kind", "supply_tier", "region_code", "is_demonstration", "is_backbone")
CLASS_FIELDS = ("class_type", "capacity", "carers")
STAFF_FIELDS = ("name", "role", "hired_on", "left_on")
CERTIFICATE_FIELDS = ("issued_on", "expires_on")
DOCUMENT_FIELDS = ("number", "issued_on", "expires_on", "note")

REVIEWER_ROLES = {
    "eldercare": ("civil_affairs_county", "city_admin"),
    "childcare": ("health_county", "city_admin"),
}


# --- who reviews ---------------------------------------------------------------------------------


def can_review(actor: User, provider: Provider) -> bool:
    """The reviewing office of this provider's filing: for elder-care kinds a county civil-affairs
    officer, for childcare kinds a county health officer (or a city administrator), in its regions."""
    if not access.is_active_actor(actor):
        return False
    if actor.is_superuser:
        return True
    if not access.in_region(actor, provider.region_code):
        return False
    if not access.has_sector(actor, provider.sector):
        return False
    return bool(set(REVIEWER_ROLES[provider.sector]) & set(actor.role_codes()))


def can_manage_reference_prices(actor: User) -> bool:
    return access.is_active_actor(actor) and (actor.is_superuser or actor.has_perm(roles.MANAGE_REGIONS))


# --- values --------------------------------------------------------------------------------------


def check_uscc(value: str) -> str:
    """The compact credit code, or ``ValidationError`` (checked with ``stdnum.cn.uscc``)."""
    try:
        return str(stdnum_uscc.validate(value or ""))
    except stdnum_exceptions.ValidationError:
        raise ValidationError(
            _("Not a valid unified social credit code (18 characters with a check character)."),
            code="uscc",
        ) from None


def provider_problems(values: Mapping[str, Any]) -> dict[str, Any]:
    """Checks between the fields of a provider (the whole state after the change): nursing and
    occupied beds within beds, no beds for childcare kinds, the centre level only for centres.
    Returns field → lazy message (empty when fine). The importer uses it too."""
    errors: dict[str, Any] = {}
    kind = values.get("kind")
    beds = values.get("beds") or 0
    if kind in CHILDCARE_KINDS:
        for f in ("beds", "nursing_beds", "occupied_beds"):
            if values.get(f):
                errors[f] = _("A childcare provider has no beds (it has classes and slots).")
        return errors
    if (values.get("nursing_beds") or 0) > beds:
        errors["nursing_beds"] = fmt(_("More nursing-type beds than beds (%(beds)d)."), beds=beds)
    if (values.get("occupied_beds") or 0) > beds:
        errors["occupied_beds"] = fmt(_("More occupied beds than beds (%(beds)d)."), beds=beds)
    if values.get("centre_level") and kind != Provider.Kind.COMMUNITY_CENTRE:
        errors["centre_level"] = _("Only an elder-care service centre has a centre level.")
    for f, lo, hi in (("lon", -180, 180), ("lat", -90, 90)):
        v = values.get(f)
        if v is not None and not lo <= v <= hi:
            errors[f] = fmt(_("Must be between %(lo)s and %(hi)s."), lo=lo, hi=hi)
    return errors


def _field_default(model: type[models.Model], name: str) -> Any:
    field = model._meta.get_field(name)
    return None if field.null else field.get_default()  # type: ignore[union-attr]


def normal_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Known fields only; ``None`` for a field that cannot be null becomes its default."""
    unknown = [k for k in data if k not in PROVIDER_FIELDS and k not in WORKFLOW_FIELDS]
    if unknown:
        raise ValidationError({k: _("Unknown field.") for k in unknown})
    out: dict[str, Any] = {}
    for k, v in data.items():
        if v is None:
            v = _field_default(Provider, k)
        elif isinstance(v, str):
            v = v.strip()
        out[k] = v
    return out


def full_clean(obj: models.Model, errors: dict[str, Any], exclude: Sequence[str] = ()) -> None:
    """Model validation (choices, lengths, uniqueness, constraints) merged with ours; raise if any."""
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            key = "__all__" if field == "__all__" else field
            errors.setdefault(key, messages[0])
    if errors:
        raise ValidationError(errors)


def check_dates(errors: dict[str, Any], start: dt.date | None, end: dt.date | None, field: str) -> None:
    if start is not None and end is not None and end < start:
        errors[field] = _("Earlier than the start date.")


def money(value: Any, errors: dict[str, Any], field: str = "price") -> decimal.Decimal | None:
    """An amount rounded to the cent, or None with a message on ``field`` in ``errors``."""
    try:
        amount = decimal.Decimal(str(value)).quantize(compliance.CENT, rounding=decimal.ROUND_HALF_UP)
    except (decimal.InvalidOperation, ValueError, TypeError):
        errors[field] = _("Not a number.")
        return None
    if not amount.is_finite() or amount < 0:
        errors[field] = _("Must be zero or more.")
        return None
    return amount


def city_code() -> str:
    """The loaded city's code (the region of the city-wide rows: market reference prices)."""
    return Region.objects.filter(level=Region.Level.CITY).values_list("code", flat=True).first() or ""


# --- one row -------------------------------------------------------------------------------------


def first_messages(exc: ValidationError) -> ValidationError:
    """A model's ``ValidationError`` with the first message of each field (as the forms show it)."""
    return ValidationError({field: messages[0] for field, messages in exc.message_dict.items()})


def save_row(
    obj: M,
    *,
    actor: User,
    values: dict[str, Any],
    exclude: Sequence[str] = (),
    snapshot: Sequence[str] = (),
    region_code: str | None = None,
    clean: bool = True,
) -> M:
    """Create (no pk) or update ``obj`` with ``values`` through ``core.bulk.save_logged``: a
    creation logs ``snapshot`` and ``values``, an update its changes; nothing changed, nothing
    written. The model's errors come back with the first message of each field."""
    try:
        save_logged(
            obj,
            actor=actor,
            values=values,
            fields=[*snapshot, *values] if obj.pk is None else None,
            exclude=exclude,
            region_code=region_code,
            clean=clean,
        )
    except ValidationError as exc:
        raise first_messages(exc) from None
    return obj
