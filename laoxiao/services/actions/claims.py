"""Monthly provider claims (结算申报) from verified visits, their call-backs (回访) and approval.

``claims_build`` builds or refreshes, for every provider with visits in a month, its
``ServiceClaim`` and one ``ClaimLine`` per counted visit (``ServiceVisit.COUNTED``: verified or
cleared). A line's ``price_fen`` is the visit's government price (``gov_fen``); its ``payable_fen``
is what is left of the person's entitlement of the month (``selectors.entitlements.month_values``).

**The order of the entitlement.** One person's entitlement is shared by every provider that served
them in the month: the month's counted visits of the person, across all providers, are taken in the
order of ``(check_in_at, visit id)``; each is paid up to what is left. Lines of an approved claim keep
their payable and use up their share first (they are never re-priced), whatever their time.

The build is set-based: one ``values_list`` pass over the month's visits, one over the entitlements,
one over the existing claims, lines and call-backs; then bulk writes. Nothing changed → nothing
written (no row, no change-log row). An approved claim is never changed: if its visits changed since,
it is reported (``ClaimCounts.approved_changed``), not re-priced.

``signature`` is a sha256 over the lines (visit id, price, payable, sorted by visit id):
``claim_signature_ok`` recomputes it, so an edit of the lines after approval shows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Model, Q
from django.utils.translation import gettext_lazy as _

from laoxiao.core import access, clock
from laoxiao.core.changelog import build_entry, log_change, log_many
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import rule
from laoxiao.providers.models import Provider
from laoxiao.services.models import Callback, ClaimLine, ServiceClaim, ServiceVisit
from laoxiao.services.selectors.entitlements import month_bounds, month_values

APPROVER_ROLES = ("civil_affairs_county", "city_admin")
CLAIM_FIELDS = (
    "visits",
    "verified",
    "flagged",
    "minutes",
    "amount_claimed_fen",
    "amount_payable_fen",
    "signature",
)
FLAGGED = (ServiceVisit.Status.HELD, ServiceVisit.Status.CLEARED, ServiceVisit.Status.REJECTED)


@dataclasses.dataclass
class ClaimCounts:
    """What a build did."""

    period: dt.date
    claims: int = 0  # providers with visits in the month
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    approved_kept: int = 0
    approved_changed: list[int] = dataclasses.field(default_factory=list)  # claim ids
    lines_created: int = 0
    lines_updated: int = 0
    lines_deleted: int = 0
    callbacks_created: int = 0

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["period"] = f"{self.period:%Y-%m}"
        return out


def signature_of(lines: Iterable[tuple[int, int, int]]) -> str:
    """sha256 over ``(visit id, price, payable)`` of the lines, sorted by visit id."""
    h = hashlib.sha256()
    for visit_id, price, payable in sorted(lines):
        h.update(f"{visit_id}:{price}:{payable}\n".encode())
    return h.hexdigest()


def claim_signature_ok(claim: ServiceClaim) -> bool:
    """The stored lines still give the claim's signature (no edit since it was built)."""
    lines = ClaimLine.objects.filter(claim=claim).values_list("visit_id", "price_fen", "payable_fen")
    return signature_of(lines) == claim.signature


def sample_key(period: dt.date, visit_id: int) -> str:
    """The call-back sampling order: sha256 of ``"YYYY-MM:visit id"`` (the same month, the same sample)."""
    return hashlib.sha256(f"{period:%Y-%m}:{visit_id}".encode()).hexdigest()


def callback_size(counted: int, period: dt.date) -> int:
    """How many of a claim's ``counted`` visits are called back (the rule ``services.callback_share``)."""
    if counted <= 0:
        return 0
    data = rule("services.callback_share", on=period)
    k = max(int(data.get("minimum", 0)), math.ceil(float(data["share"]) * counted))
    return min(k, counted)


# --- building ---------------------------------------------------------------------------------------


