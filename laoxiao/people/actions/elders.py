"""The registry of older people: the person, their categories, hand-over between regions, death.

Every write is one transaction and checks, in this order: scope (the person's region, and a new
region, within the actor's regions, else ``NotFound``), sector (elder records need the elder-care
sector, else ``PermissionDenied``), then content (``ValidationError`` with a field dict); it writes
its ``ChangeLog`` rows in the same transaction, one per change. The follow-up of a person lives in
``assessments.py``, ``visits.py`` and ``health_checks.py``; the bulk upsert of the registry (imports,
the demo city) in ``elders_bulk.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.access import in_region, require_region, require_sector
from laoxiao.core.bulk import BATCH, chunks
from laoxiao.core.bulk import summary_entry as summary_entry  # the demo city imports it from here
from laoxiao.core.changelog import build_entry, log_change, log_many
from laoxiao.core.crypto import blind_index
from laoxiao.core.i18n import fmt
from laoxiao.core.models import ChangeLog
from laoxiao.people import lifecycle
from laoxiao.people.actions.assessments import (
    ScoringCache as ScoringCache,  # the demo city imports it from here
)
from laoxiao.people.actions.elder_checks import add_months as add_months  # the demo city imports it from here
from laoxiao.people.actions.elder_checks import (
    check_elder_id,
    check_event_date,
    county_codes,
    elder_in_scope,
    field_error,
)
from laoxiao.people.actions.scope import elder_community, not_registrable
from laoxiao.people.models import (
    AbilityAssessment,
    Contact,
    Elder,
    ElderCategory,
    HealthCheck,
    WelfareVisit,
)
from laoxiao.providers.models import ELDERCARE_KINDS, Provider

ELDER_FIELDS = (
    "name",
    "phone",
    "address",
    "region_code",
    "living_arrangement",
    "provider_id",
    "consent_data_sharing",
    "consent_on",
    "died_on",
    "moved_out_on",
    "home_lon",
    "home_lat",
)
# a home position (WGS-84) must lie within China's extent; both coordinates or neither
HOME_LON_RANGE = (73.0, 136.0)
HOME_LAT_RANGE = (3.0, 54.0)
FOLLOW_UP_MODELS: tuple[type[Model], ...] = (
    ElderCategory,
    Contact,
    AbilityAssessment,
    WelfareVisit,
    HealthCheck,
)


def _clean_elder_data(data: Mapping[str, Any], *, creating: bool, today: dt.date) -> dict[str, Any]:
    unknown = set(data) - {"id_number", *ELDER_FIELDS}
    if unknown:
        raise ValidationError({k: _("Unknown field.") for k in sorted(unknown)})
    clean: dict[str, Any] = {k: data[k] for k in ELDER_FIELDS if k in data}
    for key in ("name", "phone", "address", "living_arrangement"):
        if key in clean:
            clean[key] = (clean[key] or "").strip()
    errors: dict[str, Any] = {}
    if creating:
        for key in ("name", "region_code"):
            if not clean.get(key):
                errors[key] = _("This field is required.")
    elif "name" in clean and not clean["name"]:
        errors["name"] = _("This field is required.")
    arrangement = clean.get("living_arrangement")
    if arrangement and arrangement not in Elder.LivingArrangement.values:
        errors["living_arrangement"] = _("Unknown living arrangement.")
    inst_id = clean.get("provider_id")
    if inst_id is not None:
        kind = Provider.objects.filter(pk=inst_id).values_list("kind", flat=True).first()
        if kind is None or kind not in ELDERCARE_KINDS:
            errors["provider_id"] = _("No such elder-care provider.")
    for key in ("died_on", "moved_out_on", "consent_on"):
        if clean.get(key) and clean[key] > today:
            errors[key] = _("The date is in the future.")
    errors.update(home_position_errors(clean))
    if errors:
        raise ValidationError(errors)
    return clean


def home_position_errors(data: Mapping[str, Any]) -> dict[str, Any]:
    """Errors of a home position in ``data`` (``home_lon``, ``home_lat``): both or neither, each a
    number within China's extent (WGS-84 degrees)."""
    if "home_lon" not in data and "home_lat" not in data:
        return {}
    lon, lat = data.get("home_lon"), data.get("home_lat")
    if (lon is None) != (lat is None):
        missing = "home_lat" if lat is None else "home_lon"
        return {missing: _("Give both the longitude and the latitude of the home, or neither.")}
    errors: dict[str, Any] = {}
    for key, value, (lo, hi) in (("home_lon", lon, HOME_LON_RANGE), ("home_lat", lat, HOME_LAT_RANGE)):
        if value is None:
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            errors[key] = _("Not a number.")
            continue
        if not lo <= number <= hi:
            errors[key] = fmt(_("Must be between %(lo)s and %(hi)s."), lo=lo, hi=hi)
    return errors


