"""The bulk writers of the imports and the demo city: providers by credit code, and their classes,
staff with certificates, price lists, and the market reference prices.

The records are checked already (by the import kinds of ``laoxiao.providers.importers``); the
order of checks here: every provider a record names exists (``ValidationError``) and the actor may
act on it (``require_can_act``: ``NotFound`` / ``PermissionDenied``); a new provider's region and
kind, or a changed one, lie within the actor's regions and sector (``NotFound`` /
``PermissionDenied``); amounts are amounts. Nothing is written until every record passed. Then
one ``bulk_create`` / ``bulk_update`` per model, and one change-log row per created or changed row
(an update's row first, then the creations' snapshots). Providers (with their filing events and
moves) are written here; their rows go through ``core.bulk.upsert_rows`` (``_upsert``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core import access, clock
from laoxiao.core.bulk import BATCH, Progress, WriteResult, upsert_rows
from laoxiao.core.changelog import build_entry, diff_fields, log_many
from laoxiao.core.crypto import blind_index
from laoxiao.core.i18n import fmt
from laoxiao.core.models import ChangeLog
from laoxiao.providers.actions.checks import (
    CERTIFICATE_FIELDS,
    CLASS_FIELDS,
    DOCUMENT_FIELDS,
    PROVIDER_FIELDS,
    STAFF_FIELDS,
    can_manage_reference_prices,
    city_code,
    money,
    normal_values,
)
from laoxiao.providers.actions.filing import S
from laoxiao.providers.actions.registry import move_rows
from laoxiao.providers.models import (
    Certificate,
    ChildcareClass,
    FilingDocument,
    FilingEvent,
    MarketReferencePrice,
    Price,
    Provider,
    ServiceItem,
    StaffMember,
)
from laoxiao.regions.models import Region

M = TypeVar("M", bound=models.Model)


def noop(n: int) -> None:
    return None


def _ensure_pks(objs: Sequence[models.Model], key_fields: Sequence[str]) -> None:
    """Backends that do not return keys from bulk inserts: look them up by the natural key."""
    for obj in objs:
        if obj.pk is None:
            model = type(obj)
            obj.pk = model._default_manager.get(**{f: getattr(obj, f) for f in key_fields}).pk


def _require_bulk_scope(actor: User, providers: Iterable[Provider]) -> None:
    for provider in providers:
        access.require_can_act(actor, provider)


def _providers_by_uscc(codes: Iterable[str]) -> dict[str, Provider]:
    return {i.uscc: i for i in Provider.objects.filter(uscc__in=set(codes))}


@transaction.atomic
def providers_upsert(
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = noop
) -> WriteResult:
    """Create or update providers by credit code. A key absent from a record leaves the stored value
    alone; ``None`` for a field that cannot be null means its default. The records are checked
    already (the ``providers`` import); scope and sector are checked again here. A filing status
    set or changed here is recorded as a filing event (note ``import``)."""
    result = WriteResult()
    records = [normal_values(r) for r in records]
    existing = _providers_by_uscc(r["uscc"] for r in records)
    _require_bulk_scope(actor, existing.values())
    regions = Region.objects.in_bulk({r["region_code"] for r in records if r.get("region_code")})
    today = clock.today()
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
            access.require_region(actor, rec.get("region_code") or "")
            access.require_kind_sector(actor, rec["kind"])
            values = {k: v for k, v in rec.items() if k in PROVIDER_FIELDS}
            values.setdefault("filing_status", Provider.FilingStatus.DRAFT)
            inst = Provider(region=regions[rec["region_code"]], **values)
            new.append(inst)
            snapshots.append([f for f in PROVIDER_FIELDS if f in values])
            result.created += 1
            continue
        if "region_code" in rec and rec["region_code"] != inst.region_code:
            access.require_region(actor, rec["region_code"])
        if "kind" in rec and rec["kind"] != inst.kind:
            access.require_kind_sector(actor, rec["kind"])
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
        move_rows(inst)
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


def _providers_for(actor: User, records: Sequence[Mapping[str, Any]]) -> dict[str, Provider]:
    by_uscc = _providers_by_uscc(r["provider_uscc"] for r in records)
    missing = {r["provider_uscc"] for r in records} - set(by_uscc)
    if missing:
        raise ValidationError(
            {"provider_uscc": fmt(_("No such provider: %(codes)s."), codes=", ".join(sorted(missing)))}
        )
    _require_bulk_scope(actor, by_uscc.values())
    return by_uscc


def _created_entries(actor: User, rows: Sequence[models.Model], fields: Sequence[str]) -> list[ChangeLog]:
    """One ``CREATE`` row per created row, its snapshot of ``fields``."""
    return [
        build_entry(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=obj,
            changes={f: [None, getattr(obj, f)] for f in fields},
        )
        for obj in rows
    ]


def _upsert(
    model: type[M],
    records: list[dict[str, Any]],
    *,
    actor: User,
    key: Sequence[str],
    fields: Sequence[str],
    build: Callable[[Mapping[str, Any]], M],
    queryset: models.QuerySet[M],
    snapshot: Sequence[str] = (),
    created: Callable[[Sequence[M]], list[ChangeLog]] | None = None,
) -> WriteResult:
    """``core.bulk.upsert_rows`` inside the caller's transaction: an update logs its changes, then
    each created row its snapshot of ``snapshot`` and ``fields`` (or ``created(rows)``)."""

    def after_write(new: Sequence[M], _updated: Sequence[M]) -> list[ChangeLog]:
        return created(new) if created is not None else _created_entries(actor, new, (*snapshot, *fields))

    return upsert_rows(
        model,
        records,
        actor=actor,
        key=key,
        fields=fields,
        build=build,
        queryset=queryset,
        log_created=None,
        after_write=after_write,
        touch=(),
        batch_size=BATCH,
        atomic=False,
    )


@transaction.atomic
def classes_upsert(
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = noop
) -> WriteResult:
    """Create or update childcare classes by (provider, name). Records: provider_uscc, name,
    class_type, capacity, carers (checked already by the ``classes`` import). Classes not in the
    records stay."""
    records = list(records)
    providers = _providers_for(actor, records)
    by_pk = {p.pk: p for p in providers.values()}
    rows = [
        {
            "provider_id": providers[r["provider_uscc"]].pk,
            "name": r["name"].strip(),
            **{f: r[f] for f in CLASS_FIELDS},
        }
        for r in records
    ]

    def build(values: Mapping[str, Any]) -> ChildcareClass:
        inst = by_pk[values["provider_id"]]
        return ChildcareClass(
            provider=inst,
            region_code=inst.region_code,
            name=values["name"],
            **{f: values[f] for f in CLASS_FIELDS},
        )

    result = _upsert(
        ChildcareClass,
        rows,
        actor=actor,
        key=("provider_id", "name"),
        fields=CLASS_FIELDS,
        build=build,
        queryset=ChildcareClass.objects.select_related("provider"),
        snapshot=("name",),
    )
    progress(len(records))
    return result


def _staff_key(provider: Provider, id_number: Any) -> tuple[int, str]:
    return (provider.pk, blind_index(str(id_number).strip().upper(), purpose="id"))


@transaction.atomic
def staff_upsert_many(
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = noop
) -> WriteResult:
    """Create or update staff by (provider, ID number) and their certificates by (staff, kind,
    number). Records: provider_uscc, id_number, name, role, hired_on, left_on, and optionally
    certificate_kind, certificate_number, certificate_issued_on, certificate_expires_on (one record
    per staff member and certificate; no certificate kind = no certificate). Counts are of staff
    members and certificates together."""
    records = list(records)
    providers = _providers_for(actor, records)
    by_pk = {p.pk: p for p in providers.values()}
    people: dict[tuple[int, str], dict[str, Any]] = {}
    for rec in records:
        inst = providers[rec["provider_uscc"]]
        pk, digest = _staff_key(inst, rec["id_number"])
        people[(pk, digest)] = {
            "provider_id": pk,
            "id_number_hash": digest,
            "id_number": str(rec["id_number"]).strip().upper(),
            **{f: rec.get(f) for f in STAFF_FIELDS},
        }

    def build_member(values: Mapping[str, Any]) -> StaffMember:
        inst = by_pk[values["provider_id"]]
        member = StaffMember(provider=inst, region_code=inst.region_code, id_number=values["id_number"])
        for f in STAFF_FIELDS:
            setattr(member, f, values[f])
        return member

    result = _upsert(
        StaffMember,
        list(people.values()),
        actor=actor,
        key=("provider_id", "id_number_hash"),
        fields=STAFF_FIELDS,
        build=build_member,
        queryset=StaffMember.objects.select_related("provider"),
        snapshot=("id_number",),
    )
    cert_records: dict[tuple[tuple[int, str], str, str], dict[str, Any]] = {}
    for rec in records:
        kind = (rec.get("certificate_kind") or "").strip()
        if not kind:
            continue
        number = (rec.get("certificate_number") or "").strip()
        ckey = (_staff_key(providers[rec["provider_uscc"]], rec["id_number"]), kind, number)
        if ckey in cert_records:  # the first record of a certificate counts
            continue
        values = {"kind": kind, "number": number, "expires_on": rec.get("certificate_expires_on")}
        if "certificate_issued_on" in rec:
            values["issued_on"] = rec.get("certificate_issued_on")
        cert_records[ckey] = values
    cert_result = WriteResult()
    if cert_records:
        members = {
            (m.provider_id, m.id_number_hash): m
            for m in StaffMember.objects.filter(provider__in=list(providers.values())).select_related(
                "provider"
            )
        }
        certs = []
        for (person, _kind, _number), values in cert_records.items():
            values["staff_id"] = members[person].pk
            certs.append(values)
        by_staff = {m.pk: m for m in members.values()}

        def build_cert(values: Mapping[str, Any]) -> Certificate:
            member = by_staff[values["staff_id"]]
            cert = Certificate(
                staff=member, region_code=member.region_code, kind=values["kind"], number=values["number"]
            )
            for f in CERTIFICATE_FIELDS:
                if f in values:
                    setattr(cert, f, values[f])
            return cert

        cert_result = _upsert(
            Certificate,
            certs,
            actor=actor,
            key=("staff_id", "kind", "number"),
            fields=CERTIFICATE_FIELDS if any("issued_on" in v for v in certs) else ("expires_on",),
            build=build_cert,
            queryset=Certificate.objects.select_related("staff__provider"),
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
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = noop
) -> WriteResult:
    """Create or update price lines by (provider, item, effective_from). Records: provider_uscc,
    item, price, effective_from."""
    records = list(records)
    providers = _providers_for(actor, records)
    by_pk = {p.pk: p for p in providers.values()}
    items_known = set(ServiceItem.objects.values_list("code", flat=True))
    unknown = {r["item"] for r in records} - items_known
    if unknown:
        raise ValidationError(
            {"item": fmt(_("No such service item: %(codes)s."), codes=", ".join(sorted(unknown)))}
        )

    def prepare(rec: Mapping[str, Any], _index: int) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        amount = money(rec["price"], errors)
        if errors:
            raise ValidationError(errors)
        return {
            "provider_id": providers[rec["provider_uscc"]].pk,
            "item_id": rec["item"],
            "effective_from": rec["effective_from"],
            "price": amount,
        }

    def build(values: Mapping[str, Any]) -> Price:
        inst = by_pk[values["provider_id"]]
        return Price(
            provider=inst,
            region_code=inst.region_code,
            item_id=values["item_id"],
            effective_from=values["effective_from"],
            price=values["price"],
        )

    result = _upsert(
        Price,
        [prepare(rec, i) for i, rec in enumerate(records)],
        actor=actor,
        key=("provider_id", "item_id", "effective_from"),
        fields=("price",),
        build=build,
        queryset=Price.objects.select_related("provider"),
        snapshot=("item_id", "effective_from"),
    )
    progress(len(records))
    return result


@transaction.atomic
def reference_prices_upsert(
    *, actor: User, records: Iterable[Mapping[str, Any]], progress: Progress = noop
) -> WriteResult:
    """Create or update market reference prices by (item, year). Records: item, year, price, source.
    Their change-log rows lie in the city's region."""
    if not can_manage_reference_prices(actor):
        raise PermissionDenied(_("Only a city administrator sets market reference prices."))
    records = list(records)
    city = city_code()
    rows: list[dict[str, Any]] = []
    for rec in records:
        errors: dict[str, Any] = {}
        amount = money(rec["price"], errors)
        if errors:
            raise ValidationError(errors)
        values: dict[str, Any] = {"item_id": rec["item"], "year": rec["year"], "price": amount}
        if "source" in rec:
            values["source"] = (rec.get("source") or "").strip()
        rows.append(values)

    def build(values: Mapping[str, Any]) -> MarketReferencePrice:
        ref = MarketReferencePrice(**values)
        ref.region_code = city  # type: ignore[attr-defined]  # read by the change log
        return ref

    def created(new: Sequence[MarketReferencePrice]) -> list[ChangeLog]:
        return [
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
            for ref in new
        ]

    result = _upsert(
        MarketReferencePrice,
        rows,
        actor=actor,
        key=("item_id", "year"),
        fields=("price", "source"),
        build=build,
        queryset=MarketReferencePrice.objects.annotate(region_code=Value(city)),  # the log's region
        created=created,
    )
    progress(len(records))
    return result


