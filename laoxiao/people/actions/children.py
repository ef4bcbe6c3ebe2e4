"""Writes of children, guardians, enrolment and child health follow-up.

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
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from types import SimpleNamespace
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts import roles
from laoxiao.core.changelog import build_entry, log_change, log_many
from laoxiao.core.crypto import blind_index
from laoxiao.core.errors import NotFound
from laoxiao.core.i18n import fmt
from laoxiao.core.idnumbers import IdInfo, parse_id_number
from laoxiao.core.models import ChangeLog
from laoxiao.imports.base import WriteResult
from laoxiao.people import schedules as s
from laoxiao.people.actions.handover import NOT_REGISTRABLE
from laoxiao.people.models import Child, ChildHealthCheck, Guardian, NewbornVisit, Vaccination
from laoxiao.people.selectors.children import ChildRules, child_rules
from laoxiao.providers.models import CHILDCARE_KINDS, ChildcareClass, Provider
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import code_within

Progress = Callable[[int], None]
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
BATCH = 5000


def _noop(n: int) -> None:
    return None


def _today() -> dt.date:
    return timezone.localdate()


# --- access ---------------------------------------------------------------------------------------


def _require_sector(actor: Any, *, followup: bool = False) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You may not change children's records."))
    if actor.has_perm(roles.SECTOR_HEALTH):
        return
    if not followup and actor.has_perm(roles.SECTOR_CHILDCARE):
        return
    raise PermissionDenied(_("You may not change children's records."))


def _require_scope(actor: Any, region_code: str) -> None:
    if not code_within(region_code, actor.region_prefixes()):
        raise NotFound(region_code)


def _community(code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationError({"region_code": _("No such region is loaded.")})
    if region.level != Region.Level.COMMUNITY:
        raise ValidationError({"region_code": _("A child is registered in a community or village.")})
    return region


def _system_repr(actor: Any) -> dict[str, Any]:
    return {
        "actor": actor if getattr(actor, "pk", None) else None,
        "actor_name": getattr(actor, "username", "") or "system",
    }


def summary_entry(
    *, actor: Any, model: type[models.Model], region_code: str, count: int, note: str = ""
) -> ChangeLog:
    """One change-log row standing for ``count`` rows of ``model`` created in one batch."""
    return ChangeLog(
        **_system_repr(actor),
        action=ChangeLog.Action.CREATE,
        target_type=model._meta.label_lower,
        target_id="",
        target_repr=f"{count} × {model._meta.verbose_name}"[:200],
        region_code=region_code,
        changes={"rows": [None, count]},
        note=note[:300],
    )


# --- children -------------------------------------------------------------------------------------


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


def _move_rows(child_ids: Iterable[int], region_code: str) -> None:
    ids = list(child_ids)
    for model in (Guardian, NewbornVisit, ChildHealthCheck, Vaccination):
        model.objects.filter(child_id__in=ids).update(region_code=region_code)


def _handover_entries(
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
    _require_sector(actor)
    today = _today()
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
        _require_scope(actor, region_code)
        region = _community(region_code)
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
        _move_rows([child.pk], child.region_code)
        log_many(_handover_entries(actor=actor, child=child, old=old_region, new=child.region_code))
    return child


@transaction.atomic
def guardian_upsert(
    *, actor: Any, child: Child, id_number: str, name: str, relation: str = "", phone: str = ""
) -> Guardian:
    """Create or update a guardian of ``child``, keyed by the guardian's ID number."""
    _require_sector(actor)
    _require_scope(actor, child.region_code)
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


def current_children(**where: Any) -> models.QuerySet[Child]:
    """The children a class or a provider holds now (alive, not moved out): what its capacity limits.
    The one rule of the enrolment action and the children import."""
    return Child.objects.filter(died_on__isnull=True, moved_out_on__isnull=True, **where)


def provider_places(provider_ids: Iterable[int]) -> dict[int, tuple[int, set[int]]]:
    """For each provider: its slots (the sum of its class capacities) and the children it holds now."""
    ids = set(provider_ids)
    out: dict[int, tuple[int, set[int]]] = {i: (0, set()) for i in ids}
    for inst_id, capacity in ChildcareClass.objects.filter(provider_id__in=ids).values_list(
        "provider_id", "capacity"
    ):
        out[inst_id] = (out[inst_id][0] + (capacity or 0), out[inst_id][1])
    for pk, inst_id in current_children(provider_id__in=ids).values_list("pk", "provider_id"):
        out[inst_id][1].add(pk)
    return out


