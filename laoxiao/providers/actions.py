"""Writes of providers: registry, filing workflow, documents, classes, medical agreements, staff and
certificates, prices; and the bulk upserts that imports and the demo city use.

Every write is one transaction and checks, in this order:

1. scope: the provider's region (and a new region) lies within the actor's regions, else
   ``NotFound`` (never "forbidden": we do not confirm what exists elsewhere). A provider operator
   (``actor.provider_id``) acts on their own provider wherever it is;
2. permission: the actor works in the provider's sector (``accounts.sector_eldercare`` for
   elder-care kinds, ``accounts.sector_childcare`` for childcare kinds), or is that provider's
   operator; reviewing a filing needs the reviewing office (``can_review``), reference prices
   ``accounts.manage_regions``; else ``PermissionDenied``;
3. content: ``ValidationError`` with a dict of field → message (lazy, bilingual);

then writes, and logs each change (``ChangeLog``: a creation logs its snapshot, an update
``{"field": [old, new]}``, a filing step a ``status`` row beside its ``FilingEvent``).
Rules come from ``laoxiao.core.rules`` via ``laoxiao.providers.compliance``.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import uscc as stdnum_uscc

from laoxiao.accounts import roles
from laoxiao.accounts.models import User
from laoxiao.core.changelog import build_entry, diff_fields, log_change, log_many
from laoxiao.core.crypto import blind_index
from laoxiao.core.errors import NotFound
from laoxiao.core.i18n import fmt
from laoxiao.core.idnumbers import parse_id_number
from laoxiao.core.models import ChangeLog
from laoxiao.imports.base import WriteResult
from laoxiao.providers import compliance
from laoxiao.providers.models import (
    CHILDCARE_KINDS,
    ELDERCARE_KINDS,
    Certificate,
    ChildcareClass,
    FilingDocument,
    FilingEvent,
    MarketReferencePrice,
    MedicalAgreement,
    Price,
    Provider,
    ServiceItem,
    StaffMember,
)
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import code_within

Progress = Callable[[int], None]
Changes = dict[str, list[Any]]
BATCH = 1000

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
SECTOR_PERMISSION = {"eldercare": roles.SECTOR_ELDERCARE, "childcare": roles.SECTOR_CHILDCARE}

SUBMIT, REVIEW = "submit", "review"
S = Provider.FilingStatus
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.SUBMITTED): SUBMIT,
    (S.RETURNED, S.SUBMITTED): SUBMIT,
    (S.DRAFT, S.WITHDRAWN): SUBMIT,
    (S.FILED, S.WITHDRAWN): SUBMIT,
    (S.SUSPENDED, S.WITHDRAWN): SUBMIT,
    (S.SUBMITTED, S.ACCEPTED): REVIEW,
    (S.SUBMITTED, S.RETURNED): REVIEW,
    (S.ACCEPTED, S.FILED): REVIEW,
    (S.ACCEPTED, S.RETURNED): REVIEW,
    (S.FILED, S.SUSPENDED): REVIEW,
    (S.SUSPENDED, S.FILED): REVIEW,
    (S.FILED, S.CLOSED): REVIEW,
    (S.SUSPENDED, S.CLOSED): REVIEW,
}


def _noop(n: int) -> None:
    return None


def _today() -> dt.date:
    return timezone.localdate()


def sector_of_kind(kind: str) -> str:
    return "childcare" if kind in CHILDCARE_KINDS else "eldercare"


# --- who may act ---------------------------------------------------------------------------------


def require_region(actor: User, code: str) -> None:
    """``code`` lies within the actor's regions, else ``NotFound``."""
    if not actor.is_active or not code or not code_within(code, actor.region_prefixes()):
        raise NotFound(code)


def require_sector(actor: User, kind: str) -> None:
    """The actor works in the sector of a provider of ``kind``, else ``PermissionDenied``."""
    if actor.is_superuser:
        return
    if not actor.has_perm(SECTOR_PERMISSION[sector_of_kind(kind)]):
        raise PermissionDenied(_("Your role does not work with this kind of provider."))


def is_operator_of(actor: User, provider: Provider) -> bool:
    return bool(actor.provider_id) and actor.provider_id == provider.pk


def require_can_act(actor: User, provider: Provider) -> None:
    """The actor may change this provider's data: its operator, or an officer of its sector in its
    regions. Outside the regions → ``NotFound``; another sector or provider → ``PermissionDenied``."""
    if not actor.is_active:
        raise NotFound(provider.uscc)
    if is_operator_of(actor, provider):
        return
    require_region(actor, provider.region_code)
    if actor.provider_id and not actor.is_superuser:
        raise PermissionDenied(_("A provider operator may change only their own provider."))
    require_sector(actor, provider.kind)


