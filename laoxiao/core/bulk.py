"""Writing many rows, and one row, with the change log: the one bulk writer every app uses.

- ``upsert_rows(model, records, ...)`` creates or updates rows by a natural key (imports, the demo
  city, the major-project list: up to hundreds of thousands of rows in a few queries per chunk);
- ``insert_rows(model, records, ...)`` appends rows that are never updated (visits, checks...);
- ``save_logged(instance, ...)`` saves one row: diff, ``full_clean``, ``save(update_fields=...)``,
  one change-log row;
- ``WriteResult``, ``Progress`` and ``chunks`` (formerly in ``laoxiao.imports.base``, still importable there).

The order of ``upsert_rows``, which is that of the four bulk writers it replaces (providers, older
people, children, major projects):

1. **prepare** every record (``prepare(record, index)``: normalise, validate, derive fields such as
   a blind index or a sex from an ID number; it raises ``ValidationError``). Errors are collected by
   row and field (``RowErrors``) or the first one is raised as is (``collect_errors=False``, what
   the callers did before). Any error: nothing is written.
2. **read** the existing rows by the natural key, in chunks of ``batch_size`` keys (one query per
   chunk; ``queryset`` narrows it, e.g. ``Model.objects.filter(kind=...)``).
3. **check** each existing row the record would change (``check_existing(row, values)``: e.g. the
   actor's regions; raise ``NotFound``/``PermissionDenied``) and each new one (``check_new(values)``).
4. **diff** the record's ``fields`` against the row (a key that is absent from the record leaves
   the stored value alone); unchanged rows are not touched. A key repeated in one call: the later
   record wins.
5. **write** new rows with ``bulk_create`` and changed rows with ``bulk_update`` of only the
   fields that changed (plus ``touch`` fields set to now, e.g. ``updated_at``); ``progress(n)``
   after each chunk. ``after_write(created, updated)`` may write dependent rows and return more
   change-log entries.
6. **log**: one ``UPDATE`` row per changed row (``changes`` = the diff, masked by
   ``core.changelog.build_entry``); for creations one row each (``log_created="row"``), one
   summary row per region (``"summary"``) or none (``None``).

Everything runs in one transaction (``atomic=True``, the default) so that an error leaves nothing
written; a caller that writes in chunks of short transactions (imports) calls it per chunk.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from typing import Any, Literal, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.core.changelog import Changes, build_entry, diff_fields, log_many, record_scope, snapshot
from laoxiao.core.models import ChangeLog

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)

Progress = Callable[[int], None]  # rows written since the last call
BATCH = 2000
NO_VALUE = object()


@dataclasses.dataclass
class WriteResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def chunks(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    """``items`` in slices of ``size``."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _noop(n: int) -> None:
    return None


# --- errors by row ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RowError:
    row: int  # the record's index in ``records`` (0-based)
    field: str  # "__all__" when the error names no field
    message: str


class RowErrors(ValidationError):
    """Every error of a batch, by row and field (``.rows``); as a ``ValidationError`` its
    ``message_dict`` is by field, each message prefixed with its row number (1-based)."""

    def __init__(self, rows: Sequence[RowError]):
        self.rows = list(rows)
        by_field: dict[str, list[str]] = {}
        for e in self.rows:
            by_field.setdefault(e.field, []).append(f"{e.row + 1}: {e.message}")
        super().__init__(by_field)


def row_errors(index: int, exc: ValidationError) -> list[RowError]:
    """The errors of one record's ``ValidationError`` (dict or list) as ``RowError`` items."""
    if hasattr(exc, "error_dict"):
        return [RowError(index, f, str(m)) for f, msgs in exc.message_dict.items() for m in msgs]
    return [RowError(index, "__all__", str(m)) for m in exc.messages]


# --- change log ---------------------------------------------------------------------------------