@transaction.atomic
def child_enrol(
    *,
    actor: Any,
    child: Child,
    provider: Provider | None,
    childcare_class: ChildcareClass | None = None,
    on: dt.date | None = None,
) -> Child:
    """Enrol ``child`` with a childcare provider (and a class of it), or end the enrolment
    (``provider=None``). A class takes a child while it holds fewer children than its capacity
    and when the child's age on ``on`` lies in the class type's band (rule
    ``child.enrolment_age_bands``)."""
    _require_sector(actor)
    _require_scope(actor, child.region_code)
    on = on or _today()
    if provider is None:
        if child.provider_id is None and child.childcare_class_id is None:
            return child
        changes: dict[str, list[Any]] = {
            "provider": [child.provider_id, None],
            "childcare_class": [child.childcare_class_id, None],
        }
        child.provider = None
        child.childcare_class = None
        child.save(update_fields=["provider", "childcare_class", "updated_at"])
        log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=child, changes=changes)
        return child
    if child.died_on:
        raise ValidationError({"child": _("The child has died.")})
    if provider.kind not in CHILDCARE_KINDS:
        raise ValidationError({"provider": _("This provider is not a childcare provider.")})
    if childcare_class is not None:
        if childcare_class.provider_id != provider.pk:
            raise ValidationError({"childcare_class": _("This class belongs to another provider.")})
        locked = ChildcareClass.objects.select_for_update().get(pk=childcare_class.pk)
        enrolled = current_children(childcare_class=locked).exclude(pk=child.pk).count()
        if enrolled >= locked.capacity:
            raise ValidationError(
                {"childcare_class": fmt(_("The class is full (%(n)d children)."), n=locked.capacity)}
            )
        low, high = child_rules().age_bands(on)[locked.class_type]
        months = s.age_in_months(child.birth_date, on)
        if not low <= months < high:
            raise ValidationError(
                {
                    "childcare_class": fmt(
                        _(
                            "The child is %(age)d months old; this class takes children of %(low)d to %(high)d months."
                        ),
                        age=months,
                        low=low,
                        high=high,
                    )
                }
            )
    changes = {}
    if child.provider_id != provider.pk:
        changes["provider"] = [child.provider_id, provider.pk]
    new_class = childcare_class.pk if childcare_class else None
    if child.childcare_class_id != new_class:
        changes["childcare_class"] = [child.childcare_class_id, new_class]
    if not changes:
        return child
    child.provider = provider
    child.childcare_class = childcare_class
    child.save(update_fields=["provider", "childcare_class", "updated_at"])
    log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=child, changes=changes)
    return child


@transaction.atomic
def child_handover(*, actor: Any, child: Child, to_region_code: str, on: dt.date | None = None) -> Child:
    """Hand a child over to another community (of any district): the child and all their records
    (guardians, visits, checks, doses) move; the change log gets a hand-over row under the old
    and under the new region, so both sides see it. The sending side (the actor sees the child's
    current region) hands over."""
    _require_sector(actor, followup=True)
    _require_scope(actor, child.region_code)
    region = _community(to_region_code)
    if region.code == child.region_code:
        raise ValidationError({"region_code": _("The child is already registered there.")})
    old = child.region_code
    child.region = region
    child.region_code = region.code
    child.save(update_fields=["region", "region_code", "updated_at"])
    _move_rows([child.pk], region.code)
    log_many(_handover_entries(actor=actor, child=child, old=old, new=region.code, on=on or _today()))
    return child


@transaction.atomic
def child_death(*, actor: Any, child: Child, died_on: dt.date) -> Child:
    """Record a child's death: every open follow-up item closes, the child leaves work lists and
    lists, and no follow-up dated later is accepted."""
    _require_sector(actor, followup=True)
    _require_scope(actor, child.region_code)
    if died_on < child.birth_date:
        raise ValidationError({"died_on": _("The date of death is before birth.")})
    if died_on > _today():
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
    return child


# --- follow-up: one record ------------------------------------------------------------------------


