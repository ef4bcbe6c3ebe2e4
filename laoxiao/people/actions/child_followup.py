"""Health follow-up of children: newborn visits, checks at the age points, vaccinations.

One record (``*_record``) or many (``*_upsert_many``: imports, the demo city). Dated on or after
birth, not in the future, not after the child's death; a dose must be in the child's immunisation
edition (chosen by birth date). They need the health sector (``PermissionDenied``) and a child in
the actor's regions (``NotFound``; in a bulk write an error of the record). Bulk writes log every
changed row, and their creations as one summary row per community (docs/decisions/0002).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from types import SimpleNamespace
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.core import clock
from laoxiao.core.access import require_region
from laoxiao.core.bulk import Progress, WriteResult, chunks, summary_entry
from laoxiao.core.changelog import build_entry, log_change, log_many
from laoxiao.core.i18n import fmt
from laoxiao.core.models import ChangeLog
from laoxiao.people.actions.scope import require_children_sector
from laoxiao.people.models import Child, ChildHealthCheck, NewbornVisit, Vaccination
from laoxiao.people.selectors.children import child_rules
from laoxiao.regions.scoping import code_within

CHILD_BATCH = 5000


def no_progress(n: int) -> None:
    return None


def raise_bulk(errors: list[tuple[int, str, Any]]) -> None:
    """The errors of a bulk write by record (``"<index>.<field>"``), the first 50."""
    if errors:
        raise ValidationError({f"{i}.{field}": [msg] for i, field, msg in errors[:50]})


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
    require_children_sector(actor, followup=True)
    require_region(actor, child.region_code)
    reason = check_followup_date(day, birth_date=child.birth_date, died_on=child.died_on, today=clock.today())
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


def _children_facts(actor: Any, child_ids: set[int]) -> dict[int, tuple[str, dt.date, dt.date | None]]:
    """child id → (region code, birth date, death date) for the children the actor may write."""
    prefixes = actor.region_prefixes()
    out: dict[int, tuple[str, dt.date, dt.date | None]] = {}
    for chunk in chunks(sorted(child_ids)):
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
        for batch in chunks(rows, CHILD_BATCH):
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
    require_children_sector(actor, followup=True)
    today = clock.today()
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
    raise_bulk(errors)
    existing: dict[tuple[Any, ...], Any] = {}
    for chunk in chunks(sorted(facts)):
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
    *, actor: Any, records: Iterable[Mapping[str, Any]], progress: Progress = no_progress
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
    *, actor: Any, records: Iterable[Mapping[str, Any]], progress: Progress = no_progress
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
    *, actor: Any, records: Iterable[Mapping[str, Any]], progress: Progress = no_progress
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