@transaction.atomic
def documents_upsert_many(
    *, actor: User, items: Sequence[tuple[Provider, Mapping[str, Any]]], progress: Progress = noop
) -> WriteResult:
    """Create or update filing documents by (provider, kind): items of (provider, {kind, number,
    issued_on, expires_on[, note]}), the values checked already (the demo city). The actor may act
    on each provider (``require_can_act``)."""
    _require_bulk_scope(actor, {inst.pk: inst for inst, _doc in items}.values())
    by_pk = {inst.pk: inst for inst, _doc in items}
    rows = [
        {
            "provider_id": inst.pk,
            "kind": doc["kind"],
            "number": doc["number"],
            "issued_on": doc["issued_on"],
            "expires_on": doc["expires_on"],
            "note": doc.get("note", ""),
        }
        for inst, doc in items
    ]

    def build(values: Mapping[str, Any]) -> FilingDocument:
        inst = by_pk[values["provider_id"]]
        return FilingDocument(
            provider=inst,
            region_code=inst.region_code,
            kind=values["kind"],
            **{f: values[f] for f in DOCUMENT_FIELDS},
        )

    result = _upsert(
        FilingDocument,
        rows,
        actor=actor,
        key=("provider_id", "kind"),
        fields=DOCUMENT_FIELDS,
        build=build,
        queryset=FilingDocument.objects.select_related("provider"),
        snapshot=("kind",),
    )
    progress(len(rows))
    return result