def can_review(actor: User, provider: Provider) -> bool:
    """The reviewing office of this provider's filing: for elder-care kinds a county civil-affairs
    officer, for childcare kinds a county health officer (or a city administrator), in its regions."""
    if not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if not code_within(provider.region_code, actor.region_prefixes()):
        return False
    sector = provider.sector
    if not actor.has_perm(SECTOR_PERMISSION[sector]):
        return False
    return bool(set(REVIEWER_ROLES[sector]) & set(actor.role_codes()))


def can_manage_reference_prices(actor: User) -> bool:
    return actor.is_active and (actor.is_superuser or actor.has_perm(roles.MANAGE_REGIONS))


# --- validation helpers --------------------------------------------------------------------------


def check_uscc(value: str) -> str:
    """The compact credit code, or ``ValidationError`` (checked with ``stdnum.cn.uscc``)."""
    try:
        return str(stdnum_uscc.validate(value or ""))
    except stdnum_exceptions.ValidationError:
        raise ValidationError(
            _("Not a valid unified social credit code (18 characters with a check character)."),
            code="uscc",
        ) from None


def community_region(code: str | None, *, field: str = "region_code") -> Region:
    """A loaded community-level region, else ``ValidationError`` on ``field``."""
    region = Region.objects.filter(code=code).first() if code else None
    if region is None:
        raise ValidationError({field: _("No such region is loaded.")})
    if region.level != "community":
        raise ValidationError({field: _("A provider is registered in a community or village.")})
    return region


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


def _normal_values(data: Mapping[str, Any]) -> dict[str, Any]:
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


def _full_clean(obj: models.Model, errors: dict[str, Any], exclude: Sequence[str] = ()) -> None:
    """Model validation (choices, lengths, uniqueness, constraints) merged with ours; raise if any."""
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            key = "__all__" if field == "__all__" else field
            errors.setdefault(key, messages[0])
    if errors:
        raise ValidationError(errors)


def _check_dates(errors: dict[str, Any], start: dt.date | None, end: dt.date | None, field: str) -> None:
    if start is not None and end is not None and end < start:
        errors[field] = _("Earlier than the start date.")


# --- providers -----------------------------------------------------------------------------------


@transaction.atomic
def provider_create(*, actor: User, data: dict[str, Any]) -> Provider:
    """Register a provider. ``region_code`` names a loaded community in the actor's regions; the
    filing status is ``draft`` unless ``data`` gives one (imports may)."""
    values = _normal_values(data)
    code = values.get("region_code") or ""
    if not code:
        raise ValidationError({"region_code": _("This field is required.")})
    if actor.provider_id and not actor.is_superuser:
        raise PermissionDenied(_("A provider operator may change only their own provider."))
    require_region(actor, code)
    if values.get("kind") in (*ELDERCARE_KINDS, *CHILDCARE_KINDS):
        require_sector(actor, values["kind"])
    region = community_region(code)
    errors: dict[str, Any] = {}
    try:
        values["uscc"] = check_uscc(values.get("uscc", ""))
    except ValidationError as exc:
        errors["uscc"] = exc.message
    errors.update(provider_problems(values))
    values.setdefault("filing_status", Provider.FilingStatus.DRAFT)
    provider = Provider(region=region, **values)
    _full_clean(provider, errors)
    provider.save()
    fields = [f for f in PROVIDER_FIELDS if f in values or f == "filing_status"]
    log_change(
        actor=actor,
        action=ChangeLog.Action.CREATE,
        target=provider,
        changes={f: [None, getattr(provider, f)] for f in fields},
    )
    _filing_event(actor=actor, provider=provider, from_status="", on=_today(), note="registered")
    return provider


@transaction.atomic
def provider_update(*, actor: User, provider: Provider, data: dict[str, Any]) -> Provider:
    """Change a provider's data (not its filing status: ``filing_transition``). No-op when unchanged."""
    require_can_act(actor, provider)
    values = _normal_values(data)
    workflow = [k for k in values if k in WORKFLOW_FIELDS]
    if workflow:
        raise ValidationError({k: _("Changed only through the filing workflow.") for k in workflow})
    changes = diff_fields(provider, values)
    if not changes:
        return provider
    if is_operator_of(actor, provider) and not actor.is_superuser:
        official = [k for k in changes if k in OFFICIAL_FIELDS]
        if official:
            raise PermissionDenied(_("A provider operator may not change: ") + ", ".join(official))
    if "uscc" in changes:
        raise ValidationError({"uscc": _("The credit code identifies the provider and cannot be changed.")})
    if "kind" in changes:
        require_sector(actor, changes["kind"][1])
    new_region: Region | None = None
    if "region_code" in changes:
        require_region(actor, changes["region_code"][1])
        new_region = community_region(changes["region_code"][1])
    state = {f: getattr(provider, f) for f in PROVIDER_FIELDS}
    state.update({k: v[1] for k, v in changes.items()})
    errors = provider_problems(state)
    if "inclusive_slots" in changes and provider.kind in CHILDCARE_KINDS:
        total = compliance.slots(provider)
        if total and changes["inclusive_slots"][1] > total:
            errors["inclusive_slots"] = fmt(_("More inclusive slots than slots (%(slots)d)."), slots=total)
    for field, (_old, new) in changes.items():
        setattr(provider, field, new)
    if new_region is not None:
        provider.region = new_region
    _full_clean(provider, errors, exclude=["uscc"])
    provider.save(update_fields=[*changes, *(["region"] if new_region else []), "updated_at"])
    if new_region is not None:
        _move_rows(provider)
    log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=provider, changes=changes)
    return provider


