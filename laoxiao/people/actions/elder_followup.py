"""What the follow-up of older people (assessments, welfare visits, health checks) shares.

- ``ElderRef``/``elder_refs``: what a bulk write of follow-up needs of a person, read without
  decrypting anything; ``refs_checked`` also checks sector and scope (``NotFound`` for a person
  outside the actor's regions); ``check_dates`` the dates of many records;
- ``upsert_follow_up``: the bulk upsert of follow-up rows by ``(elder_id, *key)``. Updates are
  logged row by row; creations as one summary row per community and call (``changes = {"rows":
  [null, n]}``, docs/decisions/0002): the created rows are themselves the record, and the demo city
  must not write a million log rows;
- ``follow_up_snapshot``: the change-log row of one created follow-up row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core.access import require_sector
from laoxiao.core.bulk import BATCH, Progress, WriteResult, chunks, summary_entry
from laoxiao.core.changelog import build_entry, log_change, log_many
from laoxiao.core.errors import NotFound
from laoxiao.core.i18n import fmt
from laoxiao.core.models import ChangeLog
from laoxiao.people.actions.elder_checks import check_event_date
from laoxiao.people.models import Elder
from laoxiao.regions.scoping import code_within


def no_progress(n: int) -> None:
    return None


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
    for chunk in chunks(ids):
        for pk, code, birth, died in Elder.objects.filter(pk__in=chunk).values_list(
            "pk", "region_code", "birth_date", "died_on"
        ):
            out[pk] = ElderRef(pk, code, birth, died)
    return out


def refs_checked(actor: User, records: Sequence[Mapping[str, Any]], *sectors: str) -> dict[int, ElderRef]:
    require_sector(actor, *sectors)
    refs = elder_refs(r["elder_id"] for r in records)
    prefixes = actor.region_prefixes()
    for rec in records:
        ref = refs.get(rec["elder_id"])
        if ref is None or not code_within(ref.region_code, prefixes):
            raise NotFound(str(rec["elder_id"]))
    return refs


def check_dates(
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


def upsert_follow_up(
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
    for chunk in chunks(elder_ids):
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
    for chunk in chunks(new):
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
    for chunk in chunks(entries):
        log_many(list(chunk))
    return result


def follow_up_snapshot(values: Mapping[str, Any], **extra: Any) -> dict[str, list[Any]]:
    return {k: [None, v] for k, v in {**extra, **values}.items() if k != "items"}


def save_follow_up(
    *, actor: User, model: type[Any], elder: Elder, day_field: str, day: dt.date, values: dict[str, Any]
) -> Any:
    """The single-record follow-up write (one per elder and ``day_field``): create it with a snapshot
    row in the change log, or change only the fields that differ and log the diff; nothing else."""
    row = model.objects.filter(elder=elder, **{day_field: day}).first()
    if row is None:
        row = model.objects.create(elder=elder, region_code=elder.region_code, **{day_field: day}, **values)
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=row,
            changes=follow_up_snapshot(values, **{day_field: day}),
        )
        return row
    changes = {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}
    if changes:
        for k, (_old, v) in changes.items():
            setattr(row, k, v)
        row.save(update_fields=list(changes))
        log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=row, changes=changes)
    return row