@transaction.atomic
def elder_upsert(*, actor: User, data: Mapping[str, Any]) -> Elder:
    """Create or update an older person by ID number (blind index): an existing person is updated,
    never duplicated. Fields absent from ``data`` are left alone. A changed region hands the person
    over (``elder_handover``); a death date closes their categories (``elder_death``)."""
    require_sector(actor, "eldercare")
    today = clock.today()
    try:
        info = check_elder_id(str(data.get("id_number") or ""), today=today, extra_codes=county_codes())
    except ValidationError as exc:
        raise field_error("id_number", exc) from None
    elder = Elder.objects.select_for_update().filter(id_number_hash=blind_index(info.number)).first()
    clean = _clean_elder_data(data, creating=elder is None, today=today)
    died_on = clean.pop("died_on", None) if "died_on" in clean else None
    if died_on is not None and died_on < info.birth_date:
        raise ValidationError({"died_on": _("The date is before the person was born.")})
    if elder is None:
        require_region(actor, clean["region_code"])
        region = elder_community(clean["region_code"])
        elder = Elder(id_number=info.number, sex=info.sex, birth_date=info.birth_date, region=region, **clean)
        elder.save()
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=elder,
            changes={k: [None, getattr(elder, k)] for k in ("id_number", "sex", "birth_date", *clean)},
        )
    else:
        if not in_region(actor, elder.region_code):
            # the same answer as a conflict of numbers: nothing about other counties (scope.py)
            raise not_registrable()
        new_code = clean.pop("region_code", elder.region_code)
        if new_code != elder.region_code:
            require_region(actor, new_code)
            elder = elder_handover(actor=actor, elder=elder, to_region_code=new_code, on=today)
        changes = {k: [getattr(elder, k), v] for k, v in clean.items() if getattr(elder, k) != v}
        if changes:
            for k, (_old, v) in changes.items():
                setattr(elder, k, v)
            elder.save(update_fields=[*changes, "updated_at"])
            log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=elder, changes=changes)
            if "moved_out_on" in changes and elder.moved_out_on is not None:
                lifecycle.person_ended(
                    actor=actor,
                    kind="elder",
                    pk=elder.pk,
                    ended_on=elder.moved_out_on,
                    reason=lifecycle.MOVED_OUT,
                )
    if died_on is not None and died_on != elder.died_on:
        elder = elder_death(actor=actor, elder=elder, died_on=died_on)
    return elder


def open_categories(elder: Elder) -> list[ElderCategory]:
    return list(ElderCategory.objects.filter(elder=elder, valid_to__isnull=True).order_by("category"))


def check_categories(categories: Iterable[str], support_mode: str | None) -> tuple[list[str], str]:
    cats = sorted(set(categories))
    errors: dict[str, Any] = {}
    bad = [c for c in cats if c not in ElderCategory.Category.values]
    if bad:
        errors["categories"] = fmt(_("Unknown category: %(codes)s."), codes=", ".join(bad))
    mode = support_mode or ""
    if mode and mode not in ElderCategory.SupportMode.values:
        errors["support_mode"] = _("Unknown support mode.")
    elif mode and "extreme_poverty" not in cats:
        errors["support_mode"] = _("A support mode is only given for extreme poverty.")
    elif not mode and "extreme_poverty" in cats:
        errors["support_mode"] = _("Extreme poverty needs a support mode (institutional or dispersed).")
    if errors:
        raise ValidationError(errors)
    return cats, mode


@transaction.atomic
def elder_set_categories(
    *, actor: User, elder: Elder, categories: list[str], support_mode: str | None, on: dt.date
) -> list[ElderCategory]:
    """Make ``categories`` the person's open categories from ``on``: the others close the day
    before (a row opened on or after ``on`` is removed), new ones open on ``on``. A changed support
    mode closes the extreme-poverty row and opens another. Returns the open rows."""
    elder_in_scope(actor, elder)
    require_sector(actor, "eldercare")
    cats, mode = check_categories(categories, support_mode)
    if on > clock.today():
        raise ValidationError({"on": _("The date is in the future.")})
    if elder.died_on is not None and on > elder.died_on:
        raise ValidationError({"on": _("The date is after the person died.")})
    entries: list[ChangeLog] = []
    new: list[ElderCategory] = []
    apply_categories(
        actor=actor,
        elder_id=elder.pk,
        region_code=elder.region_code,
        open_rows=open_categories(elder),
        cats=cats,
        mode=mode,
        on=on,
        entries=entries,
        new=new,
    )
    ElderCategory.objects.bulk_create(new)
    for row in new:
        entries.append(category_entry(actor, row, ChangeLog.Action.CREATE))
    log_many(entries)
    return open_categories(elder)


def category_entry(
    actor: User, row: ElderCategory, action: str, changes: dict[str, Any] | None = None
) -> ChangeLog:
    return build_entry(
        actor=actor,
        action=action,
        target=row,
        changes=changes
        or {
            "category": [None, row.category],
            "support_mode": [None, row.support_mode],
            "valid_from": [None, row.valid_from],
        },
    )