def _move_rows(provider: Provider) -> None:
    """A provider that moves takes its rows' region code along (scoping reads it from each row)."""
    code = provider.region_code
    for model in (FilingEvent, FilingDocument, ChildcareClass, MedicalAgreement, StaffMember, Price):
        model.objects.filter(provider=provider).update(region_code=code)  # type: ignore[attr-defined]
    Certificate.objects.filter(staff__provider=provider).update(region_code=code)


# --- filing --------------------------------------------------------------------------------------


def _filing_event(
    *,
    actor: User,
    provider: Provider,
    from_status: str,
    on: dt.date,
    reasons: list[str] | None = None,
    note: str = "",
) -> FilingEvent:
    return FilingEvent.objects.create(
        provider=provider,
        region_code=provider.region_code,
        at=timezone.now(),
        on_date=on,
        actor_name=actor.username or "system",
        from_status=from_status,
        to_status=provider.filing_status,
        reasons=reasons or [],
        note=note,
    )


def filing_blockers(provider: Provider, on: dt.date) -> dict[str, list[Any]]:
    """Why a provider cannot be filed on ``on``: missing or expired documents and, for childcare,
    class violations and inclusive slots above slots. Empty when it can."""
    blockers: dict[str, list[Any]] = {}
    docs = [d["message"] for d in compliance.missing_documents(provider, on)]
    if docs:
        blockers["documents"] = docs
    if provider.kind in CHILDCARE_KINDS:
        classes = list(provider.classes.all())
        problems = [v["message"] for v in compliance.provider_class_violations(provider, on, classes)]
        if problems:
            blockers["classes"] = problems
        total = compliance.slots(provider, classes)
        if not compliance.inclusive_slots_ok(provider, total):
            blockers["inclusive_slots"] = [
                fmt(_("More inclusive slots than slots (%(slots)d)."), slots=total),
            ]
    return blockers


@transaction.atomic
def filing_transition(
    *,
    actor: User,
    provider: Provider,
    to_status: str,
    reasons: list[str] | None = None,
    note: str = "",
    on: dt.date | None = None,
) -> FilingEvent:
    """Move a provider's filing one step (see ``TRANSITIONS``). Submitting and withdrawing: the
    provider's operator or an officer of its sector; the rest: the reviewing office (``can_review``).
    Returning needs reasons; filing needs every required document valid (and, for childcare, classes
    within the rules). Writes a ``FilingEvent`` and a ``status`` change-log row."""
    require_can_act(actor, provider)
    on = on or _today()
    Provider.objects.select_for_update().filter(pk=provider.pk).first()  # one step at a time
    provider.refresh_from_db(fields=list(WORKFLOW_FIELDS))
    old = provider.filing_status
    if to_status not in Provider.FilingStatus.values:
        raise ValidationError({"to_status": fmt(_("Unknown filing status %(status)s."), status=to_status)})
    step = TRANSITIONS.get((old, to_status))
    if step is None:
        raise ValidationError(
            {
                "to_status": fmt(
                    _("A filing cannot go from %(from)s to %(to)s."),
                    **{
                        "from": Provider.FilingStatus(old).label,
                        "to": Provider.FilingStatus(to_status).label,
                    },
                )
            }
        )
    if step == REVIEW and not can_review(actor, provider):
        raise PermissionDenied(_("Only the reviewing office of this provider may take this step."))
    clean_reasons = [r.strip() for r in (reasons or []) if r and r.strip()]
    if to_status == S.RETURNED and not clean_reasons:
        raise ValidationError({"reasons": _("Say why the filing is returned.")})
    if to_status == S.FILED and old == S.ACCEPTED:
        blockers = filing_blockers(provider, on)
        if blockers:
            raise ValidationError(blockers)
    changes: Changes = {"filing_status": [old, to_status]}
    provider.filing_status = to_status
    if to_status == S.SUBMITTED:
        changes["submitted_on"] = [provider.submitted_on, on]
        provider.submitted_on = on
        if provider.accepted_on is not None:
            changes["accepted_on"] = [provider.accepted_on, None]
            provider.accepted_on = None
    elif to_status == S.ACCEPTED:
        changes["accepted_on"] = [provider.accepted_on, on]
        provider.accepted_on = on
    elif to_status == S.FILED and old == S.ACCEPTED:
        changes["filed_on"] = [provider.filed_on, on]
        provider.filed_on = on
    changes = {k: v for k, v in changes.items() if v[0] != v[1]}
    provider.save(update_fields=[*changes, "updated_at"])
    event = _filing_event(
        actor=actor, provider=provider, from_status=old, on=on, reasons=clean_reasons, note=note
    )
    log_change(
        actor=actor,
        action=ChangeLog.Action.STATUS,
        target=provider,
        changes=changes,
        note="; ".join([*clean_reasons, note] if note else clean_reasons),
    )
    return event


