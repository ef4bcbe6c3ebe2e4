"""The bulk upsert of children (imports, the demo city): ``children_upsert_many``.

The same rules as ``children.child_upsert`` (see that module's docstring) for many records: one
change-log row per created or changed child, hand-overs under both regions; a guardian per record
when it has ``guardian_name``: changed guardians logged row by row, created ones as one summary row
per community.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.core import clock
from laoxiao.core.bulk import Progress, WriteResult, chunks, summary_entry
from laoxiao.core.changelog import build_entry, log_many
from laoxiao.core.crypto import blind_index
from laoxiao.core.models import ChangeLog
from laoxiao.people.actions.child_followup import CHILD_BATCH, no_progress, raise_bulk
from laoxiao.people.actions.children import (
    CHILD_FIELDS,
    OUTSIDE_REGIONS,
    clean_child_data,
    handover_entries,
    match_child,
    move_child_rows,
)
from laoxiao.people.actions.scope import require_children_sector
from laoxiao.people.models import Child, Guardian
from laoxiao.people.selectors.children import child_rules
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import code_within


def existing_children(
    id_hashes: set[str], cert_hashes: set[str]
) -> tuple[dict[str, Child], dict[str, Child]]:
    by_id: dict[str, Child] = {}
    by_cert: dict[str, Child] = {}
    for chunk in chunks(sorted(id_hashes)):
        for c in Child.objects.filter(id_number_hash__in=chunk):
            by_id[c.id_number_hash] = c
    for chunk in chunks(sorted(cert_hashes)):
        for c in Child.objects.filter(birth_certificate_hash__in=chunk):
            by_cert[c.birth_certificate_hash] = c
    # the same child found both ways must be the same object
    objects = {c.pk: c for c in by_id.values()}
    by_cert = {h: objects.setdefault(c.pk, c) for h, c in by_cert.items()}
    return by_id, by_cert


@transaction.atomic
def children_upsert_many(
    *, actor: Any, records: Iterable[Mapping[str, Any]], progress: Progress = no_progress
) -> WriteResult:
    """Create or update many children (same rules as ``child_upsert``), with one guardian each when
    a record has ``guardian_name`` (and ``guardian_id_number``, ``guardian_phone``,
    ``guardian_relation``), and the enrolment when it has ``provider_id``. Idempotent."""
    require_children_sector(actor)
    today = clock.today()
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
    raise_bulk(errors)
    for batch in chunks(new, CHILD_BATCH):
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
        entries.extend(handover_entries(actor=actor, child=c, old=old, new=c.region_code, on=today))
    for code, moved_ids in moved_to.items():
        move_child_rows(moved_ids, code)
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
    for chunk in chunks(sorted({c.pk for c, _r in pairs})):
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
    Guardian.objects.bulk_create(new, batch_size=CHILD_BATCH)
    if changed:
        Guardian.objects.bulk_update(changed, ["name", "phone", "relation"], batch_size=1000)
    for code, n in created_by_region.items():
        entries.append(summary_entry(actor=actor, model=Guardian, region_code=code, count=n, note="bulk"))
