"""Writes of older people and their follow-up: registry, categories, ability assessments, welfare
visits, yearly health checks, hand-over between regions, death; and the bulk upserts that imports
and the demo city use.

Every write is one transaction, checks scope first (the elder's region, and a new region, within
the actor's regions, else ``NotFound``) and sector second (elder records need the elder-care
sector; health checks also accept the health sector, else ``PermissionDenied``), raises
``ValidationError`` with a field dict for bad input, and writes its ``ChangeLog`` rows: one per
change, except that the bulk upserts of follow-up (assessments, visits, checks) log their
creations as one summary row per community and call (``changes = {"rows": [null, n]}``, as the
children's bulk writes do): the created rows are themselves the record, and the demo city must not
write a million log rows. Updates are always logged row by row; so is every person of the registry.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core.changelog import build_entry, log_change, log_many
from laoxiao.core.crypto import blind_index
from laoxiao.core.errors import NotFound
from laoxiao.core.i18n import fmt
from laoxiao.core.idnumbers import IdInfo, parse_id_number
from laoxiao.core.models import ChangeLog, RuleVersion
from laoxiao.core.rules import RuleMissing, rule, rule_version
from laoxiao.imports.base import WriteResult
from laoxiao.people.assessment import ItemError, Result, ScoringRules, score
from laoxiao.people.models import (
    AbilityAssessment,
    Contact,
    Elder,
    ElderCategory,
    HealthCheck,
    WelfareVisit,
)
from laoxiao.people.visitlist import birthday
from laoxiao.providers.models import ELDERCARE_KINDS, Provider
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import code_within

ELDER_AGE = 60
HEALTH_CHECK_AGE = 65
BATCH = 2000

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
)
VISIT_FIELDS = ("visitor", "findings", "needs", "follow_up", "routed_to_provider_id", "routed_to_region")
ASSESSMENT_FIELDS = (
    "reason",
    "items",
    "self_care",
    "mobility",
    "mental",
    "perception",
    "total",
    "preliminary_level",
    "coma",
    "dementia",
    "psychiatric",
    "risk_events_30d",
    "level",
    "assessor",
    "next_due_on",
    "rule_version",
)
FOLLOW_UP_MODELS: tuple[type[Model], ...] = (
    ElderCategory,
    Contact,
    AbilityAssessment,
    WelfareVisit,
    HealthCheck,
)

_MODEL_FIELD = {"provider_id": "provider", "region_id": "region"}

Progress = Callable[[int], None]
T = TypeVar("T")


def _noop(n: int) -> None:
    return None


def _today() -> dt.date:
    return timezone.localdate()


def _chunks(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- checks ------------------------------------------------------------------------------------


def require_region(actor: User, code: str) -> None:
    """The actor may act on ``code`` (their regions and below), else ``NotFound``."""
    if not actor.is_active or not code or not code_within(code, actor.region_prefixes()):
        raise NotFound(code)


def require_sector(actor: User, *sectors: str) -> None:
    if not set(sectors) & actor.sectors():
        raise PermissionDenied(_("Your role does not work with these records."))


def _community(code: str, field: str = "region_code") -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationError({field: _("No such region is loaded.")})
    if region.level != "community":
        raise ValidationError({field: _("An older person is registered in a community or village.")})
    return region


def county_codes() -> set[str]:
    """Six-digit codes of the loaded counties (accepted in ID numbers besides the national table)."""
    return {c[:6] for c in Region.objects.filter(level="county").values_list("code", flat=True)}


def check_elder_id(number: str, *, today: dt.date | None = None, extra_codes: Iterable[str] = ()) -> IdInfo:
    """Parse an ID number and check that its holder is 60 or older today; ValidationError otherwise."""
    today = today or _today()
    info = parse_id_number(number, today=today, extra_codes=set(extra_codes))
    if birthday(info.birth_date, ELDER_AGE) > today:
        raise ValidationError(_("The person is not yet 60 years old."), code="age")
    return info


def check_event_date(
    day: dt.date, *, birth_date: dt.date, died_on: dt.date | None, today: dt.date | None = None
) -> None:
    """A follow-up date is not before birth, not after death and not in the future."""
    today = today or _today()
    if day > today:
        raise ValidationError(_("The date is in the future."), code="future")
    if day < birth_date:
        raise ValidationError(_("The date is before the person was born."), code="before_birth")
    if died_on is not None and day > died_on:
        raise ValidationError(_("The date is after the person died."), code="after_death")


def _field_error(field: str, exc: ValidationError) -> ValidationError:
    return ValidationError({field: exc.error_list})


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


# --- rules --------------------------------------------------------------------------------------


class ScoringCache:
    """The scoring table in force on each date, read once per call (bulk writes score many rows)."""

    def __init__(self) -> None:
        versions = list(RuleVersion.objects.filter(key="assessment.scoring").order_by("effective_from"))
        raises = list(RuleVersion.objects.filter(key="assessment.max_raises").order_by("effective_from"))
        months = list(
            RuleVersion.objects.filter(key="assessment.reassessment_interval_months").order_by(
                "effective_from"
            )
        )
        self._versions = versions
        self._starts = [v.effective_from for v in versions]
        self._raises = [(v.effective_from, int(v.data["max_raises"])) for v in raises]
        self._months = [(v.effective_from, int(v.data["months"])) for v in months]
        self._built: dict[tuple[int, int | None], ScoringRules] = {}

    @staticmethod
    def _at(pairs: list[tuple[dt.date, int]], on: dt.date) -> int | None:
        found = None
        for start, value in pairs:
            if start <= on:
                found = value
        return found

    def rules(self, on: dt.date) -> ScoringRules:
        i = bisect.bisect_right(self._starts, on) - 1
        if i < 0:
            raise RuleMissing(f"no version of rule 'assessment.scoring' in force on {on}")
        raises = self._at(self._raises, on)
        key = (i, raises)
        if key not in self._built:
            v = self._versions[i]
            self._built[key] = ScoringRules.from_data(
                v.data, max_raises=raises, version=f"assessment.scoring@{v.effective_from.isoformat()}"
            )
        return self._built[key]

    def interval_months(self, on: dt.date) -> int | None:
        return self._at(self._months, on)


def scoring_rules(on: dt.date) -> ScoringRules:
    """The scoring table in force on ``on`` (for pages that score before saving)."""
    v = rule_version("assessment.scoring", on=on)
    try:
        raises = int(rule("assessment.max_raises", on=on)["max_raises"])
    except RuleMissing:
        raises = None
    return ScoringRules.from_data(v.data, max_raises=raises, version=f"assessment.scoring@{v.effective_from}")


# --- the registry -------------------------------------------------------------------------------


def _elder_in_scope(actor: User, elder: Elder) -> None:
    require_region(actor, elder.region_code)


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
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def elder_upsert(*, actor: User, data: Mapping[str, Any]) -> Elder:
    """Create or update an older person by ID number (blind index): an existing person is updated,
    never duplicated. Fields absent from ``data`` are left alone. A changed region hands the person
    over (``elder_handover``); a death date closes their categories (``elder_death``)."""
    require_sector(actor, "eldercare")
    today = _today()
    try:
        info = check_elder_id(str(data.get("id_number") or ""), today=today, extra_codes=county_codes())
    except ValidationError as exc:
        raise _field_error("id_number", exc) from None
    elder = Elder.objects.select_for_update().filter(id_number_hash=blind_index(info.number)).first()
    clean = _clean_elder_data(data, creating=elder is None, today=today)
    died_on = clean.pop("died_on", None) if "died_on" in clean else None
    if died_on is not None and died_on < info.birth_date:
        raise ValidationError({"died_on": _("The date is before the person was born.")})
    if elder is None:
        require_region(actor, clean["region_code"])
        region = _community(clean["region_code"])
        elder = Elder(id_number=info.number, sex=info.sex, birth_date=info.birth_date, region=region, **clean)
        elder.save()
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=elder,
            changes={k: [None, getattr(elder, k)] for k in ("id_number", "sex", "birth_date", *clean)},
        )
    else:
        if not code_within(elder.region_code, actor.region_prefixes()):
            # the same answer as a conflict of numbers: nothing about other counties (handover.py)
            from laoxiao.people.actions.handover import not_registrable

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
    if died_on is not None and died_on != elder.died_on:
        elder = elder_death(actor=actor, elder=elder, died_on=died_on)
    return elder


def _categories_on(elder: Elder) -> list[ElderCategory]:
    return list(ElderCategory.objects.filter(elder=elder, valid_to__isnull=True).order_by("category"))


def _check_categories(categories: Iterable[str], support_mode: str | None) -> tuple[list[str], str]:
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
    _elder_in_scope(actor, elder)
    require_sector(actor, "eldercare")
    cats, mode = _check_categories(categories, support_mode)
    if on > _today():
        raise ValidationError({"on": _("The date is in the future.")})
    if elder.died_on is not None and on > elder.died_on:
        raise ValidationError({"on": _("The date is after the person died.")})
    entries: list[ChangeLog] = []
    new: list[ElderCategory] = []
    _apply_categories(
        actor=actor,
        elder_id=elder.pk,
        region_code=elder.region_code,
        open_rows=_categories_on(elder),
        cats=cats,
        mode=mode,
        on=on,
        entries=entries,
        new=new,
    )
    ElderCategory.objects.bulk_create(new)
    for row in new:
        entries.append(_category_entry(actor, row, ChangeLog.Action.CREATE))
    log_many(entries)
    return _categories_on(elder)


def _category_entry(
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


def _apply_categories(
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
                _category_entry(actor, row, ChangeLog.Action.UPDATE, {"valid_to": [old, row.valid_to]})
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
    _elder_in_scope(actor, elder)
    require_sector(actor, "eldercare")
    region = _community(to_region_code, "to_region_code")
    old = elder.region_code
    if region.code == old:
        raise ValidationError({"to_region_code": _("The person is already registered there.")})
    if on > _today():
        raise ValidationError({"on": _("The date is in the future.")})
    _move(elder_ids=[elder.pk], to_code=region.code)
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


def _move(*, elder_ids: list[int], to_code: str) -> None:
    for model in FOLLOW_UP_MODELS:
        model._default_manager.filter(elder_id__in=elder_ids).update(region_code=to_code)  # type: ignore[misc]


@transaction.atomic
def elder_death(*, actor: User, elder: Elder, died_on: dt.date) -> Elder:
    """Record a death: open categories close on that day, no visit or check is accepted after it,
    and the person leaves the visit list from the next day."""
    _elder_in_scope(actor, elder)
    require_sector(actor, "eldercare")
    try:
        check_event_date(died_on, birth_date=elder.birth_date, died_on=None)
    except ValidationError as exc:
        raise _field_error("died_on", exc) from None
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
    _close_categories(actor=actor, elder_ids=[elder.pk], died_on={elder.pk: died_on}, entries=entries)
    log_many(entries)
    return elder


def _close_categories(
    *, actor: User, elder_ids: list[int], died_on: Mapping[int, dt.date], entries: list[ChangeLog]
) -> None:
    """Close the categories of the dead at their death date (rows starting later are removed)."""
    changed: list[ElderCategory] = []
    gone: list[int] = []
    for ids in _chunks(elder_ids):
        for row in ElderCategory.objects.filter(elder_id__in=ids):
            day = died_on[row.elder_id]
            if row.valid_from > day:
                entries.append(build_entry(actor=actor, action=ChangeLog.Action.DELETE, target=row))
                gone.append(row.pk)
            elif row.valid_to is None or row.valid_to > day:
                entries.append(
                    _category_entry(actor, row, ChangeLog.Action.UPDATE, {"valid_to": [row.valid_to, day]})
                )
                row.valid_to = day
                changed.append(row)
    ElderCategory.objects.bulk_update(changed, ["valid_to"], batch_size=BATCH)
    for ids in _chunks(gone):
        ElderCategory.objects.filter(pk__in=ids).delete()


# --- follow-up ----------------------------------------------------------------------------------


def _check_follow_up_date(elder: Elder, day: dt.date, field: str) -> None:
    try:
        check_event_date(day, birth_date=elder.birth_date, died_on=elder.died_on)
    except ValidationError as exc:
        raise _field_error(field, exc) from None


def _scored(cache: ScoringCache, rec: Mapping[str, Any], on: dt.date) -> tuple[Result, ScoringRules]:
    rules = cache.rules(on)
    try:
        result = score(
            rec["items"],
            rules=rules,
            coma=bool(rec.get("coma")),
            dementia=bool(rec.get("dementia")),
            psychiatric=bool(rec.get("psychiatric")),
            risk_events_30d=int(rec.get("risk_events_30d") or 0),
        )
    except ItemError as exc:
        raise ValidationError({exc.item: exc.message}) from None
    return result, rules


def _assessment_values(cache: ScoringCache, rec: Mapping[str, Any]) -> dict[str, Any]:
    on: dt.date = rec["assessed_on"]
    result, rules = _scored(cache, rec, on)
    months = cache.interval_months(on)
    return {
        "reason": rec["reason"],
        "items": result.items,
        "self_care": result.domains["self_care"],
        "mobility": result.domains["mobility"],
        "mental": result.domains["mental"],
        "perception": result.domains["perception"],
        "total": result.total,
        "preliminary_level": result.preliminary_level,
        "coma": bool(rec.get("coma")),
        "dementia": bool(rec.get("dementia")),
        "psychiatric": bool(rec.get("psychiatric")),
        "risk_events_30d": int(rec.get("risk_events_30d") or 0),
        "level": result.level,
        "assessor": rec.get("assessor") or "",
        "next_due_on": add_months(on, months) if months else None,
        "rule_version": rules.version[:40],
    }


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    elder: Elder,
    assessed_on: dt.date,
    reason: str,
    items: Mapping[str, int],
    coma: bool = False,
    dementia: bool = False,
    psychiatric: bool = False,
    risk_events_30d: int = 0,
    assessor: str = "",
) -> AbilityAssessment:
    """Score and store an assessment with the scoring table in force on ``assessed_on`` (one per
    person and day: recording the same day again updates it)."""
    _elder_in_scope(actor, elder)
    require_sector(actor, "eldercare")
    _check_follow_up_date(elder, assessed_on, "assessed_on")
    if reason not in AbilityAssessment.Reason.values:
        raise ValidationError({"reason": _("Unknown assessment reason.")})
    try:
        values = _assessment_values(
            ScoringCache(),
            {
                "assessed_on": assessed_on,
                "reason": reason,
                "items": items,
                "coma": coma,
                "dementia": dementia,
                "psychiatric": psychiatric,
                "risk_events_30d": risk_events_30d,
                "assessor": assessor,
            },
        )
    except RuleMissing:
        raise ValidationError({"assessed_on": _("No scoring table is in force on this date.")}) from None
    row = AbilityAssessment.objects.filter(elder=elder, assessed_on=assessed_on).first()
    if row is None:
        row = AbilityAssessment.objects.create(
            elder=elder, region_code=elder.region_code, assessed_on=assessed_on, **values
        )
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=row,
            changes=_snapshot(values, assessed_on=assessed_on),
        )
        return row
    changes = {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}
    if changes:
        for k, (_old, v) in changes.items():
            setattr(row, k, v)
        row.save(update_fields=list(changes))
        log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=row, changes=changes)
    return row


def _snapshot(values: Mapping[str, Any], **extra: Any) -> dict[str, list[Any]]:
    return {k: [None, v] for k, v in {**extra, **values}.items() if k != "items"}


@transaction.atomic
def welfare_visit_record(
    *,
    actor: User,
    elder: Elder,
    visited_on: dt.date,
    mode: str,
    visitor: str = "",
    findings: str = "",
    needs: str = "",
    follow_up: str = "",
    routed_to_provider: Provider | None = None,
    routed_to_region: str = "",
) -> WelfareVisit:
    """Record a welfare visit (one per person, day and mode: recording it again updates it).
    Needs raised can be routed to a provider or to an office (a region code)."""
    _elder_in_scope(actor, elder)
    require_sector(actor, "eldercare")
    _check_follow_up_date(elder, visited_on, "visited_on")
    errors: dict[str, Any] = {}
    if mode not in WelfareVisit.Mode.values:
        errors["mode"] = _("Unknown visit mode.")
    if routed_to_region and not Region.objects.filter(code=routed_to_region).exists():
        errors["routed_to_region"] = _("No such region is loaded.")
    if errors:
        raise ValidationError(errors)
    values: dict[str, Any] = {
        "visitor": visitor.strip(),
        "findings": findings.strip(),
        "needs": needs.strip(),
        "follow_up": follow_up.strip(),
        "routed_to_provider_id": routed_to_provider.pk if routed_to_provider else None,
        "routed_to_region": routed_to_region,
    }
    row = (
        WelfareVisit.objects.select_for_update().filter(elder=elder, visited_on=visited_on, mode=mode).first()
    )
    if row is None:
        try:
            # The (elder, day, mode) constraint decides between parallel identical requests: the
            # loser's insert waits for the winner's commit, fails, and updates the winner's row.
            with transaction.atomic():
                row = WelfareVisit.objects.create(
                    elder=elder, region_code=elder.region_code, visited_on=visited_on, mode=mode, **values
                )
        except IntegrityError:
            row = WelfareVisit.objects.select_for_update().get(elder=elder, visited_on=visited_on, mode=mode)
        else:
            log_change(
                actor=actor,
                action=ChangeLog.Action.CREATE,
                target=row,
                changes=_snapshot(values, visited_on=visited_on, mode=mode),
            )
            row.was_created = True  # type: ignore[attr-defined]  # the API answers 201 only then
            return row
    row.was_created = False  # type: ignore[attr-defined]
    changes = {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}
    if changes:
        for k, (_old, v) in changes.items():
            setattr(row, k, v)
        row.save(update_fields=list(changes))
        log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=row, changes=changes)
    return row


def check_health_check_age(birth_date: dt.date, checked_on: dt.date) -> None:
    if birthday(birth_date, HEALTH_CHECK_AGE) > checked_on:
        raise ValidationError(_("The yearly health management is for people aged 65 and over."), code="age")


@transaction.atomic
def health_check_record(
    *, actor: User, elder: Elder, checked_on: dt.date, provider: str = "", complete: bool = True
) -> HealthCheck:
    """Record a yearly health management check of a person aged 65+ (elder-care or health staff)."""
    _elder_in_scope(actor, elder)
    require_sector(actor, "eldercare", "health")
    _check_follow_up_date(elder, checked_on, "checked_on")
    try:
        check_health_check_age(elder.birth_date, checked_on)
    except ValidationError as exc:
        raise _field_error("checked_on", exc) from None
    values = {"provider": provider.strip(), "complete": bool(complete)}
    row = HealthCheck.objects.filter(elder=elder, checked_on=checked_on).first()
    if row is None:
        row = HealthCheck.objects.create(
            elder=elder, region_code=elder.region_code, checked_on=checked_on, **values
        )
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=row,
            changes=_snapshot(values, checked_on=checked_on),
        )
        return row
    changes = {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}
    if changes:
        for k, (_old, v) in changes.items():
            setattr(row, k, v)
        row.save(update_fields=list(changes))
        log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=row, changes=changes)
    return row


# --- bulk upserts (imports, the demo city) ---------------------------------------------------------


@dataclass(frozen=True)
class ElderRef:
    """What bulk writes of follow-up need of a person, without decrypting anything."""

    pk: int
    region_code: str
    birth_date: dt.date
    died_on: dt.date | None


def elder_refs(elder_ids: Iterable[int]) -> dict[int, ElderRef]:
    ids = sorted(set(elder_ids))
    out: dict[int, ElderRef] = {}
    for chunk in _chunks(ids):
        for pk, code, birth, died in Elder.objects.filter(pk__in=chunk).values_list(
            "pk", "region_code", "birth_date", "died_on"
        ):
            out[pk] = ElderRef(pk, code, birth, died)
    return out


def _refs_checked(actor: User, records: Sequence[Mapping[str, Any]], *sectors: str) -> dict[int, ElderRef]:
    require_sector(actor, *sectors)
    refs = elder_refs(r["elder_id"] for r in records)
    prefixes = actor.region_prefixes()
    for rec in records:
        ref = refs.get(rec["elder_id"])
        if ref is None or not code_within(ref.region_code, prefixes):
            raise NotFound(str(rec["elder_id"]))
    return refs


def _check_dates(
    records: Sequence[Mapping[str, Any]], refs: Mapping[int, ElderRef], field: str, today: dt.date
) -> None:
    for rec in records:
        ref = refs[rec["elder_id"]]
        try:
            check_event_date(rec[field], birth_date=ref.birth_date, died_on=ref.died_on, today=today)
        except ValidationError as exc:
            raise ValidationError(
                {field: fmt(_("%(date)s: %(reason)s"), date=rec[field], reason=exc.messages[0])}
            ) from None


@transaction.atomic
def elders_upsert_many(
    *,
    actor: User,
    records: Iterable[Mapping[str, Any]],
    on: dt.date | None = None,
    progress: Progress = _noop,
) -> WriteResult:
    """Create or update older people by ID number, fast (imports, the demo city).

    A record holds ``id_number`` and any of the elder fields (``name``, ``phone``, ``address``,
    ``region_code``, ``living_arrangement``, ``provider_id``, ``died_on``...); a key that is
    absent leaves the stored value alone. ``categories`` (codes) with ``support_mode`` make those the
    open categories: from ``categories_from`` if given, else for a person new to the registry from
    their 60th birthday (the start of their record: the true start is unknown), else from ``on``
    (today). A new region hands the person over (both regions' change logs); a death date closes
    the categories. Unchanged records are not touched.
    """
    require_sector(actor, "eldercare")
    today = _today()
    on = on or today
    extra = county_codes()
    prefixes = actor.region_prefixes()
    communities = set(Region.objects.filter(level="community").values_list("code", flat=True))
    recs = list(records)
    infos: list[IdInfo] = []
    for rec in recs:
        try:
            info = check_elder_id(str(rec.get("id_number") or ""), today=today, extra_codes=extra)
        except ValidationError as exc:
            raise _field_error("id_number", exc) from None
        infos.append(info)
        code = rec.get("region_code")
        if code is not None and (code not in communities):
            raise ValidationError({"region_code": fmt(_("Not a loaded community: %(code)s."), code=code)})
        if code is not None and not code_within(code, prefixes):
            raise NotFound(code)
    hashes = [blind_index(i.number) for i in infos]
    existing: dict[str, Elder] = {}
    for chunk in _chunks(sorted(set(hashes))):
        for e in Elder.objects.filter(id_number_hash__in=chunk):
            existing[e.id_number_hash] = e
    result = WriteResult()
    entries: list[ChangeLog] = []
    new: list[tuple[Elder, Mapping[str, Any]]] = []
    changed: dict[int, Elder] = {}
    changed_fields: set[str] = set()
    moves: dict[str, list[int]] = {}
    deaths: dict[int, dt.date] = {}
    category_work: list[tuple[Elder, Mapping[str, Any], bool]] = []
    seen: dict[str, Elder] = {}
    for rec, info, h in zip(recs, infos, hashes, strict=True):
        data = {k: rec[k] for k in ELDER_FIELDS if k in rec}
        for key in ("name", "phone", "address", "living_arrangement"):
            if key in data:
                data[key] = (data[key] or "").strip()
        if data.get("died_on") and data["died_on"] < info.birth_date:
            raise ValidationError({"died_on": _("The date is before the person was born.")})
        elder = existing.get(h) or seen.get(h)
        if elder is None:
            if not data.get("name") or not data.get("region_code"):
                raise ValidationError({"name": _("A new person needs a name and a region.")})
            elder = Elder(
                id_number=info.number,
                sex=info.sex,
                birth_date=info.birth_date,
                region_id=data["region_code"],
                **data,
            )
            new.append((elder, data))
            seen[h] = elder
            if "categories" in rec:
                category_work.append((elder, rec, True))
            continue
        if elder.pk is None:  # the same person twice in one call: the later row wins
            for k, v in data.items():
                setattr(elder, k, v)
            if "region_code" in data:
                elder.region_id = data["region_code"]
            if "categories" in rec:
                category_work = [w for w in category_work if w[0] is not elder]
                category_work.append((elder, rec, True))
            continue
        if not code_within(elder.region_code, prefixes):
            from laoxiao.people.actions.handover import not_registrable

            raise not_registrable()
        new_code = data.pop("region_code", elder.region_code)
        if new_code != elder.region_code:
            old_code = elder.region_code
            moves.setdefault(new_code, []).append(elder.pk)
            elder.region_id = new_code
            elder.region_code = new_code
            changed_fields.update({"region_id", "region_code"})
            changed[elder.pk] = elder
            hand = {"region_code": [old_code, new_code], "on": [None, on]}
            for code in (old_code, new_code):
                entries.append(
                    build_entry(
                        actor=actor,
                        action=ChangeLog.Action.HANDOVER,
                        target=elder,
                        changes=hand,
                        region_code=code,
                    )
                )
        diff = {k: [getattr(elder, k), v] for k, v in data.items() if getattr(elder, k) != v}
        if diff:
            for k, (_old, v) in diff.items():
                setattr(elder, k, v)
            changed[elder.pk] = elder
            changed_fields.update(diff)
            entries.append(
                build_entry(actor=actor, action=ChangeLog.Action.UPDATE, target=elder, changes=diff)
            )
            if "died_on" in diff and elder.died_on is not None:
                deaths[elder.pk] = elder.died_on
        if "categories" in rec:
            category_work.append((elder, rec, False))
        if elder.pk in changed:
            result.updated += 1
        else:
            result.unchanged += 1  # may still change by its categories: counted below
    # create
    to_create = [e for e, _d in new]
    for elders_chunk in _chunks(to_create):
        Elder.objects.bulk_create(elders_chunk, batch_size=BATCH)
        progress(len(elders_chunk))
    _fill_missing_pks(to_create)
    for elder, created_data in new:
        entries.append(
            build_entry(
                actor=actor,
                action=ChangeLog.Action.CREATE,
                target=elder,
                changes={k: [None, v] for k, v in (("id_number", elder.id_number), *created_data.items())},
            )
        )
        if elder.died_on:
            deaths[elder.pk] = elder.died_on
    result.created = len(new)
    # update
    for code, ids in moves.items():
        _move(elder_ids=ids, to_code=code)
    if changed:
        now = timezone.now()
        for elder in changed.values():
            elder.updated_at = now
        fields = sorted({_MODEL_FIELD.get(f, f) for f in changed_fields} | {"updated_at"})
        Elder.objects.bulk_update(list(changed.values()), fields, batch_size=BATCH)
    # categories
    created_pks = {e.pk for e, _d in new}
    for pk in _categories_many(actor=actor, work=category_work, on=on, entries=entries):
        if pk not in changed and pk not in created_pks:
            result.unchanged -= 1
            result.updated += 1
    if deaths:
        _close_categories(actor=actor, elder_ids=sorted(deaths), died_on=deaths, entries=entries)
    for entries_chunk in _chunks(entries):
        log_many(list(entries_chunk))
    return result


def _fill_missing_pks(objs: Sequence[Elder]) -> None:
    """Backends that do not return keys from bulk inserts: look them up by blind index."""
    missing = [o for o in objs if o.pk is None]
    if not missing:
        return
    by_hash = {o.id_number_hash: o for o in missing}
    for chunk in _chunks(sorted(by_hash)):
        for pk, h in Elder.objects.filter(id_number_hash__in=chunk).values_list("pk", "id_number_hash"):
            by_hash[h].pk = pk


def _categories_many(
    *, actor: User, work: list[tuple[Elder, Mapping[str, Any], bool]], on: dt.date, entries: list[ChangeLog]
) -> set[int]:
    """Apply the categories of many records; returns the pks of elders whose categories changed."""
    if not work:
        return set()
    open_rows: dict[int, list[ElderCategory]] = {}
    old_ids = [e.pk for e, _rec, is_new in work if not is_new]
    for chunk in _chunks(old_ids):
        for row in ElderCategory.objects.filter(elder_id__in=chunk, valid_to__isnull=True):
            open_rows.setdefault(row.elder_id, []).append(row)
    new: list[ElderCategory] = []
    touched: set[int] = set()
    for elder, rec, is_new in work:
        cats, mode = _check_categories(rec.get("categories") or [], rec.get("support_mode"))
        start = rec.get("categories_from") or (birthday(elder.birth_date, ELDER_AGE) if is_new else on)
        if elder.died_on is not None and start > elder.died_on:
            start = elder.died_on
        if _apply_categories(
            actor=actor,
            elder_id=elder.pk,
            region_code=elder.region_code,
            open_rows=open_rows.get(elder.pk, []),
            cats=cats,
            mode=mode,
            on=start,
            entries=entries,
            new=new,
        ):
            touched.add(elder.pk)
    ElderCategory.objects.bulk_create(new, batch_size=BATCH)
    for row in new:
        entries.append(_category_entry(actor, row, ChangeLog.Action.CREATE))
    return touched


def summary_entry(
    *, actor: User, model: type[Model], region_code: str, count: int, note: str = ""
) -> ChangeLog:
    """One change-log row standing for ``count`` rows of ``model`` created in one bulk write (the
    created rows are themselves the record; updates are still logged row by row)."""
    return ChangeLog(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        action=ChangeLog.Action.CREATE,
        target_type=model._meta.label_lower,
        target_id="",
        target_repr=f"{count} × {model._meta.verbose_name}"[:200],
        region_code=region_code,
        changes={"rows": [None, count]},
        note=note[:300],
    )


def _upsert_follow_up(
    *,
    actor: User,
    model: type[Any],
    records: Sequence[Mapping[str, Any]],
    refs: Mapping[int, ElderRef],
    key_fields: tuple[str, ...],
    values_of: Callable[[Mapping[str, Any]], dict[str, Any]],
    progress: Progress,
) -> WriteResult:
    """The shared body of the follow-up bulk upserts: natural key ``(elder_id, *key_fields)``."""
    result = WriteResult()
    existing: dict[tuple[Any, ...], Any] = {}
    elder_ids = sorted({r["elder_id"] for r in records})
    first_values = sorted({r[key_fields[0]] for r in records})
    narrow = {f"{key_fields[0]}__in": first_values} if len(first_values) <= 500 else {}
    for chunk in _chunks(elder_ids):
        for row in model.objects.filter(elder_id__in=chunk, **narrow):
            existing[(row.elder_id, *(getattr(row, f) for f in key_fields))] = row
    new: list[Any] = []
    changed: list[Any] = []
    changed_fields: set[str] = set()
    entries: list[ChangeLog] = []
    pending: dict[tuple[Any, ...], Any] = {}
    for rec in records:
        key = (rec["elder_id"], *(rec[f] for f in key_fields))
        values = values_of(rec)
        row = existing.get(key)
        if row is None:
            if key in pending:  # repeated in one call: the later row wins
                for k, v in values.items():
                    setattr(pending[key], k, v)
                continue
            row = model(
                elder_id=rec["elder_id"],
                region_code=refs[rec["elder_id"]].region_code,
                **{f: rec[f] for f in key_fields},
                **values,
            )
            pending[key] = row
            new.append(row)
            continue
        diff = {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}
        if not diff:
            result.unchanged += 1
            continue
        for k, (_old, v) in diff.items():
            setattr(row, k, v)
        changed.append(row)
        changed_fields.update(diff)
        entries.append(build_entry(actor=actor, action=ChangeLog.Action.UPDATE, target=row, changes=diff))
        result.updated += 1
    for chunk in _chunks(new):
        created = model.objects.bulk_create(chunk, batch_size=BATCH)
        if created and created[0].pk is None:  # backends that return no keys
            for obj in created:
                obj.pk = model.objects.get(
                    elder_id=obj.elder_id, **{f: getattr(obj, f) for f in key_fields}
                ).pk
        progress(len(chunk))
    per_region: dict[str, int] = {}
    for row in new:
        per_region[row.region_code] = per_region.get(row.region_code, 0) + 1
    for code, count in sorted(per_region.items()):
        entries.append(summary_entry(actor=actor, model=model, region_code=code, count=count, note="bulk"))
    result.created = len(new)
    if changed:
        model.objects.bulk_update(changed, sorted(changed_fields), batch_size=BATCH)
    for chunk in _chunks(entries):
        log_many(list(chunk))
    return result


@transaction.atomic
def assessments_upsert_many(
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = _noop
) -> WriteResult:
    """Create or update assessments by (elder_id, assessed_on), each scored with the table in force
    on its date. A record: ``elder_id, assessed_on, reason, items`` (26 scores), optionally ``coma,
    dementia, psychiatric, risk_events_30d, assessor``."""
    recs = list(records)
    refs = _refs_checked(actor, recs, "eldercare")
    today = _today()
    _check_dates(recs, refs, "assessed_on", today)
    for rec in recs:
        if rec["reason"] not in AbilityAssessment.Reason.values:
            raise ValidationError({"reason": _("Unknown assessment reason.")})
    cache = ScoringCache()

    def values(rec: Mapping[str, Any]) -> dict[str, Any]:
        return _assessment_values(cache, rec)

    try:
        return _upsert_follow_up(
            actor=actor,
            model=AbilityAssessment,
            records=recs,
            refs=refs,
            key_fields=("assessed_on",),
            values_of=values,
            progress=progress,
        )
    except RuleMissing:
        raise ValidationError({"assessed_on": _("No scoring table is in force on this date.")}) from None


@transaction.atomic
def welfare_visits_upsert_many(
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = _noop
) -> WriteResult:
    """Create or update welfare visits by (elder_id, visited_on, mode). A record: ``elder_id,
    visited_on, mode``, optionally ``visitor, findings, needs, follow_up``."""
    recs = list(records)
    refs = _refs_checked(actor, recs, "eldercare")
    _check_dates(recs, refs, "visited_on", _today())
    for rec in recs:
        if rec["mode"] not in WelfareVisit.Mode.values:
            raise ValidationError({"mode": _("Unknown visit mode.")})

    def values(rec: Mapping[str, Any]) -> dict[str, Any]:
        return {k: (rec.get(k) or "") for k in ("visitor", "findings", "needs", "follow_up") if k in rec}

    return _upsert_follow_up(
        actor=actor,
        model=WelfareVisit,
        records=recs,
        refs=refs,
        key_fields=("visited_on", "mode"),
        values_of=values,
        progress=progress,
    )


@transaction.atomic
def health_checks_upsert_many(
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = _noop
) -> WriteResult:
    """Create or update yearly health checks (65+) by (elder_id, checked_on). A record: ``elder_id,
    checked_on``, optionally ``complete`` (default yes) and ``provider``."""
    recs = list(records)
    refs = _refs_checked(actor, recs, "eldercare", "health")
    _check_dates(recs, refs, "checked_on", _today())
    for rec in recs:
        try:
            check_health_check_age(refs[rec["elder_id"]].birth_date, rec["checked_on"])
        except ValidationError as exc:
            raise _field_error("checked_on", exc) from None

    def values(rec: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"complete": True if rec.get("complete") is None else bool(rec["complete"])}
        if "provider" in rec:
            out["provider"] = rec.get("provider") or ""
        return out

    return _upsert_follow_up(
        actor=actor,
        model=HealthCheck,
        records=recs,
        refs=refs,
        key_fields=("checked_on",),
        values_of=values,
        progress=progress,
    )