# --- documents -----------------------------------------------------------------------------------


def _upsert_one(
    *,
    actor: User,
    obj: models.Model | None,
    make: Callable[[], models.Model],
    values: dict[str, Any],
    errors: dict[str, Any] | None = None,
    exclude: Sequence[str] = (),
    snapshot: Sequence[str] = (),
) -> models.Model:
    """Create (``make()``) or update ``obj`` with ``values``; log; no-op when nothing changes."""
    errors = errors or {}
    if obj is None:
        new = make()
        for k, v in values.items():
            setattr(new, k, v)
        _full_clean(new, errors, exclude)
        new.save()
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=new,
            changes={k: [None, getattr(new, k)] for k in (*snapshot, *values)},
        )
        return new
    if errors:
        raise ValidationError(errors)
    changes = diff_fields(obj, values)
    if not changes:
        return obj
    for k, (_old, v) in changes.items():
        setattr(obj, k, v)
    _full_clean(obj, {}, exclude)
    obj.save(update_fields=list(changes))
    log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=obj, changes=changes)
    return obj


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
    specs = compliance.document_specs(_today())
    if kind not in specs:
        errors["kind"] = fmt(_("Unknown document; use one of: %(codes)s."), codes=", ".join(specs))
    _check_dates(errors, issued_on, expires_on, "expires_on")
    if errors:
        raise ValidationError(errors)
    existing = FilingDocument.objects.filter(provider=provider, kind=kind).first()
    values = {
        "number": (number or "").strip(),
        "issued_on": issued_on,
        "expires_on": expires_on,
        "note": note or "",
    }
    doc = _upsert_one(
        actor=actor,
        obj=existing,
        make=lambda: FilingDocument(provider=provider, region_code=provider.region_code, kind=kind),
        values=values,
        snapshot=("kind",),
    )
    assert isinstance(doc, FilingDocument)
    return doc


# --- classes -------------------------------------------------------------------------------------


def _class_errors(
    provider: Provider, cls: ChildcareClass, others: Iterable[ChildcareClass], on: dt.date
) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if provider.kind not in CHILDCARE_KINDS:
        return {"provider": _("Only a childcare provider has classes.")}
    for v in compliance.provider_class_violations(provider, on, [*others, cls]):
        if v["class"] in (cls.name, ""):
            errors.setdefault(v["field"], v["message"])
    return errors


@transaction.atomic
def class_upsert(
    *, actor: User, provider: Provider, name: str, class_type: str, capacity: int, carers: int
) -> ChildcareClass:
    """Add or change a class (by name), refusing what breaks ``childcare.class_types`` and, for a home
    childcare point, ``childcare.home_point_limits``."""
    require_can_act(actor, provider)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    if class_type not in ChildcareClass.ClassType.values:
        raise ValidationError({"class_type": fmt(_("Unknown class type %(type)s."), type=class_type)})
    existing = ChildcareClass.objects.filter(provider=provider, name=name).first()
    others = list(ChildcareClass.objects.filter(provider=provider).exclude(name=name))
    candidate = ChildcareClass(
        provider=provider, name=name, class_type=class_type, capacity=capacity, carers=carers
    )
    errors = _class_errors(provider, candidate, others, _today())
    if errors:
        raise ValidationError(errors)
    cls = _upsert_one(
        actor=actor,
        obj=existing,
        make=lambda: ChildcareClass(provider=provider, region_code=provider.region_code, name=name),
        values={"class_type": class_type, "capacity": capacity, "carers": carers},
        snapshot=("name",),
    )
    assert isinstance(cls, ChildcareClass)
    return cls


@transaction.atomic
def class_delete(*, actor: User, cls: ChildcareClass) -> None:
    provider = cls.provider
    require_can_act(actor, provider)
    log_change(
        actor=actor,
        action=ChangeLog.Action.DELETE,
        target=cls,
        changes={f: [getattr(cls, f), None] for f in ("name", *CLASS_FIELDS)},
    )
    cls.delete()


# --- medical agreements --------------------------------------------------------------------------


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
    _check_dates(errors, signed_on, expires_on, "expires_on")
    if errors:
        raise ValidationError(errors)
    existing = MedicalAgreement.objects.filter(
        provider=provider, partner=partner, signed_on=signed_on
    ).first()
    agreement = _upsert_one(
        actor=actor,
        obj=existing,
        make=lambda: MedicalAgreement(
            provider=provider, region_code=provider.region_code, partner=partner, signed_on=signed_on
        ),
        snapshot=("partner", "signed_on"),
        values={"expires_on": expires_on},
    )
    assert isinstance(agreement, MedicalAgreement)
    return agreement