def _visit_rows(first: dt.date, last: dt.date, provider_ids: set[int] | None) -> list[tuple[Any, ...]]:
    """The month's visits of these providers (all providers when None), plus the counted visits of
    the same people at other providers (they share the entitlement), in ``(check_in_at, id)`` order:
    ``(id, provider, elder, region_code, status, has flags, minutes, gov_fen)``."""
    month = ServiceVisit.objects.filter(service_day__gte=first, service_day__lte=last)
    if provider_ids is not None:
        elders = month.filter(provider_id__in=provider_ids).values("elder_id")
        month = month.filter(
            Q(provider_id__in=provider_ids) | Q(elder_id__in=elders, status__in=ServiceVisit.COUNTED)
        )
    rows = (
        month.annotate(has_flags=ExpressionWrapper(~Q(flags=[]), output_field=BooleanField()))
        .order_by("check_in_at", "id")
        .values_list(
            "id", "provider_id", "elder_id", "region_code", "status", "has_flags", "minutes", "gov_fen"
        )
    )
    return list(rows.iterator(chunk_size=20000))


def _price(
    rows: list[tuple[Any, ...]], period: dt.date, frozen: dict[int, int], provider_ids: set[int] | None
) -> dict[int, tuple[int, int]]:
    """visit id → (price, payable) of every counted visit, the entitlement shared in time order
    (``rows`` come in ``(check_in_at, id)`` order)."""
    counted = [r for r in rows if r[4] in ServiceVisit.COUNTED]
    elders = {r[2] for r in counted}
    left = month_values(None if provider_ids is None else elders, period)
    # lines of approved claims keep their payable and use up their share first
    by_id = {r[0]: r for r in counted}
    for visit_id, payable in frozen.items():
        r = by_id.get(visit_id)
        if r is not None:
            left[r[2]] = left.get(r[2], 0) - payable
    out: dict[int, tuple[int, int]] = {}
    for r in counted:
        visit_id, elder_id, gov = r[0], r[2], r[7] or 0
        if visit_id in frozen:
            out[visit_id] = (gov, frozen[visit_id])
            continue
        pay = max(0, min(gov, left.get(elder_id, 0)))
        left[elder_id] = left.get(elder_id, 0) - pay
        out[visit_id] = (gov, pay)
    return out


