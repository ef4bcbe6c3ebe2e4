"""Writes of children and their guardians, hand-over and death (the registry of children).

Every action is one transaction, checks the actor's sector and region, validates (raising
``ValidationError`` with a field dict), writes and logs to the change log in the same transaction.

Who may write
    Children, guardians and enrolment need the childcare or the health sector; follow-up (newborn
    visits, checks, vaccinations), hand-over and death need the health sector. Without the sector:
    ``PermissionDenied`` (raised before any lookup, so it tells nothing about a child). A child or a
    new region outside the actor's regions: ``NotFound``.

Natural key
    A child is keyed by the ID number (blind index, purpose ``id``) or, until one exists, by the
    birth medical certificate number (blind index, purpose ``birthcert``). A record with an ID number
    *and* the certificate number of a child registered without an ID updates that child (adds the
    ID): never a duplicate. A record whose ID number and certificate number belong to two different
    children, or whose certificate belongs to a child with another ID, is refused. A key that names a
    child outside the actor's regions is refused (formerly "registered outside your regions; ask for a
    hand-over"): the answer is ``handover.NOT_REGISTRABLE``, the same as a conflict of numbers, so it
    tells nothing about other counties; the way forward is a hand-over request (``handover.py``).

Who is entered
    A new child must be born on or before today and younger than ``max_age_years_on_entry`` (rule
    ``child.registry``, 7 years): records of past years (a city loading 2022's follow-up in 2026) and
    the doses due up to 6 years must load, while a guardian's ID number typed by mistake is caught.
    Children already on the registry are updated whatever their age; a child turning 3 stays on the
    registry and ages out of lists (see ``selectors.children``). Sex and birth date are checked
    against the ID number when one is given (and taken from it when absent).

Follow-up
    Dated on or after birth, not in the future, not after the child's death (a death closes all
    follow-up: nothing dated later is accepted; records of earlier dates may still be entered). A
    dose must be in the child's immunisation edition (chosen by birth date).

Where the rest lives
    Enrolment: ``enrolment.py``; health follow-up (newborn visits, checks, vaccinations, one record
    or many): ``child_followup.py``; the bulk upsert of children (imports, the demo city):
    ``children_bulk.py``; the shared checks: ``scope.py``.

Change log of bulk writes (``*_upsert_many``, used by imports and the demo city)
    Children: one row per created or changed child (the person record). Dependent rows (guardians,
    newborn visits, checks, vaccinations): one row per *changed* row (the old value would otherwise be
    lost), but creations are summarised as one ``create`` row per batch and community
    (``target_id`` empty, ``changes = {"rows": [null, n]}``): the created row is itself the record of
    what was created, and the demo city's million vaccinations must not write a million log rows.
    Single-record actions always write one row per change.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.core import clock
from laoxiao.core.access import require_region
from laoxiao.core.changelog import build_entry, log_change, log_many
from laoxiao.core.crypto import blind_index
from laoxiao.core.i18n import fmt
from laoxiao.core.idnumbers import IdInfo, parse_id_number
from laoxiao.core.models import ChangeLog
from laoxiao.people import lifecycle
from laoxiao.people import schedules as s
from laoxiao.people.actions.scope import NOT_REGISTRABLE, child_community, require_children_sector
from laoxiao.people.models import Child, ChildHealthCheck, Guardian, NewbornVisit, Vaccination
from laoxiao.people.selectors.children import ChildRules, child_rules
from laoxiao.regions.scoping import code_within

CHILD_FIELDS = (
    "id_number",
    "birth_certificate_number",
    "name",
    "sex",
    "birth_date",
    "birth_weight_g",
    "discharge_date",
    "region_code",
)
CERT_RE = re.compile(r"[0-9A-Z]{6,20}")


def clean_child_data(
    data: Mapping[str, Any], *, rules: ChildRules, today: dt.date, creating: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Normalise and check a child's fields (not the region). Returns (values, errors by field).

    Keys absent from ``data`` are left out of ``values`` (the stored value stays)."""
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {k: data[k] for k in CHILD_FIELDS if k in data}
    for key in ("id_number", "birth_certificate_number", "name"):
        if key in values:
            values[key] = (
                (values[key] or "").strip().upper() if key != "name" else (values[key] or "").strip()
            )
    info: IdInfo | None = None
    if values.get("id_number"):
        try:
            info = parse_id_number(values["id_number"], today=today)
            values["id_number"] = info.number
        except ValidationError as exc:
            errors["id_number"] = exc.messages[0] if not hasattr(exc, "message") else exc.message
    cert = values.get("birth_certificate_number")
    if cert and not CERT_RE.fullmatch(cert):
        errors["birth_certificate_number"] = _("A birth certificate number is 6 to 20 letters and digits.")
    if creating and not values.get("id_number") and not cert and "id_number" not in errors:
        errors["id_number"] = _("Give the ID number or the birth medical certificate number.")
    if info is not None:
        if values.get("sex") and values["sex"] != info.sex:
            errors["sex"] = _("The sex does not match the ID number.")
        if values.get("birth_date") and values["birth_date"] != info.birth_date:
            errors["birth_date"] = _("The birth date does not match the ID number.")
        values.setdefault("sex", info.sex)
        values.setdefault("birth_date", info.birth_date)
        if not values.get("sex"):
            values["sex"] = info.sex
        if not values.get("birth_date"):
            values["birth_date"] = info.birth_date
    if values.get("sex") and values["sex"] not in Child.Sex.values:
        errors["sex"] = _("Unknown sex: use M or F.")
    if creating:
        for key in ("name", "sex", "birth_date", "region_code"):
            if not values.get(key) and key not in errors:
                errors[key] = _("This field is required.")
    birth = values.get("birth_date")
    if birth and "birth_date" not in errors:
        if birth > today:
            errors["birth_date"] = _("The birth date is in the future.")
        elif creating:
            limit = rules.registry(today)["max_age_years_on_entry"]
            if s.add_months(birth, 12 * limit) <= today:
                errors["birth_date"] = fmt(
                    _("A child entered on the registry must be younger than %(n)d years."), n=limit
                )
    discharge = values.get("discharge_date")
    if discharge:
        if birth and discharge < birth:
            errors["discharge_date"] = _("The discharge date is before birth.")
        elif discharge > today:
            errors["discharge_date"] = _("The discharge date is in the future.")
    weight = values.get("birth_weight_g")
    if weight is not None and not 300 <= int(weight) <= 7000:
        errors["birth_weight_g"] = _("A birth weight lies between 300 and 7000 g.")
    return values, errors