# --- staff ---------------------------------------------------------------------------------------


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
    _check_dates(errors, hired_on, left_on, "left_on")
    if errors:
        raise ValidationError(errors)
    existing = StaffMember.objects.filter(
        provider=provider, id_number_hash=blind_index(number, purpose="id")
    ).first()
    member = _upsert_one(
        actor=actor,
        obj=existing,
        make=lambda: StaffMember(provider=provider, region_code=provider.region_code, id_number=number),
        values={"name": name, "role": role, "hired_on": hired_on, "left_on": left_on},
        exclude=["id_number_hash"],
        snapshot=("id_number",),
    )
    assert isinstance(member, StaffMember)
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
    _check_dates(errors, issued_on, expires_on, "expires_on")
    if errors:
        raise ValidationError(errors)
    existing = Certificate.objects.filter(staff=staff, kind=kind, number=number).first()
    cert = _upsert_one(
        actor=actor,
        obj=existing,
        make=lambda: Certificate(staff=staff, region_code=staff.region_code, kind=kind, number=number),
        values={"issued_on": issued_on, "expires_on": expires_on},
        snapshot=("kind", "number"),
    )
    assert isinstance(cert, Certificate)
    return cert


# --- prices --------------------------------------------------------------------------------------


def _money(value: Any, errors: dict[str, Any], field: str = "price") -> decimal.Decimal | None:
    try:
        amount = decimal.Decimal(str(value)).quantize(compliance.CENT, rounding=decimal.ROUND_HALF_UP)
    except (decimal.InvalidOperation, ValueError, TypeError):
        errors[field] = _("Not a number.")
        return None
    if not amount.is_finite() or amount < 0:
        errors[field] = _("Must be zero or more.")
        return None
    return amount


@transaction.atomic
def price_set(
    *,
    actor: User,
    provider: Provider,
    item_code: str,
    price: decimal.Decimal | float | int | str,
    effective_from: dt.date,
) -> Price:
    """Set a line of the provider's price list (by item and effective date)."""
    require_can_act(actor, provider)
    errors: dict[str, Any] = {}
    item = ServiceItem.objects.filter(code=item_code).first()
    if item is None:
        errors["item_code"] = _("No such service item.")
    elif item.sector != provider.sector:
        errors["item_code"] = _("This service item belongs to the other sector.")
    amount = _money(price, errors)
    if effective_from is None:
        errors["effective_from"] = _("This field is required.")
    if errors:
        raise ValidationError(errors)
    existing = Price.objects.filter(
        provider=provider, item_id=item_code, effective_from=effective_from
    ).first()
    line = _upsert_one(
        actor=actor,
        obj=existing,
        make=lambda: Price(
            provider=provider,
            region_code=provider.region_code,
            item=item,
            effective_from=effective_from,
        ),
        values={"price": amount},
        snapshot=("item_id", "effective_from"),
    )
    assert isinstance(line, Price)
    return line


def _city_code() -> str:
    return Region.objects.filter(level="city").values_list("code", flat=True).first() or ""


@transaction.atomic
def reference_price_set(
    *, actor: User, item_code: str, year: int, price: decimal.Decimal | float | int | str, source: str = ""
) -> MarketReferencePrice:
    """Set the local market reference price of a service item for a year (city administrators)."""
    if not can_manage_reference_prices(actor):
        raise PermissionDenied(_("Only a city administrator sets market reference prices."))
    errors: dict[str, Any] = {}
    item = ServiceItem.objects.filter(code=item_code).first()
    if item is None:
        errors["item_code"] = _("No such service item.")
    amount = _money(price, errors)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = _("Not a plausible year.")
    if errors:
        raise ValidationError(errors)
    existing = MarketReferencePrice.objects.filter(item_id=item_code, year=year).first()
    values = {"price": amount, "source": (source or "").strip()}
    if existing is None:
        ref = MarketReferencePrice(item=item, year=year, **values)
        _full_clean(ref, {})
        ref.save()
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=ref,
            region_code=_city_code(),
            changes={
                "item": [None, item_code],
                "year": [None, year],
                **{k: [None, v] for k, v in values.items()},
            },
        )
        return ref
    changes = diff_fields(existing, values)
    if changes:
        for k, (_old, v) in changes.items():
            setattr(existing, k, v)
        existing.save(update_fields=list(changes))
        log_change(
            actor=actor,
            action=ChangeLog.Action.UPDATE,
            target=existing,
            region_code=_city_code(),
            changes=changes,
        )
    return existing


# --- bulk writers (imports, demo city) -----------------------------------------------------------


def _ensure_pks(objs: Sequence[models.Model], key_fields: Sequence[str]) -> None:
    """Backends that do not return keys from bulk inserts: look them up by the natural key."""
    for obj in objs:
        if obj.pk is None:
            model = type(obj)
            obj.pk = model._default_manager.get(**{f: getattr(obj, f) for f in key_fields}).pk