def apply_categories(
    *,
    actor: User,
    elder_id: int,
    region_code: str,
    open_rows: list[ElderCategory],
    cats: list[str],
    mode: str,
    on: dt.date,
    entries: list[ChangeLog],
    new: list[ElderCategory],
) -> bool:
    """Close, remove and open rows so that ``cats`` are open from ``on``; unsaved new rows go to
    ``new`` (the caller bulk-creates them and logs them). Returns whether anything changed."""
    changed = False
    keep: set[str] = set()
    for row in open_rows:
        wanted = row.category in cats and (row.category != "extreme_poverty" or row.support_mode == mode)
        if wanted:
            keep.add(row.category)
            continue
        changed = True
        if row.valid_from >= on:
            entries.append(build_entry(actor=actor, action=ChangeLog.Action.DELETE, target=row))
            row.delete()
        else:
            old = row.valid_to
            row.valid_to = on - dt.timedelta(days=1)
            row.save(update_fields=["valid_to"])
            entries.append(
                category_entry(actor, row, ChangeLog.Action.UPDATE, {"valid_to": [old, row.valid_to]})
            )
    for cat in cats:
        if cat in keep:
            continue
        changed = True
        new.append(
            ElderCategory(
                elder_id=elder_id,
                region_code=region_code,
                category=cat,
                support_mode=mode if cat == "extreme_poverty" else "",
                valid_from=on,
            )
        )
    return changed


@transaction.atomic
def elder_handover(*, actor: User, elder: Elder, to_region_code: str, on: dt.date) -> Elder:
    """Hand a person over to another community (often another district): the record and every
    follow-up row take the new region code; the change log gets a hand-over row under the old and
    under the new region, so both sides see it. The actor must be able to act on the old region."""
    elder_in_scope(actor, elder)
    require_sector(actor, "eldercare")
    region = elder_community(to_region_code, "to_region_code")
    old = elder.region_code
    if region.code == old:
        raise ValidationError({"to_region_code": _("The person is already registered there.")})
    if on > clock.today():
        raise ValidationError({"on": _("The date is in the future.")})
    move_follow_up(elder_ids=[elder.pk], to_code=region.code)
    elder.region = region
    elder.region_code = region.code
    elder.save(update_fields=["region", "region_code", "updated_at"])
    changes: dict[str, list[Any]] = {"region_code": [old, region.code], "on": [None, on]}
    entries = [
        build_entry(
            actor=actor, action=ChangeLog.Action.HANDOVER, target=elder, changes=changes, region_code=code
        )
        for code in (old, region.code)
    ]
    log_many(entries)
    return elder


def move_follow_up(*, elder_ids: list[int], to_code: str) -> None:
    for model in FOLLOW_UP_MODELS:
        model._default_manager.filter(elder_id__in=elder_ids).update(region_code=to_code)


@transaction.atomic
def elder_death(*, actor: User, elder: Elder, died_on: dt.date) -> Elder:
    """Record a death: open categories close on that day, no visit or check is accepted after it,
    and the person leaves the visit list from the next day."""
    elder_in_scope(actor, elder)
    require_sector(actor, "eldercare")
    try:
        check_event_date(died_on, birth_date=elder.birth_date, died_on=None)
    except ValidationError as exc:
        raise field_error("died_on", exc) from None
    later = [
        str(m._meta.verbose_name)
        for m, field in (
            (WelfareVisit, "visited_on"),
            (HealthCheck, "checked_on"),
            (AbilityAssessment, "assessed_on"),
        )
        if m._default_manager.filter(elder=elder, **{f"{field}__gt": died_on}).exists()
    ]
    if later:
        raise ValidationError(
            {"died_on": fmt(_("Records are dated after this day: %(what)s."), what=", ".join(later))}
        )
    old = elder.died_on
    if old == died_on:
        return elder
    elder.died_on = died_on
    elder.save(update_fields=["died_on", "updated_at"])
    entries = [
        build_entry(
            actor=actor, action=ChangeLog.Action.STATUS, target=elder, changes={"died_on": [old, died_on]}
        )
    ]
    close_categories(actor=actor, elder_ids=[elder.pk], died_on={elder.pk: died_on}, entries=entries)
    log_many(entries)
    # other apps' work at the end of a record (benefits stops payments), in this transaction
    lifecycle.person_ended(actor=actor, kind="elder", pk=elder.pk, ended_on=died_on, reason=lifecycle.DEATH)
    return elder


def close_categories(
    *, actor: User, elder_ids: list[int], died_on: Mapping[int, dt.date], entries: list[ChangeLog]
) -> None:
    """Close the categories of the dead at their death date (rows starting later are removed)."""
    changed: list[ElderCategory] = []
    gone: list[int] = []
    for ids in chunks(elder_ids):
        for row in ElderCategory.objects.filter(elder_id__in=ids):
            day = died_on[row.elder_id]
            if row.valid_from > day:
                entries.append(build_entry(actor=actor, action=ChangeLog.Action.DELETE, target=row))
                gone.append(row.pk)
            elif row.valid_to is None or row.valid_to > day:
                entries.append(
                    category_entry(actor, row, ChangeLog.Action.UPDATE, {"valid_to": [row.valid_to, day]})
                )
                row.valid_to = day
                changed.append(row)
    ElderCategory.objects.bulk_update(changed, ["valid_to"], batch_size=BATCH)
    for ids in chunks(gone):
        ElderCategory.objects.filter(pk__in=ids).delete()