def check_followup_date(
    day: dt.date, *, birth_date: dt.date, died_on: dt.date | None, today: dt.date
) -> Any | None:
    """The reason a follow-up date is refused, or None."""
    if day < birth_date:
        return _("The date is before the child's birth.")
    if day > today:
        return _("The date is in the future.")
    if died_on and day > died_on:
        return _("The date is after the child's death.")
    return None


def _followup_guard(actor: Any, child: Child, field: str, day: dt.date) -> None:
    _require_sector(actor, followup=True)
    _require_scope(actor, child.region_code)
    reason = check_followup_date(day, birth_date=child.birth_date, died_on=child.died_on, today=_today())
    if reason:
        raise ValidationError({field: reason})


@transaction.atomic
def newborn_visit_record(*, actor: Any, child: Child, visited_on: dt.date, visitor: str = "") -> NewbornVisit:
    _followup_guard(actor, child, "visited_on", visited_on)
    visit = NewbornVisit.objects.filter(child=child, visited_on=visited_on).first()
    if visit is None:
        visit = NewbornVisit.objects.create(
            child=child, region_code=child.region_code, visited_on=visited_on, visitor=visitor
        )
        changes: dict[str, list[Any]] = {"visited_on": [None, visited_on], "visitor": [None, visitor]}
        log_change(actor=actor, action=ChangeLog.Action.CREATE, target=visit, changes=changes)
    elif visit.visitor != visitor:
        changes = {"visitor": [visit.visitor, visitor]}
        visit.visitor = visitor
        visit.save(update_fields=["visitor"])
        log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=visit, changes=changes)
    return visit


@transaction.atomic
def child_check_record(*, actor: Any, child: Child, checked_on: dt.date, age_point: str) -> ChildHealthCheck:
    """Record the check of ``age_point`` (one per age point: a second date corrects the first)."""
    if age_point not in ChildHealthCheck.AgePoint.values:
        raise ValidationError({"age_point": _("Unknown age point.")})
    _followup_guard(actor, child, "checked_on", checked_on)
    check = ChildHealthCheck.objects.filter(child=child, age_point=age_point).first()
    if check is None:
        check = ChildHealthCheck.objects.create(
            child=child, region_code=child.region_code, checked_on=checked_on, age_point=age_point
        )
        changes: dict[str, list[Any]] = {"age_point": [None, age_point], "checked_on": [None, checked_on]}
        log_change(actor=actor, action=ChangeLog.Action.CREATE, target=check, changes=changes)
    elif check.checked_on != checked_on:
        changes = {"checked_on": [check.checked_on, checked_on]}
        check.checked_on = checked_on
        check.save(update_fields=["checked_on"])
        log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=check, changes=changes)
    return check


@transaction.atomic
def vaccination_record(
    *, actor: Any, child: Child, vaccine: str, dose: int, given_on: dt.date
) -> Vaccination:
    """Record a dose (one per vaccine and dose number: a second date corrects the first). The dose
    must be in the child's immunisation edition."""
    _followup_guard(actor, child, "given_on", given_on)
    if (vaccine, dose) not in child_rules().known_doses(child.birth_date):
        raise ValidationError(
            {
                "dose": fmt(
                    _("%(dose)s is not in the child's immunisation schedule."), dose=f"{vaccine} {dose}"
                )
            }
        )
    row = Vaccination.objects.filter(child=child, vaccine=vaccine, dose=dose).first()
    if row is None:
        row = Vaccination.objects.create(
            child=child, region_code=child.region_code, vaccine=vaccine, dose=dose, given_on=given_on
        )
        changes: dict[str, list[Any]] = {
            "vaccine": [None, vaccine],
            "dose": [None, dose],
            "given_on": [None, given_on],
        }
        log_change(actor=actor, action=ChangeLog.Action.CREATE, target=row, changes=changes)
    elif row.given_on != given_on:
        changes = {"given_on": [row.given_on, given_on]}
        row.given_on = given_on
        row.save(update_fields=["given_on"])
        log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=row, changes=changes)
    return row


# --- bulk writes (imports, the demo city) ---------------------------------------------------------