def _require_bulk_scope(actor: User, providers: Iterable[Provider]) -> None:
    for provider in providers:
        require_can_act(actor, provider)


def _providers_by_uscc(codes: Iterable[str]) -> dict[str, Provider]:
    return {i.uscc: i for i in Provider.objects.filter(uscc__in=set(codes))}


@transaction.atomic
def providers_upsert(
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = _noop
) -> WriteResult:
    """Create or update providers by credit code. A key absent from a record leaves the stored value
    alone; ``None`` for a field that cannot be null means its default. The records are checked
    already (the ``providers`` import); scope and sector are checked again here. A filing status
    set or changed here is recorded as a filing event (note ``import``)."""
    result = WriteResult()
    records = [_normal_values(r) for r in records]
    existing = _providers_by_uscc(r["uscc"] for r in records)
    _require_bulk_scope(actor, existing.values())
    regions = Region.objects.in_bulk({r["region_code"] for r in records if r.get("region_code")})
    today = _today()
    new: list[Provider] = []
    snapshots: list[list[str]] = []
    changed: list[Provider] = []
    changed_fields: set[str] = set()
    moved: list[Provider] = []
    entries: list[ChangeLog] = []
    events: list[tuple[Provider, str]] = []
    for rec in records:
        inst = existing.get(rec["uscc"])
        if inst is None:
            require_region(actor, rec.get("region_code") or "")
            require_sector(actor, rec["kind"])
            values = {k: v for k, v in rec.items() if k in PROVIDER_FIELDS}
            values.setdefault("filing_status", Provider.FilingStatus.DRAFT)
            inst = Provider(region=regions[rec["region_code"]], **values)
            new.append(inst)
            snapshots.append([f for f in PROVIDER_FIELDS if f in values])
            result.created += 1
            continue
        if "region_code" in rec and rec["region_code"] != inst.region_code:
            require_region(actor, rec["region_code"])
        if "kind" in rec and rec["kind"] != inst.kind:
            require_sector(actor, rec["kind"])
        diff = diff_fields(inst, {k: v for k, v in rec.items() if k != "uscc"})
        if not diff:
            result.unchanged += 1
            continue
        for k, (_old, v) in diff.items():
            setattr(inst, k, v)
        if "region_code" in diff:
            inst.region = regions[inst.region_code]
            changed_fields.add("region")
            moved.append(inst)
        changed.append(inst)
        changed_fields.update(diff)
        entries.append(build_entry(actor=actor, action=ChangeLog.Action.UPDATE, target=inst, changes=diff))
        if "filing_status" in diff:
            events.append((inst, diff["filing_status"][0]))
        result.updated += 1
    Provider.objects.bulk_create(new, batch_size=BATCH)
    _ensure_pks(new, ["uscc"])
    for inst, fields in zip(new, snapshots, strict=True):
        entries.append(
            build_entry(
                actor=actor,
                action=ChangeLog.Action.CREATE,
                target=inst,
                changes={f: [None, getattr(inst, f)] for f in fields},
            )
        )
        events.append((inst, ""))
    if changed:
        now = timezone.now()
        for inst in changed:
            inst.updated_at = now
        Provider.objects.bulk_update(changed, sorted(changed_fields | {"updated_at"}), batch_size=BATCH)
    for inst in moved:
        _move_rows(inst)
    moment = timezone.now()
    FilingEvent.objects.bulk_create(
        [
            FilingEvent(
                provider=inst,
                region_code=inst.region_code,
                at=moment,
                on_date=(inst.filed_on if inst.filing_status == S.FILED and inst.filed_on else today),
                actor_name=actor.username or "system",
                from_status=old,
                to_status=inst.filing_status,
                note="import",
            )
            for inst, old in events
        ],
        batch_size=BATCH,
    )
    progress(len(records))
    log_many(entries)
    return result


def _bulk_rows(
    *,
    actor: User,
    model: type[models.Model],
    items: Sequence[tuple[models.Model | None, Callable[[], models.Model], dict[str, Any]]],
    fields: Sequence[str],
    key_fields: Sequence[str],
    snapshot: Sequence[str] = (),
) -> tuple[WriteResult, list[models.Model]]:
    """Upsert rows of ``model``: each item is (the stored row or None, a factory for a new one,
    the values). Unchanged rows are untouched; each created or changed row logs one entry."""
    result = WriteResult()
    new: list[models.Model] = []
    changed: list[models.Model] = []
    entries: list[ChangeLog] = []
    out: list[models.Model] = []
    for obj, make, values in items:
        if obj is None:
            obj = make()
            for k, v in values.items():
                setattr(obj, k, v)
            new.append(obj)
            out.append(obj)
            result.created += 1
            continue
        out.append(obj)
        diff = diff_fields(obj, values)
        if not diff:
            result.unchanged += 1
            continue
        for k, (_old, v) in diff.items():
            setattr(obj, k, v)
        changed.append(obj)
        entries.append(build_entry(actor=actor, action=ChangeLog.Action.UPDATE, target=obj, changes=diff))
        result.updated += 1
    model._default_manager.bulk_create(new, batch_size=BATCH)
    _ensure_pks(new, key_fields)
    for obj in new:
        entries.append(
            build_entry(
                actor=actor,
                action=ChangeLog.Action.CREATE,
                target=obj,
                changes={f: [None, getattr(obj, f)] for f in (*snapshot, *fields)},
            )
        )
    if changed:
        model._default_manager.bulk_update(changed, list(fields), batch_size=BATCH)
    log_many(entries)
    return result, out


