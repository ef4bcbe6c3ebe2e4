"""Recording and reviewing home visits (EVV).

- ``visit_check_in`` / ``visit_check_out``: the provider's operator (or the worker's app through the
  operator's API token) records one visit; it is ``open`` until check-out, then checked: no flag →
  ``verified``, a flag → ``held``.
- ``visits_record``: many visits at once (the ``service-visits`` import, the demo city): the same
  checks, facts read once per batch, written with ``core.bulk.insert_rows``.
- ``visit_review``: a township or county officer who is neither the worker nor staff of the
  provider clears or rejects a held visit, with a note.

Every check is ``services.verification.check_visit`` over the facts of
``selectors.verification.facts_for``, with the thresholds of the rule ``services.visit_checks`` of
the visit's own day. The order a visit is linked to is only *set* here: its transitions belong to
``actions.orders``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import operator
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from laoxiao.core import clock
from laoxiao.core.access import (
    is_active_actor,
    provider_id_of,
    require_can_act,
    require_region,
    require_sector,
)
from laoxiao.core.bulk import Progress, chunks, save_logged, summary_entry
from laoxiao.core.changelog import build_entry, log_many
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import rule, rule_version
from laoxiao.people.models import Elder
from laoxiao.providers.models import Provider, ServiceItem, StaffMember
from laoxiao.services.actions.orders import order_finish, order_start
from laoxiao.services.models import ClaimLine, ServiceClaim, ServiceOrder, ServiceVisit
from laoxiao.services.selectors.verification import facts_for
from laoxiao.services.verification import (
    Limits,
    Result,
    VisitIn,
    check_batch,
    integrity_hash,
)

S = ServiceVisit.Status
REVIEWER_ROLES = ("civil_affairs_county", "civil_affairs_township")
NOT_REVIEWER = _("Only a township or county civil-affairs officer may review visits.")
OWN_PROVIDER = _("A reviewer may not be the worker or staff of the visit's provider.")


@functools.cache
def _zone() -> Any:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_day(at: dt.datetime) -> dt.date:
    """The day of a moment in the platform's time zone (``TIME_ZONE``, not a request's zone)."""
    return at.astimezone(_zone()).date() if at.utcoffset() is not None else at.date()


class LimitsByDay:
    """``services.visit_checks`` of each day, read once per day of a batch (and its version)."""

    def __init__(self) -> None:
        self._by_day: dict[dt.date, tuple[Limits, int]] = {}

    def version(self, day: dt.date) -> tuple[Limits, int]:
        got = self._by_day.get(day)
        if got is None:
            v = rule_version("services.visit_checks", on=day)
            got = (Limits.from_rule(v.data), v.pk)
            self._by_day[day] = got
        return got

    def __call__(self, day: dt.date) -> Limits:
        return self.version(day)[0]


class Prices:
    """The government purchase price of an item for a county on a day (``services.purchase_prices``)."""

    def __init__(self) -> None:
        self._by_day: dict[dt.date, dict[str, Any]] = {}

    def fen(self, *, item: str, county: str, day: dt.date, unit_kind: str, minutes: int) -> int:
        data = self._by_day.get(day)
        if data is None:
            data = rule("services.purchase_prices", on=day)
            self._by_day[day] = data
        county_prices = (data.get("counties") or {}).get(county) or {}
        price = int(county_prices.get(item, (data.get("default") or {}).get(item, 0)))
        if unit_kind == ServiceItem.UnitKind.HOUR:
            return price * max(1, math.ceil(minutes / 60))  # per started hour
        return price


def _aware(at: dt.datetime) -> dt.datetime:
    return at if timezone.is_aware(at) else timezone.make_aware(at)


def _visit_in(v: ServiceVisit) -> VisitIn:
    return VisitIn(
        worker_id=v.worker_id,
        elder_id=v.elder_id,
        item_code=v.item_id,
        method=v.method,
        check_in_at=v.check_in_at,
        check_out_at=v.check_out_at,
        recorded_at=v.recorded_at,
        check_in_lon=v.check_in_lon,
        check_in_lat=v.check_in_lat,
        check_in_accuracy_m=v.check_in_accuracy_m,
        check_out_lon=v.check_out_lon,
        check_out_lat=v.check_out_lat,
        check_out_accuracy_m=v.check_out_accuracy_m,
        key=v.pk,
    )


def _status_of(r: Result) -> str:
    return S.VERIFIED if r.verified else S.HELD


def _in_approved_claim(visit_ids: Iterable[Any]) -> set[Any]:
    return set(
        ClaimLine.objects.filter(
            visit_id__in=list(visit_ids), claim__status=ServiceClaim.Status.APPROVED
        ).values_list("visit_id", flat=True)
    )


def _hold_overlapped(actor: Any, keys: set[Any], by_key: Mapping[Any, Any], note: str) -> list[ServiceVisit]:
    """Hold the stored visits a new visit overlaps (except those in an approved claim)."""
    if not keys:
        return []
    locked = _in_approved_claim(keys)
    rows = list(
        ServiceVisit.objects.select_for_update()
        .filter(pk__in=[k for k in keys if k not in locked])
        .exclude(status__in=(S.REJECTED, S.DENIED))
    )
    entries: list[ChangeLog] = []
    for row in rows:
        other = by_key.get(row.pk, "")
        reason = gettext("overlaps visit %(other)s of the same worker") % {"other": other}
        old_status, old_flags = row.status, list(row.flags)
        if "overlap" not in row.flags:
            row.flags = [*row.flags, "overlap"]
        row.flag_detail = {**row.flag_detail, "overlap": row.flag_detail.get("overlap") or reason}
        if row.status != S.OPEN:
            row.status = S.HELD
        entries.append(
            build_entry(
                actor=actor,
                action=ChangeLog.Action.UPDATE,
                target=row,
                changes={"status": [old_status, row.status], "flags": [old_flags, row.flags]},
                note=note,
            )
        )
    ServiceVisit.objects.bulk_update(rows, ["flags", "flag_detail", "status"])
    log_many(entries)
    return rows


def _apply(v: ServiceVisit, r: Result, rule_pk: int, price: int) -> None:
    v.flags = list(r.flags)
    v.flag_detail = dict(r.detail)
    v.minutes = r.minutes
    v.distance_m = r.distance_m
    v.status = _status_of(r)
    v.rule_versions = {"services.visit_checks": rule_pk}
    v.gov_fen = price


# --- one visit ------------------------------------------------------------------------------------


def _worker_of(provider: Provider, worker: Any) -> StaffMember:
    pk = getattr(worker, "pk", worker)
    found = StaffMember.objects.filter(pk=pk, provider=provider).first()
    if found is None:
        raise ValidationError({"worker": _("The worker is not on this provider's staff.")})
    return found


def _check_position(lon: float | None, lat: float | None, accuracy_m: int | None, prefix: str) -> None:
    errors: dict[str, Any] = {}
    if lon is not None and not -180 <= lon <= 180:
        errors[f"{prefix}_lon"] = _("A longitude lies between -180 and 180.")
    if lat is not None and not -90 <= lat <= 90:
        errors[f"{prefix}_lat"] = _("A latitude lies between -90 and 90.")
    if (lon is None) != (lat is None):
        errors[f"{prefix}_lon"] = _("Give both longitude and latitude, or neither.")
    if accuracy_m is not None and accuracy_m < 0:
        errors[f"{prefix}_accuracy_m"] = _("An accuracy is not negative.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def visit_check_in(
    *,
    actor: Any,
    worker: Any,
    at: dt.datetime,
    lon: float | None = None,
    lat: float | None = None,
    accuracy_m: int | None = None,
    method: str = ServiceVisit.Method.APP_GPS,
    order: ServiceOrder | None = None,
    provider: Provider | None = None,
    elder: Elder | None = None,
    item: ServiceItem | str | None = None,
) -> ServiceVisit:
    """Open a visit: of an order, or of (provider, elder, item). Checked at check-out."""
    if order is not None:
        order = ServiceOrder.objects.select_related("provider", "elder", "item").get(pk=order.pk)
        provider, elder, item = order.provider, order.elder, order.item
    if provider is None or elder is None or item is None:
        raise ValidationError({"order": _("Give an order, or a provider, a person and a service item.")})
    require_can_act(actor, provider)
    if isinstance(item, str):
        item_obj = ServiceItem.objects.filter(code=item).first()
        if item_obj is None:
            raise ValidationError({"item": _("No such service item.")})
        item = item_obj
    staff = _worker_of(provider, worker)
    if order is not None:
        if order.status not in (ServiceOrder.Status.ASSIGNED, ServiceOrder.Status.IN_SERVICE):
            raise ValidationError({"order": _("An order is served once it is assigned to a worker.")})
        if order.worker_id is not None and order.worker_id != staff.pk:
            raise ValidationError({"worker": _("The order is assigned to another worker.")})
    if method not in ServiceVisit.Method.values:
        raise ValidationError({"method": _("Not a check-in method.")})
    _check_position(lon, lat, accuracy_m, "check_in")
    at = _aware(at)
    visit = ServiceVisit(
        order=order,
        provider=provider,
        region_code=elder.region_code,
        elder=elder,
        worker=staff,
        item=item,
        method=method,
        check_in_at=at,
        check_in_lon=lon,
        check_in_lat=lat,
        check_in_accuracy_m=accuracy_m,
        service_day=local_day(at),
        recorded_at=clock.now(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
        source=ServiceVisit.Source.APP,
        status=S.OPEN,
    )
    stored = ServiceVisit.objects.filter(worker=staff, elder=elder, check_in_at=at).first()
    if stored is not None:
        return stored  # an app retry: the same visit
    try:
        with transaction.atomic():  # a savepoint: a parallel retry may win the unique constraint
            save_logged(
                visit,
                actor=actor,
                values={},
                fields=["provider", "elder", "worker", "item", "method", "check_in_at", "status"],
                exclude=["worker", "elder", "check_in_at"],  # the constraint decides, below
            )
    except IntegrityError:
        return ServiceVisit.objects.get(worker=staff, elder=elder, check_in_at=at)
    if order is not None and order.status == ServiceOrder.Status.ASSIGNED:
        order_start(actor=actor, order=order)  # the check-in starts the service
    return visit


@transaction.atomic
def visit_check_out(
    *,
    actor: Any,
    visit: ServiceVisit,
    at: dt.datetime,
    lon: float | None = None,
    lat: float | None = None,
    accuracy_m: int | None = None,
) -> ServiceVisit:
    """Close an open visit and check it: verified, or held with its flags."""
    row = (
        ServiceVisit.objects.select_for_update()
        .select_related("provider", "item")
        .filter(pk=visit.pk)
        .first()
    )
    if row is None:
        raise NotFound(str(visit.pk))
    require_can_act(actor, row.provider)
    if row.status != S.OPEN:
        raise ValidationError({"status": _("Only an open visit is checked out.")})
    at = _aware(at)
    if at < row.check_in_at:
        raise ValidationError({"at": _("The check-out is before the check-in.")})
    _check_position(lon, lat, accuracy_m, "check_out")
    row.check_out_at, row.check_out_lon, row.check_out_lat = at, lon, lat
    row.check_out_accuracy_m = accuracy_m
    row.recorded_at = clock.now()
    v = _visit_in(row)
    facts = facts_for([v])
    limits = LimitsByDay()
    results, hit = check_batch([v], facts, limits, local_day_of=local_day)
    r = results[0]
    price = Prices().fen(
        item=row.item_id,
        county=row.provider.region_code[:6],
        day=row.service_day,
        unit_kind=row.item.unit_kind,
        minutes=r.minutes,
    )
    _apply(row, r, limits.version(row.service_day)[1], price)
    row.integrity_hash = integrity_hash(v)
    save_logged(
        row,
        actor=actor,
        fields=[
            "check_out_at",
            "check_out_lon",
            "check_out_lat",
            "check_out_accuracy_m",
            "recorded_at",
            "status",
            "flags",
            "flag_detail",
            "minutes",
            "distance_m",
            "gov_fen",
            "integrity_hash",
            "rule_versions",
        ],
        clean=False,
    )
    _hold_overlapped(actor, hit, {k: row.pk for k in hit}, note="overlap")
    if row.order_id is not None:
        order = ServiceOrder.objects.get(pk=row.order_id)
        if order.status == ServiceOrder.Status.IN_SERVICE:
            order_finish(actor=actor, order=order)  # the check-out ends it; the family confirms
    return row


# --- many visits ----------------------------------------------------------------------------------


@dataclass
class RecordResult:
    created: int = 0
    unchanged: int = 0
    verified: int = 0
    held: int = 0
    flags: Counter[str] = field(default_factory=Counter)
    held_stored: int = 0
    visit_ids: list[Any] = field(default_factory=list)

    @property
    def visits(self) -> list[ServiceVisit]:
        """The new visits, in the order of the rows (read back)."""
        got = ServiceVisit.objects.in_bulk(self.visit_ids)
        return [got[pk] for pk in self.visit_ids]

    def summary(self) -> dict[str, int]:
        out = {"verified": self.verified, "held": self.held, "held_earlier": self.held_stored}
        out.update({f"flag_{k}": n for k, n in sorted(self.flags.items())})
        return out


def _noop(n: int) -> None:
    return None


def visits_record(
    *,
    actor: Any,
    rows: Sequence[Mapping[str, Any]],
    source: str = ServiceVisit.Source.IMPORT,
    progress: Progress = _noop,
    check_scope: bool = True,
) -> RecordResult:
    """Record many finished visits. Each row: ``provider`` (Provider), ``worker_id``, ``elder``
    (Elder or its id with ``region_code``), ``item`` (ServiceItem), ``method``, ``check_in_at``,
    ``check_out_at`` and the positions (``check_in_lon``...; accuracies optional). The rows were
    checked for possibility by the caller (the importer); here every check of the rule applies,
    and flags are results. A visit already stored (same worker, person and check-in) is left as
    it is. Runs in one transaction."""
    with transaction.atomic():
        return _record(actor=actor, rows=rows, source=source, progress=progress, check_scope=check_scope)


def _record(
    *, actor: Any, rows: Sequence[Mapping[str, Any]], source: str, progress: Progress, check_scope: bool
) -> RecordResult:
    out = RecordResult()
    if not rows:
        return out
    if check_scope:
        for provider in {r["provider"].pk: r["provider"] for r in rows}.values():
            require_can_act(actor, provider)
    now = clock.now()
    ins = [_aware(r["check_in_at"]) for r in rows]
    # the rows already stored (idempotent re-import): by (worker, elder, check-in)
    existing: set[tuple[Any, Any, dt.datetime]] = set()
    worker_ids = sorted({r["worker_id"] for r in rows})
    lo, hi = min(ins), max(ins)
    for part in chunks(worker_ids):
        existing.update(
            ServiceVisit.objects.filter(
                worker_id__in=list(part), check_in_at__gte=lo, check_in_at__lte=hi
            ).values_list("worker_id", "elder_id", "check_in_at")
        )
    todo: list[tuple[int, Mapping[str, Any], VisitIn]] = []
    seen: set[tuple[Any, Any, dt.datetime]] = set()
    for i, (r, cin) in enumerate(zip(rows, ins, strict=True)):
        elder_id = getattr(r["elder"], "pk", r["elder"])
        k = (r["worker_id"], elder_id, cin)
        if k in existing or k in seen:
            out.unchanged += 1
            continue
        seen.add(k)
        cout = r.get("check_out_at")
        todo.append(
            (
                i,
                r,
                VisitIn(
                    worker_id=r["worker_id"],
                    elder_id=elder_id,
                    item_code=getattr(r["item"], "code", r["item"]),
                    method=r["method"],
                    check_in_at=cin,
                    check_out_at=_aware(cout) if cout else None,
                    recorded_at=r.get("recorded_at") or now,
                    check_in_lon=r.get("check_in_lon"),
                    check_in_lat=r.get("check_in_lat"),
                    check_in_accuracy_m=r.get("check_in_accuracy_m"),
                    check_out_lon=r.get("check_out_lon"),
                    check_out_lat=r.get("check_out_lat"),
                    check_out_accuracy_m=r.get("check_out_accuracy_m"),
                    key=("row", i),
                ),
            )
        )
    if not todo:
        return out
    batch = [v for _i, _r, v in todo]
    facts = facts_for(batch)
    limits = LimitsByDay()
    results, hit = check_batch(batch, facts, limits, local_day_of=local_day)
    prices = Prices()
    unit_kinds = dict(
        ServiceItem.objects.filter(code__in={v.item_code for v in batch}).values_list("code", "unit_kind")
    )
    regions: dict[Any, str] = {}
    need = [
        v.elder_id for _i, r, v in todo if not hasattr(r["elder"], "region_code") and "region_code" not in r
    ]
    for part in chunks(sorted(set(need))):
        regions.update(Elder.objects.filter(pk__in=list(part)).values_list("pk", "region_code"))
    recorded_by = getattr(actor, "pk", None)
    values: list[dict[str, Any]] = []
    for (_i, r, v), res in zip(todo, results, strict=True):
        provider = r["provider"]
        day = local_day(v.check_in_at)
        region = r.get("region_code") or getattr(r["elder"], "region_code", None) or regions[v.elder_id]
        values.append(
            {
                "order_id": getattr(r.get("order"), "pk", r.get("order")),
                "provider_id": provider.pk,
                "region_code": region,
                "elder_id": v.elder_id,
                "worker_id": v.worker_id,
                "item_id": v.item_code,
                "method": v.method,
                "check_in_at": v.check_in_at,
                "check_in_lon": v.check_in_lon,
                "check_in_lat": v.check_in_lat,
                "check_in_accuracy_m": v.check_in_accuracy_m,
                "check_out_at": v.check_out_at,
                "check_out_lon": v.check_out_lon,
                "check_out_lat": v.check_out_lat,
                "check_out_accuracy_m": v.check_out_accuracy_m,
                "minutes": res.minutes,
                "distance_m": res.distance_m,
                "service_day": day,
                "recorded_at": v.recorded_at,
                "recorded_by_id": recorded_by,
                "source": source,
                "status": _status_of(res),
                "flags": list(res.flags),
                "flag_detail": dict(res.detail),
                "rule_versions": {"services.visit_checks": limits.version(day)[1]},
                "reviewed_by_id": None,
                "reviewed_at": None,
                "review_note": "",
                "gov_fen": prices.fen(
                    item=v.item_code,
                    county=provider.region_code[:6],
                    day=day,
                    unit_kind=unit_kinds.get(v.item_code, ""),
                    minutes=res.minutes,
                ),
                "integrity_hash": integrity_hash(v),
            }
        )
        if res.verified:
            out.verified += 1
        else:
            out.held += 1
            out.flags.update(res.flags)
    _insert(values, progress)
    # the new rows' keys, by (worker, elder, check-in)
    pk_of: dict[tuple[Any, Any, dt.datetime], int] = {}
    for part in chunks(worker_ids):
        for pk, w_id, e_id, cin in ServiceVisit.objects.filter(
            worker_id__in=list(part), check_in_at__gte=lo, check_in_at__lte=hi
        ).values_list("pk", "worker_id", "elder_id", "check_in_at"):
            if (w_id, e_id, cin) not in existing:
                pk_of[(w_id, e_id, cin)] = pk
    row_pk = {v.key: pk_of.get((v.worker_id, v.elder_id, v.check_in_at)) for v in batch}
    out.created = len(values)
    out.visit_ids = [row_pk[v.key] for v in batch]
    log_many(_summary_entries(actor, values, source, sample_pk=out.visit_ids[0]))
    # a row that overlaps a stored visit: the stored one is held too, its reason names the new one
    by_key: dict[Any, Any] = {}
    if hit:
        for v, res in zip(batch, results, strict=True):
            if "overlap" in res.flags:
                for start, stop, key in facts.workers[v.worker_id].busy:
                    if key in hit and stop > v.check_in_at and start < (v.check_out_at or v.check_in_at):
                        by_key.setdefault(key, row_pk[v.key])
    out.held_stored = len(_hold_overlapped(actor, hit, by_key, note=f"visits {source}: overlap"))
    # the reasons of rows that overlap other rows of the batch name the row: name the visit
    fix = []
    for v, val in zip(batch, values, strict=True):
        reason = val["flag_detail"].get("overlap", "")
        if "('row'," in reason:
            for key, pk in row_pk.items():
                reason = reason.replace(str(key), str(pk))
            fix.append(ServiceVisit(pk=row_pk[v.key], flag_detail={**val["flag_detail"], "overlap": reason}))
    if fix:
        ServiceVisit.objects.bulk_update(fix, ["flag_detail"], batch_size=2000)
    return out


_COLUMNS: list[Any] = []


def _insert(values: list[dict[str, Any]], progress: Progress) -> None:
    """One ``executemany`` per chunk of the stored columns (the rows are already checked; a
    model instance and ``bulk_create`` per row would cost more than the checks)."""
    if not _COLUMNS:
        _COLUMNS.extend(f for f in ServiceVisit._meta.concrete_fields if not f.primary_key)
    conn = connections[router.db_for_write(ServiceVisit)]
    ops = conn.ops
    table = ServiceVisit._meta.db_table
    names = ",".join(conn.ops.quote_name(f.column) for f in _COLUMNS)
    marks = ",".join(["%s"] * len(_COLUMNS))
    sql = f"INSERT INTO {conn.ops.quote_name(table)} ({names}) VALUES ({marks})"  # noqa: S608 - names from the model
    json_fields = [f for f in _COLUMNS if isinstance(f, models.JSONField)]
    adapt: list[Any] = []
    for f in _COLUMNS:
        if f in json_fields and conn.vendor == "sqlite":
            adapt.append(json.dumps)  # what JSONField stores there, without its per-value overhead
        elif f in json_fields:
            adapt.append(lambda x, f=f: f.get_db_prep_save(x, conn))
        elif isinstance(f, models.DateTimeField):
            adapt.append(ops.adapt_datetimefield_value)
        elif isinstance(f, models.DateField):
            adapt.append(ops.adapt_datefield_value)
        else:
            adapt.append(None)
    getter = operator.itemgetter(*(f.attname for f in _COLUMNS))
    adapters = [(i, a) for i, a in enumerate(adapt) if a is not None]
    with conn.cursor() as cur:
        for part in chunks(values, 2000):
            params = []
            for row in part:
                t = list(getter(row))
                for i, a in adapters:
                    if t[i] is not None:
                        t[i] = a(t[i])
                params.append(t)
            cur.executemany(sql, params)
            progress(len(part))


def _summary_entries(
    actor: Any, values: list[dict[str, Any]], source: str, sample_pk: Any
) -> list[ChangeLog]:
    per_region: Counter[str] = Counter(v["region_code"] for v in values)
    sample = ServiceVisit.objects.select_related("provider").filter(pk=sample_pk).first()
    return [
        summary_entry(
            actor=actor, model=ServiceVisit, region_code=code, count=n, note=f"visits {source}", sample=sample
        )
        for code, n in sorted(per_region.items())
    ]


# --- review ---------------------------------------------------------------------------------------


def require_can_review(actor: Any, visit: ServiceVisit) -> None:
    """A township or county civil-affairs officer of the person's region, who is neither the worker
    nor staff or operator of the visit's provider."""
    if not is_active_actor(actor):
        raise NotFound(str(visit.pk))
    require_region(actor, visit.region_code)
    if provider_id_of(actor):
        raise PermissionDenied(OWN_PROVIDER)
    require_sector(actor, "eldercare")
    if not actor.is_superuser and not set(actor.role_codes()) & set(REVIEWER_ROLES):
        raise PermissionDenied(NOT_REVIEWER)