def _chunks(items: list[Any], size: int = 2000) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def existing_children(
    id_hashes: set[str], cert_hashes: set[str]
) -> tuple[dict[str, Child], dict[str, Child]]:
    by_id: dict[str, Child] = {}
    by_cert: dict[str, Child] = {}
    for chunk in _chunks(sorted(id_hashes)):
        for c in Child.objects.filter(id_number_hash__in=chunk):
            by_id[c.id_number_hash] = c
    for chunk in _chunks(sorted(cert_hashes)):
        for c in Child.objects.filter(birth_certificate_hash__in=chunk):
            by_cert[c.birth_certificate_hash] = c
    # the same child found both ways must be the same object
    objects = {c.pk: c for c in by_id.values()}
    by_cert = {h: objects.setdefault(c.pk, c) for h, c in by_cert.items()}
    return by_id, by_cert


def _raise_bulk(errors: list[tuple[int, str, Any]]) -> None:
    if errors:
        raise ValidationError({f"{i}.{field}": [msg] for i, field, msg in errors[:50]})


@transaction.atomic
def children_upsert_many(
    *, actor: Any, records: Iterable[Mapping[str, Any]], progress: Progress = _noop
) -> WriteResult:
    """Create or update many children (same rules as ``child_upsert``), with one guardian each when
    a record has ``guardian_name`` (and ``guardian_id_number``, ``guardian_phone``,
    ``guardian_relation``), and the enrolment when it has ``provider_id``. Idempotent."""
    _require_sector(actor)
    today = _today()
    rules = child_rules()
    prefixes = actor.region_prefixes()
    records = list(records)
    result = WriteResult()
    regions = dict(Region.objects.filter(level=Region.Level.COMMUNITY).values_list("code", "level"))
    cleaned: list[tuple[dict[str, Any], str, str]] = []
    id_hashes: set[str] = set()
    cert_hashes: set[str] = set()
    for rec in records:
        id_number = (rec.get("id_number") or "").strip().upper()
        cert = (rec.get("birth_certificate_number") or "").strip().upper()
        h_id = blind_index(id_number) if id_number else ""
        h_cert = blind_index(cert, purpose="birthcert") if cert else ""
        if h_id:
            id_hashes.add(h_id)
        if h_cert:
            cert_hashes.add(h_cert)
        cleaned.append((dict(rec), h_id, h_cert))
    by_id, by_cert = existing_children(id_hashes, cert_hashes)
    errors: list[tuple[int, str, Any]] = []
    new: list[Child] = []
    changed: dict[int, tuple[Child, dict[str, list[Any]]]] = {}
    moves: list[tuple[Child, str]] = []
    entries: list[ChangeLog] = []
    targets: list[Child | None] = []
    seen: dict[str, Child] = {}  # hashes of children created in this batch
    for i, (rec, h_id, h_cert) in enumerate(cleaned):
        child, conflict = match_child(
            by_id=by_id.get(h_id) or seen.get(h_id) if h_id else None,
            by_cert=by_cert.get(h_cert) or seen.get(h_cert) if h_cert else None,
            id_number=(rec.get("id_number") or "").strip().upper(),
            cert=(rec.get("birth_certificate_number") or "").strip().upper(),
        )
        values, errs = clean_child_data(rec, rules=rules, today=today, creating=child is None)
        errs.update(conflict)
        code = values.get("region_code")
        if code and code not in regions:
            errs["region_code"] = _("No such community is loaded.")
        elif code and not code_within(code, prefixes):
            errs["region_code"] = _("This region is outside your regions.")
        if child is not None and not code_within(child.region_code, prefixes):
            errs["id_number"] = OUTSIDE_REGIONS
        if errs:
            errors.extend((i, f, m) for f, m in errs.items())
            targets.append(None)
            continue
        provider_id = rec.get("provider_id") or None  # empty: the enrolment stays
        if child is None:
            child = Child(region_id=values["region_code"], provider_id=provider_id, **values)
            child.id_number_hash = h_id
            child.birth_certificate_hash = h_cert
            new.append(child)
            for h in (h_id, h_cert):
                if h:
                    seen[h] = child
            targets.append(child)
            continue
        targets.append(child)
        if not values.get("id_number"):
            values.pop("id_number", None)
        if not values.get("birth_certificate_number"):
            values.pop("birth_certificate_number", None)
        if child.pk is None:  # a second record of a child created by this batch
            for k, v in values.items():
                setattr(child, k, v)
            continue
        diff = {k: [getattr(child, k), v] for k, v in values.items() if getattr(child, k) != v}
        if provider_id and child.provider_id != provider_id:
            diff["provider"] = [child.provider_id, provider_id]
            child.provider_id = provider_id
        if "birth_date" in diff and child.id_number and "id_number" not in diff:
            errors.append((i, "birth_date", _("The birth date does not match the ID number.")))
            continue
        if not diff:
            continue
        moved = diff.pop("region_code", None)
        old_region = child.region_code
        for k, v in values.items():
            setattr(child, k, v)
        if h_id:
            child.id_number_hash = h_id
        if h_cert:
            child.birth_certificate_hash = h_cert
        if moved:
            child.region_id = child.region_code
            moves.append((child, old_region))
        if child.pk in changed:
            changed[child.pk][1].update(diff)
        else:
            changed[child.pk] = (child, diff)
    _raise_bulk(errors)
    for batch in _chunks(new, BATCH):
        Child.objects.bulk_create(batch)
        progress(len(batch))
    missing = [c for c in new if c.pk is None]
    if missing:  # backends that do not return keys from bulk inserts
        ids = dict(
            Child.objects.filter(
                id_number_hash__in=[c.id_number_hash for c in missing if c.id_number_hash]
            ).values_list("id_number_hash", "pk")
        )
        certs = dict(
            Child.objects.filter(
                birth_certificate_hash__in=[
                    c.birth_certificate_hash for c in missing if c.birth_certificate_hash
                ]
            ).values_list("birth_certificate_hash", "pk")
        )
        for c in missing:
            c.pk = ids.get(c.id_number_hash) or certs.get(c.birth_certificate_hash)
    for c in new:
        entries.append(
            build_entry(
                actor=actor,
                action=ChangeLog.Action.CREATE,
                target=c,
                changes={
                    k: [None, getattr(c, k)]
                    for k in (*CHILD_FIELDS, "provider_id")
                    if getattr(c, k) not in (None, "")
                },
            )
        )
    result.created = len(new)
    if changed:
        fields = [
            *CHILD_FIELDS,
            "region",
            "provider",
            "id_number_hash",
            "birth_certificate_hash",
            "updated_at",
        ]
        now = timezone.now()
        for c, _diff in changed.values():
            c.updated_at = now
        Child.objects.bulk_update([c for c, _d in changed.values()], fields, batch_size=1000)
        for c, diff in changed.values():
            if diff:
                entries.append(
                    build_entry(actor=actor, action=ChangeLog.Action.UPDATE, target=c, changes=diff)
                )
    moved_to: dict[str, list[int]] = defaultdict(list)
    for c, old in moves:
        moved_to[c.region_code].append(c.pk)
        entries.extend(_handover_entries(actor=actor, child=c, old=old, new=c.region_code, on=today))
    for code, moved_ids in moved_to.items():
        _move_rows(moved_ids, code)
    result.updated = len(changed)
    result.unchanged = max(len(records) - len(new) - len(changed), 0)
    # guardians
    guardian_records: list[tuple[Child, Mapping[str, Any]]] = [
        (child, rec)
        for (rec, _a, _b), child in zip(cleaned, targets, strict=True)
        if child is not None and (rec.get("guardian_name") or rec.get("guardian_id_number"))
    ]
    _guardians_upsert(actor=actor, pairs=guardian_records, entries=entries, result=result)
    log_many(entries)
    return result