def _providers_for(actor: User, records: Sequence[Mapping[str, Any]]) -> dict[str, Provider]:
    by_uscc = _providers_by_uscc(r["provider_uscc"] for r in records)
    missing = {r["provider_uscc"] for r in records} - set(by_uscc)
    if missing:
        raise ValidationError(
            {"provider_uscc": fmt(_("No such provider: %(codes)s."), codes=", ".join(sorted(missing)))}
        )
    _require_bulk_scope(actor, by_uscc.values())
    return by_uscc


@transaction.atomic
def classes_upsert(
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = _noop
) -> WriteResult:
    """Create or update childcare classes by (provider, name). Records: provider_uscc, name,
    class_type, capacity, carers (checked already by the ``classes`` import). Classes not in the
    records stay."""
    records = list(records)
    providers = _providers_for(actor, records)
    stored = {
        (c.provider_id, c.name): c
        for c in ChildcareClass.objects.filter(provider__in=list(providers.values()))
    }
    items: list[tuple[models.Model | None, Callable[[], models.Model], dict[str, Any]]] = []
    for rec in records:
        inst = providers[rec["provider_uscc"]]
        name = rec["name"].strip()

        def make(inst: Provider = inst, name: str = name) -> models.Model:
            return ChildcareClass(provider=inst, region_code=inst.region_code, name=name)

        items.append((stored.get((inst.pk, name)), make, {f: rec[f] for f in CLASS_FIELDS}))
    result, _rows = _bulk_rows(
        actor=actor,
        model=ChildcareClass,
        items=items,
        fields=CLASS_FIELDS,
        key_fields=("provider_id", "name"),
        snapshot=("name",),
    )
    progress(len(records))
    return result


@transaction.atomic
def staff_upsert_many(
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = _noop
) -> WriteResult:
    """Create or update staff by (provider, ID number) and their certificates by (staff, kind,
    number). Records: provider_uscc, id_number, name, role, hired_on, left_on, and optionally
    certificate_kind, certificate_number, certificate_issued_on, certificate_expires_on (one record
    per staff member and certificate; no certificate kind = no certificate). Counts are of staff
    members and certificates together."""
    records = list(records)
    providers = _providers_for(actor, records)
    stored: dict[tuple[int, str], StaffMember] = {
        (s.provider_id, s.id_number_hash): s
        for s in StaffMember.objects.filter(provider__in=list(providers.values()))
    }
    people: dict[tuple[int, str], dict[str, Any]] = {}
    numbers: dict[tuple[int, str], str] = {}
    for rec in records:
        inst = providers[rec["provider_uscc"]]
        number = str(rec["id_number"]).strip().upper()
        key = (inst.pk, blind_index(number, purpose="id"))
        people[key] = {f: rec.get(f) for f in STAFF_FIELDS}
        numbers[key] = number
    items: list[tuple[models.Model | None, Callable[[], models.Model], dict[str, Any]]] = []
    by_inst = {i.pk: i for i in providers.values()}
    for key, values in people.items():
        inst = by_inst[key[0]]

        def make(inst: Provider = inst, number: str = numbers[key]) -> models.Model:
            return StaffMember(provider=inst, region_code=inst.region_code, id_number=number)

        items.append((stored.get(key), make, values))
    result, rows = _bulk_rows(
        actor=actor,
        model=StaffMember,
        items=items,
        fields=STAFF_FIELDS,
        key_fields=("provider_id", "id_number_hash"),
        snapshot=("id_number",),
    )
    members = dict(zip(people, rows, strict=True))
    certs = {
        (c.staff_id, c.kind, c.number): c
        for c in Certificate.objects.filter(staff__in=[m for m in members.values() if m.pk])
    }
    cert_items: list[tuple[models.Model | None, Callable[[], models.Model], dict[str, Any]]] = []
    seen: set[tuple[int, str, str]] = set()
    for rec in records:
        kind = (rec.get("certificate_kind") or "").strip()
        if not kind:
            continue
        inst = providers[rec["provider_uscc"]]
        number = (rec.get("certificate_number") or "").strip()
        found = members[(inst.pk, blind_index(str(rec["id_number"]).strip().upper(), purpose="id"))]
        assert isinstance(found, StaffMember)
        member: StaffMember = found
        ckey = (member.pk, kind, number)
        if ckey in seen:
            continue
        seen.add(ckey)

        def make_cert(member: StaffMember = member, kind: str = kind, number: str = number) -> models.Model:
            return Certificate(staff=member, region_code=member.region_code, kind=kind, number=number)

        values = {"expires_on": rec.get("certificate_expires_on")}
        if "certificate_issued_on" in rec:
            values["issued_on"] = rec.get("certificate_issued_on")
        cert_items.append((certs.get(ckey), make_cert, values))
    cert_result, _rows = _bulk_rows(
        actor=actor,
        model=Certificate,
        items=cert_items,
        fields=CERTIFICATE_FIELDS if any("issued_on" in v for _o, _m, v in cert_items) else ("expires_on",),
        key_fields=("staff_id", "kind", "number"),
        snapshot=("kind", "number"),
    )
    progress(len(records))
    return WriteResult(
        created=result.created + cert_result.created,
        updated=result.updated + cert_result.updated,
        unchanged=result.unchanged + cert_result.unchanged,
    )