def can_review(actor: Any, visit: ServiceVisit) -> bool:
    try:
        require_can_review(actor, visit)
    except (NotFound, PermissionDenied):
        return False
    return True


@transaction.atomic
def visit_review(*, actor: Any, visit: ServiceVisit, decision: str, note: str) -> ServiceVisit:
    """Clear (it counts) or reject (it does not) a held visit, with a note."""
    row = ServiceVisit.objects.select_for_update().filter(pk=visit.pk).first()
    if row is None:
        raise NotFound(str(visit.pk))
    require_can_review(actor, row)
    if decision not in ("clear", "reject"):
        raise ValidationError({"decision": _("Clear or reject.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("A review needs a note.")})
    if row.status != S.HELD:
        raise ValidationError({"status": _("Only a held visit is reviewed.")})
    save_logged(
        row,
        actor=actor,
        values={
            "status": S.CLEARED if decision == "clear" else S.REJECTED,
            "reviewed_by": actor,
            "reviewed_at": clock.now(),
            "review_note": note[:500],
        },
        note=note[:300],
        clean=False,
    )
    return row


__all__ = [
    "RecordResult",
    "can_review",
    "local_day",
    "require_can_review",
    "visit_check_in",
    "visit_check_out",
    "visit_review",
    "visits_record",
]