def _guardians_upsert(
    *, actor: Any, pairs: list[tuple[Child, Mapping[str, Any]]], entries: list[ChangeLog], result: WriteResult
) -> None:
    if not pairs:
        return
    existing: dict[int, list[Guardian]] = defaultdict(list)
    for chunk in _chunks(sorted({c.pk for c, _r in pairs})):
        for g in Guardian.objects.filter(child_id__in=chunk):
            existing[g.child_id].append(g)
    new: list[Guardian] = []
    changed: list[Guardian] = []
    created_by_region: dict[str, int] = defaultdict(int)
    for child, rec in pairs:
        id_number = (rec.get("guardian_id_number") or "").strip().upper()
        values = {
            "name": (rec.get("guardian_name") or "").strip(),
            "phone": (rec.get("guardian_phone") or "").strip(),
            "relation": (rec.get("guardian_relation") or "").strip(),
        }
        values = {k: v for k, v in values.items() if v or f"guardian_{k}" in rec}
        h = blind_index(id_number) if id_number else ""
        found = None
        for g in existing[child.pk]:
            if (h and g.id_number_hash == h) or (not h and g.name == values.get("name")):
                found = g
                break
        if found is None:
            g = Guardian(child=child, region_code=child.region_code, id_number=id_number, **values)
            g.id_number_hash = h
            new.append(g)
            existing[child.pk].append(g)
            created_by_region[child.region_code] += 1
            continue
        diff = {k: [getattr(found, k), v] for k, v in values.items() if getattr(found, k) != v}
        if diff:
            for k, (_old, v) in diff.items():
                setattr(found, k, v)
            changed.append(found)
            entries.append(
                build_entry(actor=actor, action=ChangeLog.Action.UPDATE, target=found, changes=diff)
            )
    Guardian.objects.bulk_create(new, batch_size=BATCH)
    if changed:
        Guardian.objects.bulk_update(changed, ["name", "phone", "relation"], batch_size=1000)
    for code, n in created_by_region.items():
        entries.append(summary_entry(actor=actor, model=Guardian, region_code=code, count=n, note="bulk"))