@transaction.atomic
def prices_upsert(
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = _noop
) -> WriteResult:
    """Create or update price lines by (provider, item, effective_from). Records: provider_uscc,
    item, price, effective_from."""
    records = list(records)
    providers = _providers_for(actor, records)
    items_known = set(ServiceItem.objects.values_list("code", flat=True))
    unknown = {r["item"] for r in records} - items_known
    if unknown:
        raise ValidationError(
            {"item": fmt(_("No such service item: %(codes)s."), codes=", ".join(sorted(unknown)))}
        )
    stored = {
        (p.provider_id, p.item_id, p.effective_from): p
        for p in Price.objects.filter(provider__in=list(providers.values()))
    }
    items: list[tuple[models.Model | None, Callable[[], models.Model], dict[str, Any]]] = []
    for rec in records:
        inst = providers[rec["provider_uscc"]]
        errors: dict[str, Any] = {}
        amount = _money(rec["price"], errors)
        if errors:
            raise ValidationError(errors)

        def make(inst: Provider = inst, rec: Mapping[str, Any] = rec) -> models.Model:
            return Price(
                provider=inst,
                region_code=inst.region_code,
                item_id=rec["item"],
                effective_from=rec["effective_from"],
            )

        items.append((stored.get((inst.pk, rec["item"], rec["effective_from"])), make, {"price": amount}))
    result, _rows = _bulk_rows(
        actor=actor,
        model=Price,
        items=items,
        fields=("price",),
        key_fields=("provider_id", "item_id", "effective_from"),
        snapshot=("item_id", "effective_from"),
    )
    progress(len(records))
    return result


@transaction.atomic
def reference_prices_upsert(
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = _noop
) -> WriteResult:
    """Create or update market reference prices by (item, year). Records: item, year, price, source."""
    if not can_manage_reference_prices(actor):
        raise PermissionDenied(_("Only a city administrator sets market reference prices."))
    records = list(records)
    stored = {(r.item_id, r.year): r for r in MarketReferencePrice.objects.all()}
    city = _city_code()
    result = WriteResult()
    new: list[MarketReferencePrice] = []
    changed: list[MarketReferencePrice] = []
    entries: list[ChangeLog] = []
    for rec in records:
        errors: dict[str, Any] = {}
        amount = _money(rec["price"], errors)
        if errors:
            raise ValidationError(errors)
        values: dict[str, Any] = {"price": amount}
        if "source" in rec:
            values["source"] = (rec.get("source") or "").strip()
        ref = stored.get((rec["item"], rec["year"]))
        if ref is None:
            ref = MarketReferencePrice(item_id=rec["item"], year=rec["year"], **values)
            new.append(ref)
            result.created += 1
            continue
        diff = diff_fields(ref, values)
        if not diff:
            result.unchanged += 1
            continue
        for k, (_old, v) in diff.items():
            setattr(ref, k, v)
        changed.append(ref)
        entries.append(
            build_entry(
                actor=actor, action=ChangeLog.Action.UPDATE, target=ref, changes=diff, region_code=city
            )
        )
        result.updated += 1
    MarketReferencePrice.objects.bulk_create(new, batch_size=BATCH)
    _ensure_pks(new, ["item_id", "year"])
    for ref in new:
        entries.append(
            build_entry(
                actor=actor,
                action=ChangeLog.Action.CREATE,
                target=ref,
                region_code=city,
                changes={
                    "item": [None, ref.item_id],
                    "year": [None, ref.year],
                    "price": [None, ref.price],
                    "source": [None, ref.source],
                },
            )
        )
    if changed:
        MarketReferencePrice.objects.bulk_update(changed, ["price", "source"], batch_size=BATCH)
    progress(len(records))
    log_many(entries)
    return result