def summary_entry(
    *,
    actor: Any,
    model: type[models.Model],
    region_code: str,
    count: int,
    note: str = "",
    sample: models.Model | None = None,
) -> ChangeLog:
    """One change-log row standing for ``count`` rows of ``model`` created in one bulk write (the
    created rows are themselves the record; updates are still logged row by row). ``sample`` (one of
    the rows) gives the sector and provider the log row is read by."""
    sector, provider_id = record_scope(sample) if sample is not None else ("", None)
    return ChangeLog(
        sector=sector,
        provider_id=provider_id,
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


def _creation_entries(
    *,
    actor: Any,
    model: type[models.Model],
    rows: Sequence[tuple[models.Model, Mapping[str, Any]]],
    mode: Literal["row", "summary"] | None,
    region_field: str,
    note: str,
) -> list[ChangeLog]:
    if mode is None or not rows:
        return []
    if mode == "row":
        return [
            build_entry(
                actor=actor,
                action=ChangeLog.Action.CREATE,
                target=obj,
                changes=snapshot(obj, values.keys()),
                note=note,
            )
            for obj, values in rows
        ]
    per_region: dict[str, list[models.Model]] = {}
    for obj, _values in rows:
        per_region.setdefault(str(getattr(obj, region_field, "") or ""), []).append(obj)
    return [
        summary_entry(
            actor=actor, model=model, region_code=code, count=len(objs), note=note or "bulk", sample=objs[0]
        )
        for code, objs in sorted(per_region.items())
    ]


def _attnames(model: type[models.Model], names: Iterable[str]) -> list[str]:
    """Field names for ``bulk_update``/``update_fields`` (``region_id`` → ``region``)."""
    by_att = {f.attname: f.name for f in model._meta.concrete_fields}
    return sorted({by_att.get(n, n) for n in names})


def _fill_blind_index(model: type[models.Model], row: models.Model, name: str, names: set[str]) -> None:
    """An encrypted field's blind index follows it on ``bulk_update`` (which calls no ``pre_save``)."""
    field = model._meta.get_field(name)
    index = getattr(field, "blind_index", None)
    if index:
        field.pre_save(row, False)  # type: ignore[union-attr]
        names.add(index)


def _auto_now(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]


def _fill_missing_pks(model: type[models.Model], objs: Sequence[models.Model], key: Sequence[str]) -> None:
    """Backends that return no keys from bulk inserts: look the new rows up by the natural key."""
    missing = [o for o in objs if o.pk is None]
    if not missing:
        return
    by_key = {tuple(getattr(o, f) for f in key): o for o in missing}
    first = sorted({k[0] for k in by_key})
    for part in chunks(first):
        for row in model._default_manager.filter(**{f"{key[0]}__in": part}).values("pk", *key):
            obj = by_key.get(tuple(row[f] for f in key))
            if obj is not None:
                obj.pk = row["pk"]


# --- prepare --------------------------------------------------------------------------------------


Prepare = Callable[[Mapping[str, Any], int], Mapping[str, Any]]


def _prepared(
    records: Iterable[Mapping[str, Any]], prepare: Prepare | None, collect_errors: bool
) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    errors: list[RowError] = []
    for i, rec in enumerate(records):
        try:
            out.append(prepare(rec, i) if prepare else rec)
        except RowErrors as exc:
            if not collect_errors:
                raise
            errors.extend(exc.rows)
        except ValidationError as exc:
            if not collect_errors:
                raise
            errors.extend(row_errors(i, exc))
    if errors:
        raise RowErrors(errors)
    return out


# --- upsert ---------------------------------------------------------------------------------------


def upsert_rows(
    model: type[M],
    records: Iterable[Mapping[str, Any]],
    *,
    actor: Any,
    key: Sequence[str],
    fields: Sequence[str],
    create_fields: Sequence[str] = (),
    prepare: Prepare | None = None,
    check_new: Callable[[Mapping[str, Any]], None] | None = None,
    check_existing: Callable[[M, Mapping[str, Any]], None] | None = None,
    build: Callable[[Mapping[str, Any]], M] | None = None,
    queryset: models.QuerySet[M] | None = None,
    after_write: Callable[[Sequence[M], Sequence[M]], Iterable[ChangeLog] | None] | None = None,
    log_created: Literal["row", "summary"] | None = "row",
    log_updated: bool = True,
    region_field: str = "region_code",
    touch: Sequence[str] | None = None,
    note: str = "",
    collect_errors: bool = False,
    progress: Progress = _noop,
    batch_size: int = BATCH,
    atomic: bool = True,
) -> WriteResult:
    """Create or update rows of ``model`` by the natural ``key`` (model field names, values in each
    prepared record); see the module docstring for the order.

    ``fields``: the fields a record may set on an existing row (a record's keys outside them and
    ``key`` are ignored for updates); ``create_fields``: fields set only when the row is created (a
    derived birth date...). ``build(values)`` makes a new instance (default ``model(**values)`` of
    the key, ``fields`` and ``create_fields`` present). ``touch`` fields are set to now on changed
    rows (default: the model's ``auto_now`` fields). Raises ``ValidationError`` (``RowErrors`` with
    ``collect_errors``), or whatever the checks raise; nothing is then written.
    """
    prepared = _prepared(records, prepare, collect_errors)
    allowed = [*key, *fields, *create_fields]
    qs = queryset if queryset is not None else model._default_manager.all()

    def key_of(values: Mapping[str, Any]) -> tuple[Any, ...]:
        try:
            return tuple(values[f] for f in key)
        except KeyError as exc:
            raise ValidationError({exc.args[0]: _("This field is required.")}, code="required") from None

    keyed = [(key_of(v), v) for v in prepared]
    existing: dict[tuple[Any, ...], M] = {}
    first_values = sorted({k[0] for k, _v in keyed}, key=str)
    for part in chunks(first_values, batch_size):
        for row in qs.filter(**{f"{key[0]}__in": list(part)}):
            existing[tuple(getattr(row, f) for f in key)] = row

    result = WriteResult()
    pending: dict[tuple[Any, ...], tuple[M, dict[str, Any]]] = {}
    changed: dict[tuple[Any, ...], M] = {}
    diffs: dict[tuple[Any, ...], Changes] = {}
    changed_fields: set[str] = set()
    for k, values in keyed:
        row = existing.get(k)  # type: ignore[assignment]
        if row is None:
            data = {f: values[f] for f in allowed if f in values}
            if k in pending:  # repeated in one call: the later record wins
                obj, seen = pending[k]
                for f, v in data.items():
                    setattr(obj, f, v)
                seen.update(data)
                continue
            if check_new is not None:
                check_new(values)
            obj = build(values) if build is not None else model(**data)
            pending[k] = (obj, data)
            continue
        update = {f: values[f] for f in fields if f in values}
        diff = diff_fields(row, update)
        if not diff:
            continue
        if check_existing is not None:
            check_existing(row, values)
        for f, (_old, new) in diff.items():
            setattr(row, f, new)
        for f in diff:
            _fill_blind_index(model, row, f, changed_fields)
        if k in changed:  # repeated: merge the diffs, keep the first old value
            for f, pair in diff.items():
                diffs[k][f] = [diffs[k][f][0], pair[1]] if f in diffs[k] else pair
        else:
            changed[k] = row
            diffs[k] = diff
        changed_fields.update(diff)
    result.updated = len(changed)
    result.unchanged = len({k for k, _v in keyed if k in existing and k not in changed})
    result.created = len(pending)
    if not pending and not changed and after_write is None:
        return result  # nothing to write: no transaction, no query

    if atomic:
        ctx: Any = transaction.atomic()
    else:
        ctx = nullcontext()
    with ctx:
        new_rows = [obj for obj, _data in pending.values()]
        for part in chunks(new_rows, batch_size):
            model._default_manager.bulk_create(list(part), batch_size=batch_size)
            progress(len(part))
        _fill_missing_pks(model, new_rows, key)
        updated_rows = list(changed.values())
        if updated_rows:
            touched = list(touch) if touch is not None else _auto_now(model)
            now = timezone.now()
            for row in updated_rows:
                for f in touched:
                    setattr(row, f, now)
            names = _attnames(model, changed_fields | set(touched))
            for part in chunks(updated_rows, batch_size):
                model._default_manager.bulk_update(list(part), names, batch_size=batch_size)
                progress(len(part))
        entries = _creation_entries(
            actor=actor,
            model=model,
            rows=list(pending.values()),
            mode=log_created,
            region_field=region_field,
            note=note,
        )
        if log_updated:
            entries.extend(
                build_entry(
                    actor=actor, action=ChangeLog.Action.UPDATE, target=row, changes=diffs[k], note=note
                )
                for k, row in changed.items()
            )
        if after_write is not None:
            entries.extend(after_write(new_rows, updated_rows) or ())
        for part in chunks(entries, batch_size):
            log_many(list(part))
    return result


# --- insert ---------------------------------------------------------------------------------------


def insert_rows(
    model: type[M],
    records: Iterable[Mapping[str, Any]],
    *,
    actor: Any,
    prepare: Prepare | None = None,
    build: Callable[[Mapping[str, Any]], M] | None = None,
    log_created: Literal["row", "summary"] | None = "summary",
    region_field: str = "region_code",
    note: str = "",
    collect_errors: bool = False,
    progress: Progress = _noop,
    batch_size: int = BATCH,
    atomic: bool = True,
) -> list[M]:
    """Append rows of ``model`` (never updated: visits, checks, steps). Each record is prepared
    (``prepare(record, index)``, errors as for ``upsert_rows``), built (``build(values)``, default
    ``model(**values)``), written with ``bulk_create`` in chunks and logged: one summary row per
    region by default, or one row each (``"row"``), or none. Returns the created rows."""
    prepared = _prepared(records, prepare, collect_errors)
    objs = [build(v) if build is not None else model(**v) for v in prepared]
    ctx: Any = transaction.atomic() if atomic else nullcontext()
    with ctx:
        for part in chunks(objs, batch_size):
            model._default_manager.bulk_create(list(part), batch_size=batch_size)
            progress(len(part))
        if log_created == "row" and objs and objs[0].pk is None:
            raise ValueError("insert_rows(log_created='row') needs a backend that returns keys")
        entries = _creation_entries(
            actor=actor,
            model=model,
            rows=list(zip(objs, prepared, strict=True)),
            mode=log_created,
            region_field=region_field,
            note=note,
        )
        for entry_part in chunks(entries, batch_size):
            log_many(list(entry_part))
    return objs


# --- one row --------------------------------------------------------------------------------------


def save_logged(
    instance: M,
    *,
    actor: Any,
    values: Mapping[str, Any] | None = None,
    fields: Sequence[str] | None = None,
    action: str | None = None,
    note: str = "",
    region_code: str | None = None,
    clean: bool = True,
    exclude: Sequence[str] = (),
) -> Changes:
    """Save one row and log it; returns the changes (``{}``: nothing changed, nothing written).

    A new instance (no pk) is created: ``values`` are set on it, ``full_clean`` and ``save``, one
    ``CREATE`` row whose changes are ``fields`` (default: the keys of ``values``). An existing one:
    ``values`` are diffed against it and set; without ``values`` the instance was changed by the
    caller and ``fields`` are diffed against the stored row (one query). Then ``full_clean``
    (``exclude`` fields skipped), ``save(update_fields=changed + auto_now fields)`` and one row of
    ``action`` (default ``UPDATE``). ``ValidationError`` from ``full_clean`` leaves nothing written.
    """
    model = type(instance)
    with transaction.atomic():
        if instance.pk is None or instance._state.adding:
            for f, v in (values or {}).items():
                setattr(instance, f, v)
            if clean:
                instance.full_clean(exclude=list(exclude) or None)
            instance.save(force_insert=True)
            names = list(fields) if fields is not None else list((values or {}).keys())
            changes = snapshot(instance, names)
            build_entry(
                actor=actor,
                action=action or ChangeLog.Action.CREATE,
                target=instance,
                changes=changes,
                region_code=region_code,
                note=note,
            ).save()
            return changes
        if values is not None:
            changes = diff_fields(instance, values)
            for f, (_old, new) in changes.items():
                setattr(instance, f, new)
        else:
            if not fields:
                raise TypeError("save_logged() of an existing row needs values= or fields=")
            stored = model._default_manager.filter(pk=instance.pk).values(*fields).first()
            if stored is None:
                raise model.DoesNotExist(instance.pk)  # type: ignore[attr-defined]
            changes = {
                f: [stored[f], getattr(instance, f)] for f in fields if stored[f] != getattr(instance, f)
            }
        if not changes:
            return {}
        if clean:
            instance.full_clean(exclude=list(exclude) or None)
        indexes = [getattr(model._meta.get_field(f), "blind_index", None) for f in changes]
        names = [*changes, *_auto_now(model), *(i for i in indexes if i)]
        instance.save(update_fields=_attnames(model, names))
        build_entry(
            actor=actor,
            action=action or ChangeLog.Action.UPDATE,
            target=instance,
            changes=changes,
            region_code=region_code,
            note=note,
        ).save()
        return changes


__all__ = [
    "BATCH",
    "Progress",
    "RowError",
    "RowErrors",
    "WriteResult",
    "chunks",
    "insert_rows",
    "row_errors",
    "save_logged",
    "summary_entry",
    "upsert_rows",
]
