"""The bulk upsert of the registry of older people (imports, the demo city): ``elders_upsert_many``.

The same rules as ``elders.elder_upsert``, for many records in a few queries per chunk: every
person of the registry is logged row by row (creations, updates, hand-overs under both regions);
categories as in ``elders.elder_set_categories``; a death date closes the categories.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.access import require_sector
from laoxiao.core.bulk import BATCH, Progress, WriteResult, chunks
from laoxiao.core.changelog import build_entry, log_many
from laoxiao.core.crypto import blind_index
from laoxiao.core.errors import NotFound
from laoxiao.core.i18n import fmt
from laoxiao.core.idnumbers import IdInfo
from laoxiao.core.models import ChangeLog
from laoxiao.people import lifecycle
from laoxiao.people.actions.elder_checks import ELDER_AGE, check_elder_id, county_codes, field_error
from laoxiao.people.actions.elder_followup import no_progress
from laoxiao.people.actions.elders import (
    ELDER_FIELDS,
    apply_categories,
    category_entry,
    check_categories,
    close_categories,
    move_follow_up,
)
from laoxiao.people.actions.scope import not_registrable
from laoxiao.people.models import Elder, ElderCategory
from laoxiao.people.visitlist import birthday
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import code_within


@transaction.atomic
def elders_upsert_many(
    *,
    actor: User,
    records: Iterable[Mapping[str, Any]],
    on: dt.date | None = None,
    progress: Progress = no_progress,
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
    today = clock.today()
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
            raise field_error("id_number", exc) from None
        infos.append(info)
        code = rec.get("region_code")
        if code is not None and (code not in communities):
            raise ValidationError({"region_code": fmt(_("Not a loaded community: %(code)s."), code=code)})
        if code is not None and not code_within(code, prefixes):
            raise NotFound(code)
    hashes = [blind_index(i.number) for i in infos]
    existing: dict[str, Elder] = {}
    for chunk in chunks(sorted(set(hashes))):
        for e in Elder.objects.filter(id_number_hash__in=chunk):
            existing[e.id_number_hash] = e
    result = WriteResult()
    entries: list[ChangeLog] = []
    new: list[tuple[Elder, Mapping[str, Any]]] = []
    changed: dict[int, Elder] = {}
    changed_fields: set[str] = set()
    moves: dict[str, list[int]] = {}
    deaths: dict[int, dt.date] = {}
    ended: dict[int, dt.date] = {}  # deaths of people already registered (they may have been paid)
    moved_out: dict[int, dt.date] = {}
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
                ended[elder.pk] = elder.died_on
            if "moved_out_on" in diff and elder.moved_out_on is not None:
                moved_out[elder.pk] = elder.moved_out_on
        if "categories" in rec:
            category_work.append((elder, rec, False))
        if elder.pk in changed:
            result.updated += 1
        else:
            result.unchanged += 1  # may still change by its categories: counted below
    # create
    to_create = [e for e, _d in new]
    for elders_chunk in chunks(to_create):
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
        move_follow_up(elder_ids=ids, to_code=code)
    if changed:
        now = timezone.now()
        for elder in changed.values():
            elder.updated_at = now
        fields = sorted({Elder._meta.get_field(f).name for f in changed_fields} | {"updated_at"})
        Elder.objects.bulk_update(list(changed.values()), fields, batch_size=BATCH)
    # categories
    created_pks = {e.pk for e, _d in new}
    for pk in _categories_many(actor=actor, work=category_work, on=on, entries=entries):
        if pk not in changed and pk not in created_pks:
            result.unchanged -= 1
            result.updated += 1
    if deaths:
        close_categories(actor=actor, elder_ids=sorted(deaths), died_on=deaths, entries=entries)
    for entries_chunk in chunks(entries):
        log_many(list(entries_chunk))
    # what other apps do when a record ends (benefits stops payments): same transaction
    lifecycle.people_ended(actor=actor, kind="elder", ended=ended, reason=lifecycle.DEATH)
    lifecycle.people_ended(actor=actor, kind="elder", ended=moved_out, reason=lifecycle.MOVED_OUT)
    return result


def _fill_missing_pks(objs: Sequence[Elder]) -> None:
    """Backends that do not return keys from bulk inserts: look them up by blind index."""
    missing = [o for o in objs if o.pk is None]
    if not missing:
        return
    by_hash = {o.id_number_hash: o for o in missing}
    for chunk in chunks(sorted(by_hash)):
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
    for chunk in chunks(old_ids):
        for row in ElderCategory.objects.filter(elder_id__in=chunk, valid_to__isnull=True):
            open_rows.setdefault(row.elder_id, []).append(row)
    new: list[ElderCategory] = []
    touched: set[int] = set()
    for elder, rec, is_new in work:
        cats, mode = check_categories(rec.get("categories") or [], rec.get("support_mode"))
        start = rec.get("categories_from") or (birthday(elder.birth_date, ELDER_AGE) if is_new else on)
        if elder.died_on is not None and start > elder.died_on:
            start = elder.died_on
        if apply_categories(
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
        entries.append(category_entry(actor, row, ChangeLog.Action.CREATE))
    return touched