def _children_facts(actor: Any, child_ids: set[int]) -> dict[int, tuple[str, dt.date, dt.date | None]]:
    """child id → (region code, birth date, death date) for the children the actor may write."""
    prefixes = actor.region_prefixes()
    out: dict[int, tuple[str, dt.date, dt.date | None]] = {}
    for chunk in _chunks(sorted(child_ids)):
        for pk, code, birth, died in Child.objects.filter(pk__in=chunk).values_list(
            "pk", "region_code", "birth_date", "died_on"
        ):
            if code_within(code, prefixes):
                out[pk] = (code, birth, died)
    return out


def _insert_rows(model: type[models.Model], fields: list[str], rows: list[Any], progress: Progress) -> None:
    """Plain multi-row INSERTs (``executemany``) of new follow-up rows: a tenth of the cost of
    ``bulk_create`` (no model instances, no per-value field preparation), which matters for the
    demo city's million vaccinations. Rows have no encrypted fields, defaults or signals."""
    if not rows:
        return
    opts = model._meta
    conn = connections[router.db_for_write(model)]
    qn = conn.ops.quote_name
    columns: list[models.Field[Any, Any]] = [cast(models.Field, opts.get_field(f)) for f in fields]
    adapt: list[Callable[[Any], Any] | None] = [
        conn.ops.adapt_datefield_value if isinstance(c, models.DateField) else None for c in columns
    ]
    names = [f.attname for f in columns]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model, values bound
        qn(opts.db_table), ", ".join(qn(c.column) for c in columns), ", ".join(["%s"] * len(columns))
    )
    with conn.cursor() as cursor:
        for batch in _chunks(rows, BATCH):
            params = [
                tuple(a(getattr(r, n)) if a else getattr(r, n) for n, a in zip(names, adapt, strict=True))
                for r in batch
            ]
            cursor.executemany(sql, params)
            progress(len(batch))