def _insert(model: type[Model], columns: list[str], rows: list[tuple[Any, ...]], types: list[str]) -> None:
    """Append many rows: on PostgreSQL one ``INSERT … SELECT unnest(arrays)`` per 50,000 rows (no
    model instances), elsewhere ``bulk_create``."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**dict(zip(columns, r, strict=True))) for r in rows], batch_size=2000
        )
        return
    table = connection.ops.quote_name(model._meta.db_table)
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    names = ", ".join(connection.ops.quote_name(column_of[c]) for c in columns)
    arrays = ", ".join(f"%s::{t}[]" for t in types)
    sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608 (names from the model)
    with connection.cursor() as cur:
        for start in range(0, len(rows), 50000):
            part = rows[start : start + 50000]
            cur.execute(sql, [list(col) for col in zip(*part, strict=True)])


def _providers_for(actor: Any, provider: Provider | None) -> set[int] | None:
    """The providers a build may touch (None = every provider: the system or a city administrator)."""
    if provider is not None:
        if actor is not None:
            access.require_can_act(actor, provider)
        return {provider.pk}
    if actor is None or access.is_city_admin(actor):
        return None
    own = access.provider_id_of(actor)
    if own and access.is_active_actor(actor):
        return {own}  # a provider's operator builds its own claim
    access.require_sector(actor, "eldercare")
    return set(Provider.objects.visible_to(actor).values_list("pk", flat=True))


@transaction.atomic
def claims_build(*, actor: Any = None, period: dt.date, provider: Provider | None = None) -> ClaimCounts:
    """Build or refresh the month's claims (of one provider, or of every provider the actor may act
    for; ``actor=None`` is the system: the command). Idempotent; approved claims are kept."""
    first, last = month_bounds(period)
    provider_ids = _providers_for(actor, provider)
    return _build(actor=actor, first=first, last=last, provider_ids=provider_ids)


def _build(*, actor: Any, first: dt.date, last: dt.date, provider_ids: set[int] | None) -> ClaimCounts:
    counts = ClaimCounts(period=first)
    rows = _visit_rows(first, last, provider_ids)
    own_rows = rows if provider_ids is None else [r for r in rows if r[1] in provider_ids]
    by_provider: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for r in own_rows:
        by_provider[r[1]].append(r)
    counts.claims = len(by_provider)

    claims = {
        c.provider_id: c
        for c in ServiceClaim.objects.select_related("provider")
        .filter(period=first)
        .filter(Q(provider_id__in=list(by_provider)) if provider_ids is not None else Q())
    }
    approved_ids = {c.pk for c in claims.values() if c.status == ServiceClaim.Status.APPROVED}
    line_qs = ClaimLine.objects.filter(claim__period=first)
    if provider_ids is not None:
        line_qs = line_qs.filter(visit_id__in=[r[0] for r in rows])
    lines = {
        v: (pk, claim_id, price, pay)
        for pk, v, claim_id, price, pay in line_qs.values_list(
            "pk", "visit_id", "claim_id", "price_fen", "payable_fen"
        ).iterator(chunk_size=10000)
    }
    frozen = {v: line[3] for v, line in lines.items() if line[1] in approved_ids}
    priced = _price(rows, first, frozen, provider_ids)
    providers = {p.pk: p for p in Provider.objects.filter(pk__in=list(by_provider))}

    moment = clock.now()
    new_claims: list[ServiceClaim] = []
    changed_claims: list[tuple[ServiceClaim, dict[str, list[Any]]]] = []
    desired_lines: dict[
        int, tuple[int, int, int, str, int]
    ] = {}  # visit → (provider, price, pay, region, elder)
    for pid, prow in by_provider.items():
        counted = [r for r in prow if r[4] in ServiceVisit.COUNTED]
        sig_lines = [(r[0], *priced[r[0]]) for r in counted]
        values: dict[str, Any] = {
            "visits": len(prow),
            "verified": len(counted),
            "flagged": sum(1 for r in prow if r[5] or r[4] in FLAGGED),
            "minutes": sum(r[6] or 0 for r in counted),
            "amount_claimed_fen": sum(p for _v, p, _pay in sig_lines),
            "amount_payable_fen": sum(pay for _v, _p, pay in sig_lines),
            "signature": signature_of(sig_lines),
        }
        claim = claims.get(pid)
        if claim is not None and claim.pk in approved_ids:
            counts.approved_kept += 1
            if values["signature"] != claim.signature or values["visits"] != claim.visits:
                counts.approved_changed.append(claim.pk)
            continue
        for r in counted:
            desired_lines[r[0]] = (pid, priced[r[0]][0], priced[r[0]][1], r[3], r[2])
        if claim is None:
            claim = ServiceClaim(
                provider=providers[pid],  # the instance: the change log reads its sector
                region_code=providers[pid].region_code,
                period=first,
                prepared_by=actor if getattr(actor, "pk", None) else None,
                prepared_at=moment,
                **values,
            )
            new_claims.append(claim)
            continue
        diff = {f: [getattr(claim, f), v] for f, v in values.items() if getattr(claim, f) != v}
        if claim.status == ServiceClaim.Status.RETURNED:
            diff["status"] = [claim.status, ServiceClaim.Status.PREPARED]
        if not diff:
            counts.unchanged += 1
            continue
        for f, (_old, new) in diff.items():
            setattr(claim, f, new)
        if getattr(actor, "pk", None):  # a rebuild by the system keeps who prepared it
            claim.prepared_by = actor
        claim.prepared_at = moment
        changed_claims.append((claim, diff))

    ServiceClaim.objects.bulk_create(new_claims, batch_size=2000)
    if changed_claims:
        ServiceClaim.objects.bulk_update(
            [c for c, _d in changed_claims],
            [*CLAIM_FIELDS, "status", "prepared_by", "prepared_at"],
            batch_size=2000,
        )
    counts.created, counts.updated = len(new_claims), len(changed_claims)
    claim_of = {c.provider_id: c for c in claims.values()} | {c.provider_id: c for c in new_claims}

    # lines: create, update, delete (only of the claims built here)
    built_claim_ids = {claim_of[pid].pk for pid in by_provider if claim_of[pid].pk not in approved_ids}
    to_create: list[tuple[Any, ...]] = []
    to_update: list[ClaimLine] = []
    for visit_id, (pid, price, pay, region, elder_id) in desired_lines.items():
        claim_id = claim_of[pid].pk
        old = lines.get(visit_id)
        if old is None:
            to_create.append((claim_id, visit_id, region, elder_id, price, pay))
        elif old[1:] != (claim_id, price, pay):
            to_update.append(ClaimLine(pk=old[0], claim_id=claim_id, price_fen=price, payable_fen=pay))
    stale = [line[0] for v, line in lines.items() if line[1] in built_claim_ids and v not in desired_lines]
    if stale:
        ClaimLine.objects.filter(pk__in=stale).delete()
    _insert(
        ClaimLine,
        ["claim_id", "visit_id", "region_code", "elder_id", "price_fen", "payable_fen"],
        to_create,
        ["bigint", "bigint", "text", "bigint", "integer", "integer"],
    )
    if to_update:
        ClaimLine.objects.bulk_update(to_update, ["claim_id", "price_fen", "payable_fen"], batch_size=5000)
    counts.lines_created, counts.lines_updated, counts.lines_deleted = (
        len(to_create),
        len(to_update),
        len(stale),
    )

    counts.callbacks_created = _sample_callbacks(first, by_provider, claim_of, approved_ids)

    entries = [
        build_entry(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=c,
            changes={f: [None, getattr(c, f)] for f in CLAIM_FIELDS},
            note="claims_build",
        )
        for c in new_claims
    ] + [
        build_entry(actor=actor, action=ChangeLog.Action.UPDATE, target=c, changes=d, note="claims_build")
        for c, d in changed_claims
    ]
    log_many(entries)
    return counts


def _sample_callbacks(
    first: dt.date,
    by_provider: dict[int, list[tuple[Any, ...]]],
    claim_of: dict[int, ServiceClaim],
    approved_ids: set[int],
) -> int:
    """Top up each built claim's call-backs to the rule's share: candidates are its counted visits and
    those already called back, in the order of ``sample_key``; existing rows are kept."""
    claim_ids = [claim_of[pid].pk for pid in by_provider if claim_of[pid].pk not in approved_ids]
    existing: dict[int, set[int]] = defaultdict(set)
    for claim_id, visit_id in Callback.objects.filter(claim_id__in=claim_ids).values_list(
        "claim_id", "visit_id"
    ):
        existing[claim_id].add(visit_id)
    new: list[tuple[Any, ...]] = []
    for pid, prow in by_provider.items():
        claim = claim_of[pid]
        if claim.pk in approved_ids:
            continue
        have = existing.get(claim.pk, set())
        region = {r[0]: r[3] for r in prow}
        counted = {r[0] for r in prow if r[4] in ServiceVisit.COUNTED}
        k = callback_size(len(counted), first)
        candidates = sorted(counted | have, key=lambda v: sample_key(first, v))
        for visit_id in candidates[:k]:
            if visit_id not in have:
                new.append((visit_id, claim.pk, region[visit_id], Callback.Answer.PENDING, ""))
    _insert(
        Callback,
        ["visit_id", "claim_id", "region_code", "answer", "note"],
        new,
        ["bigint", "bigint", "text", "text", "text"],
    )
    return len(new)


# --- approval -------------------------------------------------------------------------------------


def can_approve(actor: Any, claim: ServiceClaim) -> bool:
    """A county civil-affairs officer over the provider's region, or a city administrator (the
    preparer is refused separately)."""
    if access.is_city_admin(actor):
        return True
    return bool(
        access.in_region(actor, claim.region_code)
        and access.has_sector(actor, "eldercare")
        and not access.provider_id_of(actor)
        and set(APPROVER_ROLES) & set(actor.role_codes())
    )


def _locked(actor: Any, claim: ServiceClaim) -> ServiceClaim:
    if not access.is_city_admin(actor):
        access.require_region(actor, claim.region_code)
    return ServiceClaim.objects.select_for_update().get(pk=claim.pk)


def _require_approver(actor: Any, claim: ServiceClaim) -> None:
    if not can_approve(actor, claim):
        raise PermissionDenied(_("Only the county civil-affairs office approves or returns a claim."))


@transaction.atomic
def claim_approve(*, actor: Any, claim: ServiceClaim, note: str = "") -> ServiceClaim:
    """Approve a prepared claim: by a county civil-affairs officer or a city administrator, never by
    who prepared it, and only when every call-back of it is answered and its lines are untouched."""
    claim = _locked(actor, claim)
    _require_approver(actor, claim)
    if claim.prepared_by_id and claim.prepared_by_id == actor.pk:
        raise PermissionDenied(_("Who prepared a claim cannot approve it."))
    if claim.status != ServiceClaim.Status.PREPARED:
        raise ValidationError({"status": _("Only a prepared claim can be approved.")})
    if Callback.objects.filter(claim=claim, answer=Callback.Answer.PENDING).exists():
        raise ValidationError({"callbacks": _("Some call-backs of this claim are not answered yet.")})
    if not claim_signature_ok(claim):
        raise ValidationError({"signature": _("The lines changed since the claim was built: rebuild it.")})
    old = claim.status
    claim.status = ServiceClaim.Status.APPROVED
    claim.approved_by = actor
    claim.approved_at = clock.now()
    claim.note = note[:500]
    claim.save(update_fields=["status", "approved_by", "approved_at", "note"])
    log_change(
        actor=actor,
        action=ChangeLog.Action.STATUS,
        target=claim,
        changes={"status": [old, claim.status]},
        note=note,
    )
    return claim


@transaction.atomic
def claim_return(*, actor: Any, claim: ServiceClaim, note: str) -> ServiceClaim:
    """Send a prepared claim back (with the reason); the next build prepares it again."""
    claim = _locked(actor, claim)
    _require_approver(actor, claim)
    if claim.status != ServiceClaim.Status.PREPARED:
        raise ValidationError({"status": _("Only a prepared claim can be returned.")})
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the claim is returned.")})
    old = claim.status
    claim.status = ServiceClaim.Status.RETURNED
    claim.note = note.strip()[:500]
    claim.save(update_fields=["status", "note"])
    log_change(
        actor=actor,
        action=ChangeLog.Action.STATUS,
        target=claim,
        changes={"status": [old, claim.status]},
        note=note,
    )
    return claim


# --- call-backs -----------------------------------------------------------------------------------


@transaction.atomic
def callback_answer(*, actor: Any, callback: Callback, answer: str, note: str = "") -> Callback:
    """Record a call-back's answer: by a civil-affairs officer of the person's region (never the
    provider's staff). ``denied`` un-verifies the visit (status ``denied``) and, the claim not being
    approved, rebuilds the month's claims of the providers that served the person."""
    access.require_region(actor, callback.region_code)
    if access.provider_id_of(actor) and not actor.is_superuser:
        raise PermissionDenied(_("A provider's staff cannot answer its call-backs."))
    access.require_sector(actor, "eldercare")
    callback = Callback.objects.select_for_update().select_related("claim", "visit").get(pk=callback.pk)
    claim = ServiceClaim.objects.select_for_update().get(pk=callback.claim_id)
    if answer not in Callback.Answer.values or answer == Callback.Answer.PENDING:
        raise ValidationError({"answer": _("Choose an answer.")})
    if claim.status == ServiceClaim.Status.APPROVED:
        raise ValidationError({"answer": _("The claim is approved: its call-backs are closed.")})
    if callback.answer == Callback.Answer.DENIED:
        raise ValidationError({"answer": _("A denied visit stays denied.")})
    old = callback.answer
    callback.answer = answer
    callback.answered_by = actor
    callback.answered_at = clock.now()
    callback.note = (note or "")[:500]
    callback.save(update_fields=["answer", "answered_by", "answered_at", "note"])
    log_change(
        actor=actor,
        action=ChangeLog.Action.STATUS,
        target=callback,
        changes={"answer": [old, answer]},
        note=note,
    )
    if answer == Callback.Answer.DENIED:
        visit = ServiceVisit.objects.select_for_update().get(pk=callback.visit_id)
        was = visit.status
        visit.status = ServiceVisit.Status.DENIED
        visit.save(update_fields=["status"])
        log_change(
            actor=actor,
            action=ChangeLog.Action.STATUS,
            target=visit,
            changes={"status": [was, visit.status]},
            note="callback denied",
        )
        first, last = month_bounds(claim.period)
        providers = set(
            ServiceVisit.objects.filter(
                elder_id=visit.elder_id, service_day__gte=first, service_day__lte=last
            ).values_list("provider_id", flat=True)
        )
        _build(actor=None, first=first, last=last, provider_ids=providers | {claim.provider_id})
    return callback