def match_child(
    *, by_id: Child | None, by_cert: Child | None, id_number: str, cert: str
) -> tuple[Child | None, dict[str, Any]]:
    """The registered child a record names, or an error: the ID and the certificate must agree.

    A conflict answers ``NOT_REGISTRABLE``, the same words as a number registered outside the
    actor's regions, so neither tells anything about children the actor cannot see."""
    field = "id_number" if id_number else "birth_certificate_number"
    if by_id is not None and by_cert is not None and by_id.pk != by_cert.pk:
        return None, {field: NOT_REGISTRABLE}
    if by_id is not None:
        if cert and by_id.birth_certificate_number and by_id.birth_certificate_number != cert:
            return None, {field: NOT_REGISTRABLE}
        return by_id, {}
    if by_cert is not None:
        if id_number and by_cert.id_number and by_cert.id_number != id_number:
            return None, {field: NOT_REGISTRABLE}
        return by_cert, {}
    return None, {}


OUTSIDE_REGIONS = NOT_REGISTRABLE  # registered outside the actor's regions: the conflict's answer


def move_child_rows(child_ids: Iterable[int], region_code: str) -> None:
    ids = list(child_ids)
    for model in (Guardian, NewbornVisit, ChildHealthCheck, Vaccination):
        model.objects.filter(child_id__in=ids).update(region_code=region_code)


def handover_entries(
    *, actor: Any, child: Child, old: str, new: str, on: dt.date | None = None
) -> list[ChangeLog]:
    changes: dict[str, list[Any]] = {"region_code": [old, new]}
    note = f"handed over on {on.isoformat()}" if on else "handed over"
    return [
        build_entry(
            actor=actor,
            action=ChangeLog.Action.HANDOVER,
            target=child,
            changes=changes,
            region_code=code,
            note=note,
        )
        for code in (old, new)
    ]


@transaction.atomic
def child_upsert(*, actor: Any, data: Mapping[str, Any]) -> Child:
    """Create or update a child by ID number or birth certificate number (see the module docstring).

    ``data`` holds some of: id_number, birth_certificate_number, name, sex, birth_date,
    birth_weight_g, discharge_date, region_code. A changed region hands the child over."""
    require_children_sector(actor)
    today = clock.today()
    rules = child_rules()
    id_number = (data.get("id_number") or "").strip().upper()
    cert = (data.get("birth_certificate_number") or "").strip().upper()
    by_id = Child.objects.filter(id_number_hash=blind_index(id_number)).first() if id_number else None
    by_cert = (
        Child.objects.filter(birth_certificate_hash=blind_index(cert, purpose="birthcert")).first()
        if cert
        else None
    )
    child, conflict = match_child(by_id=by_id, by_cert=by_cert, id_number=id_number, cert=cert)
    if conflict:
        raise ValidationError(conflict)
    values, errors = clean_child_data(data, rules=rules, today=today, creating=child is None)
    if errors:
        raise ValidationError(errors)
    if child is not None and not code_within(child.region_code, actor.region_prefixes()):
        raise ValidationError({"id_number" if id_number else "birth_certificate_number": NOT_REGISTRABLE})
    region_code = values.get("region_code")
    if region_code:
        require_region(actor, region_code)
        region = child_community(region_code)
    if child is None:
        child = Child(region=region, **values)
        child.save()
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=child,
            changes={k: [None, getattr(child, k)] for k in values},
        )
        return child
    if not values.get("id_number"):
        values.pop("id_number", None)  # a record without the ID does not remove it
    if not values.get("birth_certificate_number"):
        values.pop("birth_certificate_number", None)
    diff = {k: [getattr(child, k), v] for k, v in values.items() if getattr(child, k) != v}
    if not diff:
        return child
    if "birth_date" in diff and child.id_number and "id_number" not in diff:
        raise ValidationError({"birth_date": _("The birth date does not match the ID number.")})
    old_region = child.region_code
    for k, (_old, v) in diff.items():
        setattr(child, k, v)
    moved = diff.pop("region_code", None)
    if moved:
        child.region = region
    child.save()
    if diff:
        log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=child, changes=diff)
    if moved:
        move_child_rows([child.pk], child.region_code)
        log_many(handover_entries(actor=actor, child=child, old=old_region, new=child.region_code))
    return child