def _followup_many(
    *,
    actor: Any,
    records: list[Mapping[str, Any]],
    model: type[models.Model],
    key_fields: tuple[str, ...],
    value_fields: tuple[str, ...],
    date_field: str,
    extra_check: Callable[[Mapping[str, Any], dt.date], Any | None] | None,
    progress: Progress,
) -> WriteResult:
    """The common upsert of newborn visits, checks and vaccinations (see the module docstring)."""
    _require_sector(actor, followup=True)
    today = _today()
    facts = _children_facts(actor, {int(r["child_id"]) for r in records})
    errors: list[tuple[int, str, Any]] = []
    for i, rec in enumerate(records):
        fact = facts.get(int(rec["child_id"]))
        if fact is None:
            errors.append((i, "child_id", _("No such child in your regions.")))
            continue
        reason = check_followup_date(rec[date_field], birth_date=fact[1], died_on=fact[2], today=today)
        if reason is None and extra_check is not None:
            reason = extra_check(rec, fact[1])
        if reason is not None:
            errors.append((i, date_field if extra_check is None else "record", reason))
    _raise_bulk(errors)
    existing: dict[tuple[Any, ...], Any] = {}
    for chunk in _chunks(sorted(facts)):
        rows = model.objects.filter(child_id__in=chunk)  # type: ignore[attr-defined]
        for obj in rows.only("pk", "child", *key_fields, *value_fields):
            existing[(obj.child_id, *(getattr(obj, k) for k in key_fields))] = obj
    result = WriteResult()
    new: list[Any] = []
    changed: list[Any] = []
    entries: list[ChangeLog] = []
    created_by_region: dict[str, int] = defaultdict(int)
    for rec in records:
        cid = int(rec["child_id"])
        key = (cid, *(rec[k] for k in key_fields))
        values = {k: rec[k] for k in value_fields if k in rec}
        obj = existing.get(key)
        if obj is None:
            code = facts[cid][0]
            obj = SimpleNamespace(
                pk=None,
                child_id=cid,
                region_code=code,
                **dict(zip(key_fields, key[1:], strict=True)),
                # a value absent from the record (an optional visitor) takes the field's default
                **{
                    **{k: cast(models.Field, model._meta.get_field(k)).get_default() for k in value_fields},
                    **values,
                },
            )
            new.append(obj)
            existing[key] = obj
            created_by_region[code] += 1
            continue
        diff = {k: [getattr(obj, k), v] for k, v in values.items() if getattr(obj, k) != v}
        if not diff:
            if obj.pk is not None:
                result.unchanged += 1
            continue
        for k, (_old, v) in diff.items():
            setattr(obj, k, v)
        if obj.pk is None:  # a later row of the same file for a row created above
            continue
        changed.append(obj)
        entries.append(build_entry(actor=actor, action=ChangeLog.Action.UPDATE, target=obj, changes=diff))
    _insert_rows(model, ["child_id", "region_code", *key_fields, *value_fields], new, progress)
    if changed:
        model.objects.bulk_update(changed, list(value_fields), batch_size=1000)  # type: ignore[attr-defined]
    for code, n in sorted(created_by_region.items()):
        entries.append(summary_entry(actor=actor, model=model, region_code=code, count=n, note="bulk"))
    log_many(entries)
    result.created = len(new)
    result.updated = len(changed)
    return result


@transaction.atomic
def newborn_visits_upsert_many(
    *, actor: Any, records: Iterable[Mapping[str, Any]], progress: Progress = _noop
) -> WriteResult:
    """``records``: child_id, visited_on, optional visitor. Keyed by (child, date)."""
    return _followup_many(
        actor=actor,
        records=list(records),
        model=NewbornVisit,
        key_fields=("visited_on",),
        value_fields=("visitor",),
        date_field="visited_on",
        extra_check=None,
        progress=progress,
    )


@transaction.atomic
def child_checks_upsert_many(
    *, actor: Any, records: Iterable[Mapping[str, Any]], progress: Progress = _noop
) -> WriteResult:
    """``records``: child_id, age_point, checked_on. Keyed by (child, age point)."""
    points = set(ChildHealthCheck.AgePoint.values)

    def check(rec: Mapping[str, Any], birth: dt.date) -> Any | None:
        return None if rec["age_point"] in points else _("Unknown age point.")

    return _followup_many(
        actor=actor,
        records=list(records),
        model=ChildHealthCheck,
        key_fields=("age_point",),
        value_fields=("checked_on",),
        date_field="checked_on",
        extra_check=check,
        progress=progress,
    )


@transaction.atomic
def vaccinations_upsert_many(
    *, actor: Any, records: Iterable[Mapping[str, Any]], progress: Progress = _noop
) -> WriteResult:
    """``records``: child_id, vaccine, dose, given_on. Keyed by (child, vaccine, dose); the dose
    must be in the child's edition of the schedule."""
    rules = child_rules()
    known: dict[dt.date, frozenset[tuple[str, int]]] = {}

    def check(rec: Mapping[str, Any], birth: dt.date) -> Any | None:
        doses = known.get(birth)
        if doses is None:
            doses = known[birth] = rules.known_doses(birth)
        if (rec["vaccine"], rec["dose"]) not in doses:
            return fmt(
                _("%(dose)s is not in the child's immunisation schedule."),
                dose=f"{rec['vaccine']} {rec['dose']}",
            )
        return None

    return _followup_many(
        actor=actor,
        records=list(records),
        model=Vaccination,
        key_fields=("vaccine", "dose"),
        value_fields=("given_on",),
        date_field="given_on",
        extra_check=check,
        progress=progress,
    )