@transaction.atomic
def guardian_upsert(
    *, actor: Any, child: Child, id_number: str, name: str, relation: str = "", phone: str = ""
) -> Guardian:
    """Create or update a guardian of ``child``, keyed by the guardian's ID number."""
    require_children_sector(actor)
    require_region(actor, child.region_code)
    errors: dict[str, Any] = {}
    try:
        id_number = parse_id_number(id_number).number
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    if not (name or "").strip():
        errors["name"] = _("This field is required.")
    if phone and not re.fullmatch(r"[0-9+\- ]{5,20}", phone):
        errors["phone"] = _("Not a phone number.")
    if errors:
        raise ValidationError(errors)
    values = {"name": name.strip(), "relation": relation.strip(), "phone": phone.strip()}
    guardian = Guardian.objects.filter(child=child, id_number_hash=blind_index(id_number)).first()
    if guardian is None:
        guardian = Guardian(child=child, region_code=child.region_code, id_number=id_number, **values)
        guardian.save()
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=guardian,
            changes={"id_number": [None, id_number], **{k: [None, v] for k, v in values.items()}},
        )
        return guardian
    diff = {k: [getattr(guardian, k), v] for k, v in values.items() if getattr(guardian, k) != v}
    if diff:
        for k, (_old, v) in diff.items():
            setattr(guardian, k, v)
        guardian.save()
        log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=guardian, changes=diff)
    return guardian


@transaction.atomic
def child_handover(*, actor: Any, child: Child, to_region_code: str, on: dt.date | None = None) -> Child:
    """Hand a child over to another community (of any district): the child and all their records
    (guardians, visits, checks, doses) move; the change log gets a hand-over row under the old
    and under the new region, so both sides see it. The sending side (the actor sees the child's
    current region) hands over."""
    require_children_sector(actor, followup=True)
    require_region(actor, child.region_code)
    region = child_community(to_region_code)
    if region.code == child.region_code:
        raise ValidationError({"region_code": _("The child is already registered there.")})
    old = child.region_code
    child.region = region
    child.region_code = region.code
    child.save(update_fields=["region", "region_code", "updated_at"])
    move_child_rows([child.pk], region.code)
    log_many(handover_entries(actor=actor, child=child, old=old, new=region.code, on=on or clock.today()))
    return child


@transaction.atomic
def child_death(*, actor: Any, child: Child, died_on: dt.date) -> Child:
    """Record a child's death: every open follow-up item closes, the child leaves work lists and
    lists, and no follow-up dated later is accepted."""
    require_children_sector(actor, followup=True)
    require_region(actor, child.region_code)
    if died_on < child.birth_date:
        raise ValidationError({"died_on": _("The date of death is before birth.")})
    if died_on > clock.today():
        raise ValidationError({"died_on": _("The date of death is in the future.")})
    later = (
        NewbornVisit.objects.filter(child=child, visited_on__gt=died_on).exists()
        or ChildHealthCheck.objects.filter(child=child, checked_on__gt=died_on).exists()
        or Vaccination.objects.filter(child=child, given_on__gt=died_on).exists()
    )
    if later:
        raise ValidationError({"died_on": _("Follow-up is recorded after this date.")})
    if child.died_on == died_on:
        return child
    changes: dict[str, list[Any]] = {"died_on": [child.died_on, died_on]}
    child.died_on = died_on
    child.save(update_fields=["died_on", "updated_at"])
    log_change(actor=actor, action=ChangeLog.Action.STATUS, target=child, changes=changes)
    # other apps' work at the end of a record (benefits stops payments), in this transaction
    lifecycle.person_ended(actor=actor, kind="child", pk=child.pk, ended_on=died_on, reason=lifecycle.DEATH)
    return child
