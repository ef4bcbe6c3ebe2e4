"""Payment batches: open, build (chunked, resumable), approve (maker-checker), send, follow-up, cancel.

The build is the part that must survive a kill at any moment:

1. **plan** — once: the calculator's candidate ids are split into chunks of about
   ``LAOXIAO_BENEFIT_CHUNK_SIZE`` (1000) ids; the chunk rows and ``chunks_total`` are written in
   one transaction, guarded by a conditional update of ``build_status`` (pending → building), so
   two builders never plan twice. Killed before that commit: nothing; after it: the ranges are fixed.
2. **chunks** — each not-done chunk: its lease is taken (a conditional update: free, expired or
   ours), the calculator's payables for ``[lo, hi]`` are read, and ONE short transaction marks the
   chunk done (a conditional update on ``done=False``: a second writer of the same chunk writes
   nothing), bulk-inserts its items and adds to the batch's counters (``F()``). A beneficiary with
   a live item of the programme and period in another batch is skipped ("already paid
   elsewhere"); the database constraint ``item_one_live_per_period`` is the backstop (a chunk that
   races another batch rolls back and is retried).
3. **finish** — when every chunk is done, the batch's totals are recomputed from its items (the
   truth) and it becomes built / ready, once (a conditional update).

A killed build leaves whole chunks or none; running the build again finishes the same batch with
the same items. ``LAOXIAO_TEST_BATCH_SLEEP`` (seconds, tests only) sleeps inside every chunk's
transaction after its items are written, so a test can kill the process with a chunk half-way.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from laoxiao.benefits.actions.batch_items import insert_items, item_code, signature_of
from laoxiao.benefits.actions.postings import post_batch_approved, post_item_cancelled
from laoxiao.benefits.actions.stops import STOP_MARK, registry_ends
from laoxiao.benefits.eligibility import Payable, calculator_for, period_start
from laoxiao.benefits.models import BatchChunk, PaymentAccount, PaymentBatch, PaymentItem, Programme
from laoxiao.core import access, clock
from laoxiao.core.changelog import log_change
from laoxiao.core.models import ChangeLog
from laoxiao.jobs.actions import job_enqueue
from laoxiao.jobs.models import Job
from laoxiao.regions.models import Region

B = PaymentBatch.Status
BS = PaymentBatch.Build
IS = PaymentItem.Status

# county offices that approve a batch of their own county (a city administrator approves any)
APPROVER_ROLES = ("civil_affairs_county", "health_county")
NO_ACCOUNT = "no payment account"
NOT_SENT = "not sent, held: "  # an item held when its batch was sent (then failed, paid by a follow-up)
LIVE_EXCLUDED = (IS.FAILED, IS.CANCELLED)
# the items whose (code, amount, account) the approval signs: the approved ones and those that left
# the approved set without being paid by this batch's file (cancelled) or after it (sent, paid, failed)
SIGNED = (IS.APPROVED, IS.SENT, IS.PAID, IS.FAILED, IS.CANCELLED)
SEND_CHUNK = 1000
# a calculator's source → the items' and accounts' key on it (a chunk is a range of these ids)
SOURCE_FIELD = {"elder": "elder_id", "child": "child_id", "provider": "provider_id", "staff": "staff_id"}


def chunk_size() -> int:
    return max(1, int(getattr(settings, "LAOXIAO_BENEFIT_CHUNK_SIZE", 1000)))


def lease_seconds() -> int:
    return max(1, int(getattr(settings, "LAOXIAO_BENEFIT_LEASE_SECONDS", 120)))


def default_owner() -> str:
    """The lease owner of a foreground build: the host, so a rerun after a kill on the same machine
    takes its chunks back at once (two builders on one host are kept apart by the done guard)."""
    return f"cli@{socket.gethostname()}"[:64]


def region_prefix(region_code: str) -> str:
    """The code prefix a batch's region covers (the city's four digits, a county's six)."""
    if region_code[4:] == "00000000":
        return region_code[:4]
    return region_code[:6]


def batch_signature(batch: PaymentBatch) -> str:
    rows = (
        PaymentItem.objects.filter(batch=batch, status__in=SIGNED)
        .order_by("id")
        .values_list("code", "amount_fen", "account_id")
    )
    return signature_of(rows.iterator(chunk_size=5000))


def batch_signature_ok(batch: PaymentBatch) -> bool:
    return bool(batch.signature) and batch_signature(batch) == batch.signature


# --- who ------------------------------------------------------------------------------------------


def require_batch_scope(actor: Any, programme: Programme, region_code: str) -> None:
    """The actor sees the region and works in the programme's sector (``NotFound`` / ``PermissionDenied``)."""
    access.require_region_and_sector(actor, region_code, programme.sector)


def can_approve(actor: Any, batch: PaymentBatch) -> bool:
    """A city administrator, or a county officer of the programme's sector over the batch's
    region; never the batch's maker."""
    if batch.created_by_id and batch.created_by_id == getattr(actor, "pk", None):
        return False
    if access.is_city_admin(actor):
        return True
    return bool(
        access.in_region(actor, batch.region_code)
        and access.has_sector(actor, batch.programme.sector)
        and not access.provider_id_of(actor)
        and set(APPROVER_ROLES) & set(actor.role_codes())
    )


def _require_approver(actor: Any, batch: PaymentBatch) -> None:
    require_batch_scope(actor, batch.programme, batch.region_code)
    if batch.created_by_id and batch.created_by_id == actor.pk:
        raise PermissionDenied(_("Who made a batch cannot approve it."))
    if not can_approve(actor, batch):
        raise PermissionDenied(_("Only a city administrator or the county office approves a batch."))


# --- open -----------------------------------------------------------------------------------------


def _batch_region(region_code: str) -> Region:
    region = Region.objects.filter(code=region_code).first()
    if region is None or region.level not in (Region.Level.CITY, Region.Level.COUNTY):
        raise ValidationError({"region": _("A batch is for the city or one county.")})
    return region


def regular_batch(programme: Programme, period: dt.date, region_code: str) -> PaymentBatch | None:
    return (
        PaymentBatch.objects.filter(
            programme=programme, period=period, region_code=region_code, kind=PaymentBatch.Kind.REGULAR
        )
        .exclude(status=B.CANCELLED)
        .first()
    )


def batch_open(*, actor: Any, programme: Programme, period: dt.date, region_code: str) -> PaymentBatch:
    """The regular batch of ``programme``, ``period`` and ``region_code`` (the city or a county):
    created (pending, not built) or, when it exists, returned as it is. Safe to call twice at once:
    the database keeps one regular batch per period and the loser reads the winner's."""
    region_code = (region_code or "").strip() or str(settings.LAOXIAO_CITY_CODE)
    require_batch_scope(actor, programme, region_code)
    _batch_region(region_code)
    if not programme.active:
        raise ValidationError({"programme": _("This programme is not active.")})
    try:
        calculator_for(programme)
    except LookupError:
        raise ValidationError({"programme": _("This programme has no eligibility calculator yet.")}) from None
    period = period_start(programme, period)
    found = regular_batch(programme, period, region_code)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            batch = PaymentBatch.objects.create(
                programme=programme,
                period=period,
                region_code=region_code,
                created_by=actor if getattr(actor, "pk", None) else None,
                created_at=clock.now(),
            )
            log_change(actor=actor, action=ChangeLog.Action.CREATE, target=batch, note="batch opened")
    except IntegrityError:
        found = regular_batch(programme, period, region_code)
        if found is None:
            raise
        return found
    return batch


# --- build ----------------------------------------------------------------------------------------


@dataclass
class ChunkResult:
    items: int = 0
    total_fen: int = 0
    held: int = 0
    skipped: int = 0


def _plan(batch: PaymentBatch) -> None:
    """Split the candidates into chunks, once (a kill before the commit leaves nothing)."""
    calc = calculator_for(batch.programme)
    ids = list(calc.candidate_ids(batch.programme, batch.period, region_prefix(batch.region_code)))
    size = chunk_size()
    ranges = [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]
    with transaction.atomic():
        taken = PaymentBatch.objects.filter(
            pk=batch.pk, build_status__in=[BS.PENDING, BS.FAILED], chunks_total=0
        ).update(build_status=BS.BUILDING, chunks_total=len(ranges))
        if not taken or BatchChunk.objects.filter(batch=batch).exists():
            transaction.set_rollback(True)  # another builder planned it
            return
        BatchChunk.objects.bulk_create(
            [BatchChunk(batch=batch, seq=n, lo=lo, hi=hi) for n, (lo, hi) in enumerate(ranges)],
            batch_size=2000,
        )


def _lease(chunk_id: int, owner: str) -> bool:
    now = clock.now()
    free = Q(lease_expires__isnull=True) | Q(lease_expires__lt=now) | Q(lease_owner=owner)
    return bool(
        BatchChunk.objects.filter(free, pk=chunk_id, done=False).update(
            lease_owner=owner, lease_expires=now + dt.timedelta(seconds=lease_seconds())
        )
    )


def _test_sleep() -> None:
    pause = os.environ.get("LAOXIAO_TEST_BATCH_SLEEP", "")
    if pause:
        time.sleep(float(pause))


def _write_chunk(
    batch: PaymentBatch, chunk: BatchChunk, payables: list[Payable], source: str
) -> ChunkResult | None:
    """The chunk's one transaction: done guard, items, counters. None when another writer did it."""
    out = ChunkResult()
    now = clock.now()
    with transaction.atomic():
        if not BatchChunk.objects.filter(pk=chunk.pk, done=False).update(
            done=True, lease_owner="", lease_expires=None
        ):
            return None
        # the chunk's id range on the source's key (one range query each, no list of a thousand keys)
        in_range = {f"{SOURCE_FIELD[source]}__gte": chunk.lo, f"{SOURCE_FIELD[source]}__lte": chunk.hi}
        paid = set(
            PaymentItem.objects.filter(programme_id=batch.programme_id, period=batch.period, **in_range)
            .exclude(status__in=LIVE_EXCLUDED)
            .values_list("beneficiary_key", flat=True)
        )
        accounts = dict(
            PaymentAccount.objects.filter(active=True, **in_range).values_list("beneficiary_key", "id")
        )
        rows = []
        for p in payables:
            if p.beneficiary_key in paid:
                out.skipped += 1
                continue
            account = accounts.get(p.beneficiary_key)
            rows.append(
                {
                    "code": item_code(batch.pk, batch.period, p.beneficiary_key),
                    "beneficiary_key": p.beneficiary_key,
                    "elder_id": p.elder_id,
                    "child_id": p.child_id,
                    "provider_id": p.provider_id,
                    "staff_id": p.staff_id,
                    "region_code": p.region_code,
                    "amount_fen": p.amount_fen,
                    "status": IS.READY if account else IS.HELD,
                    "status_reason": "" if account else NO_ACCOUNT,
                    "account_id": account,
                    "rule_key": p.rule_key,
                    "rule_from": p.rule_from,
                }
            )
            out.items += 1
            out.total_fen += p.amount_fen
            out.held += 0 if account else 1
        insert_items(rows, batch=batch, now=now)
        BatchChunk.objects.filter(pk=chunk.pk).update(
            items=out.items, total_fen=out.total_fen, skipped=out.skipped
        )
        PaymentBatch.objects.filter(pk=batch.pk).update(
            chunks_done=F("chunks_done") + 1,
            items_count=F("items_count") + out.items,
            total_fen=F("total_fen") + out.total_fen,
            held_count=F("held_count") + out.held,
            skipped_count=F("skipped_count") + out.skipped,
        )
        _test_sleep()
    return out


def _build_chunk(batch: PaymentBatch, chunk: BatchChunk, owner: str) -> bool:
    """Lease, read, write one chunk; True when this builder wrote it."""
    if not _lease(chunk.pk, owner):
        return False
    calc = calculator_for(batch.programme)
    for attempt in range(3):
        payables = calc.payables(
            batch.programme, batch.period, region_prefix(batch.region_code), chunk.lo, chunk.hi
        )
        try:
            return _write_chunk(batch, chunk, payables, calc.source) is not None
        except IntegrityError:  # another batch made an item of one of them meanwhile: read again
            if attempt == 2:
                raise
    return False


def _finish(batch: PaymentBatch, actor: Any) -> None:
    """Every chunk done: totals from the items (the truth), built, ready — once."""
    with transaction.atomic():
        if BatchChunk.objects.filter(batch=batch, done=False).exists():
            return
        agg = (
            PaymentItem.objects.filter(batch=batch)
            .exclude(status=IS.CANCELLED)
            .aggregate(n=Count("id"), total=Sum("amount_fen"), held=Count("id", filter=Q(status=IS.HELD)))
        )
        chunks = BatchChunk.objects.filter(batch=batch).aggregate(n=Count("id"), skipped=Sum("skipped"))
        done = PaymentBatch.objects.filter(
            pk=batch.pk, build_status__in=[BS.BUILDING, BS.FAILED], status=B.DRAFT
        ).update(
            build_status=BS.BUILT,
            status=B.READY,
            chunks_done=chunks["n"] or 0,
            chunks_total=chunks["n"] or 0,
            items_count=agg["n"] or 0,
            total_fen=agg["total"] or 0,
            held_count=agg["held"] or 0,
            skipped_count=chunks["skipped"] or 0,
        )
        if done:
            batch.refresh_from_db()
            log_change(
                actor=actor,
                action=ChangeLog.Action.STATUS,
                target=batch,
                changes={"status": [B.DRAFT.value, B.READY.value]},
                note=f"batch built: {batch.items_count} items, {batch.total_fen} fen",
            )


def batch_build(
    *,
    batch: PaymentBatch,
    actor: Any = None,
    progress: Callable[..., None] | None = None,
    owner: str = "",
) -> PaymentBatch:
    """Build (or finish building) a batch; repeatable and resumable (see the module docstring).
    A batch already built, or past building, is returned unchanged. ``progress(done, total)`` is
    called after each chunk. Who may build was checked when the batch was opened (``batch_open``)
    or the job was queued."""
    owner = (owner or default_owner())[:64]
    batch = PaymentBatch.objects.select_related("programme").get(pk=batch.pk)
    actor = actor if actor is not None else batch.created_by
    if batch.status != B.DRAFT or batch.build_status == BS.BUILT:
        return batch
    if not BatchChunk.objects.filter(batch=batch).exists() and batch.build_status != BS.BUILDING:
        _plan(batch)
    while True:
        pending = list(BatchChunk.objects.filter(batch=batch, done=False).order_by("seq"))
        if not pending:
            break
        wrote = False
        for chunk in pending:
            wrote = _build_chunk(batch, chunk, owner) or wrote
            if progress is not None:
                row = PaymentBatch.objects.values("chunks_done", "chunks_total").get(pk=batch.pk)
                progress(row["chunks_done"], row["chunks_total"])
        if not wrote:  # every chunk left is leased by another builder: wait for it (or its lease)
            time.sleep(0.5)
    _finish(batch, actor)
    return PaymentBatch.objects.select_related("programme").get(pk=batch.pk)


def batch_build_failed(*, batch: PaymentBatch, message: str) -> None:
    """Record that a build stopped on an error (the business state stays as it was; rerun resumes)."""
    PaymentBatch.objects.filter(pk=batch.pk, build_status__in=[BS.PENDING, BS.BUILDING]).update(
        build_status=BS.FAILED, note=message[:500]
    )


# --- approve, send --------------------------------------------------------------------------------


def batch_approve(*, actor: Any, batch: PaymentBatch) -> PaymentBatch:
    """READY → APPROVED by someone other than its maker (a city administrator or the county office
    of the programme's sector); items READY → APPROVED (held stay held); the signature over the
    approved items; budget → payable postings; a change-log row. Approving an approved (or sent)
    batch again changes nothing and answers the batch."""
    batch = PaymentBatch.objects.select_related("programme").get(pk=batch.pk)
    _require_approver(actor, batch)
    if batch.status in (B.APPROVED, B.SENT, B.RECONCILED):
        return batch
    if batch.status != B.READY:
        raise ValidationError({"status": _("Only a built batch waiting for approval can be approved.")})
    with transaction.atomic():
        now = clock.now()
        if not PaymentBatch.objects.filter(pk=batch.pk, status=B.READY).update(
            status=B.APPROVED, approved_by=actor, approved_at=now
        ):
            return PaymentBatch.objects.select_related("programme").get(pk=batch.pk)  # approved meanwhile
        PaymentItem.objects.filter(batch=batch, status=IS.READY).update(status=IS.APPROVED, updated_at=now)
        signature = batch_signature(batch)
        PaymentBatch.objects.filter(pk=batch.pk).update(signature=signature)
        batch.refresh_from_db()
        post_batch_approved(batch, actor)
        log_change(
            actor=actor,
            action=ChangeLog.Action.STATUS,
            target=batch,
            changes={"status": [B.READY.value, B.APPROVED.value]},
            note=f"batch approved, signature {signature[:16]}",
        )
    return batch


def batch_send(*, actor: Any, batch: PaymentBatch) -> PaymentBatch:
    """APPROVED → SENT: the approved items become sent in chunks (each its own short transaction;
    rerun after a kill finishes the rest), then the batch (``sent_at``). Refused when the items no
    longer match the approval's signature (an edit after approval). A sent batch is answered as is."""
    batch = PaymentBatch.objects.select_related("programme").get(pk=batch.pk)
    require_batch_scope(actor, batch.programme, batch.region_code)
    if not can_approve(actor, batch) and not access.is_city_admin(actor):
        raise PermissionDenied(_("Only a city administrator or the county office sends a batch."))
    if batch.status in (B.SENT, B.RECONCILED):
        return batch
    if batch.status != B.APPROVED:
        raise ValidationError({"status": _("Only an approved batch can be sent.")})
    if not batch_signature_ok(batch):
        raise ValidationError(
            {"signature": _("The items changed after the approval: the batch cannot be sent.")}
        )
    ids = list(
        PaymentItem.objects.filter(batch=batch, status=IS.APPROVED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    for start in range(0, len(ids), SEND_CHUNK):
        with transaction.atomic():
            PaymentItem.objects.filter(pk__in=ids[start : start + SEND_CHUNK], status=IS.APPROVED).update(
                status=IS.SENT, updated_at=clock.now()
            )
    with transaction.atomic():
        # what is held (no payment account) is not paid by this batch: it is not sent, so it is
        # "not paid" like a bank failure, and the follow-up batch pays it once an account is given
        PaymentItem.objects.filter(batch=batch, status=IS.HELD).update(
            status=IS.FAILED,
            status_reason=Substr(Concat(Value(NOT_SENT), F("status_reason")), 1, 300),
            updated_at=clock.now(),
        )
        if PaymentBatch.objects.filter(pk=batch.pk, status=B.APPROVED).update(
            status=B.SENT, sent_at=clock.now()
        ):
            batch.refresh_from_db()
            log_change(
                actor=actor,
                action=ChangeLog.Action.STATUS,
                target=batch,
                changes={"status": [B.APPROVED.value, B.SENT.value]},
                note=f"batch sent: {len(ids)} items",
            )
    return PaymentBatch.objects.select_related("programme").get(pk=batch.pk)


# --- follow-up, cancel ----------------------------------------------------------------------------


def batch_follow_up(*, actor: Any, batch: PaymentBatch) -> PaymentBatch:
    """The follow-up batch of ``batch``: exactly its items not paid — failed at the bank, or held
    (no payment account) when the batch was sent — each as a new item (``source`` =
    the failed item; same beneficiary, period and amount; the account read again: the current one,
    else held). Built at once (ready), it needs an approval like any batch. Made once: a second call
    answers the same follow-up."""
    batch = PaymentBatch.objects.select_related("programme").get(pk=batch.pk)
    require_batch_scope(actor, batch.programme, batch.region_code)
    found = PaymentBatch.objects.filter(follow_up_of=batch).first()
    if found is not None:
        return found
    if batch.status not in (B.SENT, B.RECONCILED):
        raise ValidationError({"batch": _("Only a sent batch has failed items to pay again.")})
    failed = list(PaymentItem.objects.filter(batch=batch, status=IS.FAILED).order_by("id"))
    if not failed:
        raise ValidationError({"batch": _("This batch has no failed items.")})
    try:
        with transaction.atomic():
            follow = PaymentBatch.objects.create(
                programme=batch.programme,
                period=batch.period,
                region_code=batch.region_code,
                kind=PaymentBatch.Kind.FOLLOW_UP,
                follow_up_of=batch,
                created_by=actor if getattr(actor, "pk", None) else None,
                created_at=clock.now(),
                build_status=BS.BUILDING,
            )
            keys = [i.beneficiary_key for i in failed]
            live = set(
                PaymentItem.objects.filter(
                    programme_id=batch.programme_id, period=batch.period, beneficiary_key__in=keys
                )
                .exclude(status__in=LIVE_EXCLUDED)
                .values_list("beneficiary_key", flat=True)
            )
            accounts = dict(
                PaymentAccount.objects.filter(beneficiary_key__in=keys, active=True).values_list(
                    "beneficiary_key", "id"
                )
            )
            now = clock.now()
            rows = []
            ends = registry_ends(keys)
            for item in failed:
                if item.beneficiary_key in live:  # paid again some other way meanwhile
                    continue
                if item.status_reason.startswith(STOP_MARK):  # stopped while at the bank
                    continue
                end = ends.get(item.beneficiary_key)
                if end is not None and item.period > end:  # the record ended after it failed
                    continue
                account = accounts.get(item.beneficiary_key)
                rows.append(
                    PaymentItem(
                        code=item_code(follow.pk, item.period, item.beneficiary_key),
                        batch=follow,
                        programme_id=item.programme_id,
                        period=item.period,
                        beneficiary_key=item.beneficiary_key,
                        elder_id=item.elder_id,
                        child_id=item.child_id,
                        provider_id=item.provider_id,
                        staff_id=item.staff_id,
                        region_code=item.region_code,
                        amount_fen=item.amount_fen,
                        status=IS.READY if account else IS.HELD,
                        status_reason="" if account else NO_ACCOUNT,
                        account_id=account,
                        rule_key=item.rule_key,
                        rule_from=item.rule_from,
                        source=item,
                        created_at=now,
                        updated_at=now,
                    )
                )
            PaymentItem.objects.bulk_create(rows, batch_size=1000)
            PaymentBatch.objects.filter(pk=follow.pk).update(
                build_status=BS.BUILT,
                status=B.READY,
                items_count=len(rows),
                total_fen=sum(r.amount_fen for r in rows),
                held_count=sum(1 for r in rows if r.status == IS.HELD),
                skipped_count=len(failed) - len(rows),
            )
            follow.refresh_from_db()
            log_change(
                actor=actor,
                action=ChangeLog.Action.CREATE,
                target=follow,
                note=f"follow-up of batch {batch.pk}: {len(rows)} failed items",
            )
    except IntegrityError:
        found = PaymentBatch.objects.filter(follow_up_of=batch).first()
        if found is None:
            raise
        return found
    return follow


def batch_cancel(*, actor: Any, batch: PaymentBatch, reason: str) -> PaymentBatch:
    """Cancel a batch not yet sent: its unsent items become cancelled (an approved item's payable
    goes back to the budget). The period's regular batch may then be opened again."""
    batch = PaymentBatch.objects.select_related("programme").get(pk=batch.pk)
    require_batch_scope(actor, batch.programme, batch.region_code)
    if not (access.is_city_admin(actor) or can_approve(actor, batch) or batch.created_by_id == actor.pk):
        raise PermissionDenied(
            _("Only the batch's maker, a city administrator or the county office cancels a batch.")
        )
    if batch.status == B.CANCELLED:
        return batch
    if batch.status not in (B.DRAFT, B.READY, B.APPROVED):
        raise ValidationError({"status": _("A sent batch cannot be cancelled.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the batch is cancelled.")})
    with transaction.atomic():
        old = batch.status
        if not PaymentBatch.objects.filter(pk=batch.pk, status=old).update(
            status=B.CANCELLED, note=reason[:500]
        ):
            return PaymentBatch.objects.get(pk=batch.pk)
        approved = list(
            PaymentItem.objects.filter(batch=batch, status=IS.APPROVED).select_related("programme")
        )
        PaymentItem.objects.filter(batch=batch, status__in=[IS.READY, IS.APPROVED, IS.HELD]).update(
            status=IS.CANCELLED, status_reason=reason[:300], updated_at=clock.now()
        )
        for item in approved:
            post_item_cancelled(item, actor)
        batch.refresh_from_db()
        log_change(
            actor=actor,
            action=ChangeLog.Action.STATUS,
            target=batch,
            changes={"status": [old, B.CANCELLED.value]},
            note=reason,
        )
    return batch


# --- in the background ----------------------------------------------------------------------------


def may_build(actor: Any) -> bool:
    """Who may queue a batch build: an officer of a sector that programmes pay in (the batch's own
    scope is checked when it is opened)."""
    return access.has_sector(actor, "eldercare", "childcare") and not access.provider_id_of(actor)


def batch_start(*, actor: Any, programme: Programme, period: dt.date, region_code: str) -> PaymentBatch:
    """Open the period's batch (``batch_open``) and queue its build as a job (``benefits.batch_build``),
    unless it is built or a build job of it is queued or running. Returns the batch (``batch.job``)."""
    batch = batch_open(actor=actor, programme=programme, period=period, region_code=region_code)
    if batch.status != B.DRAFT or batch.build_status == BS.BUILT:
        return batch
    with transaction.atomic():
        locked = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
        if (
            locked.job_id
            and Job.objects.filter(
                pk=locked.job_id, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
            ).exists()
        ):
            return locked
        job = job_enqueue(
            actor=actor,
            kind="benefits.batch_build",
            params={"batch": batch.pk},
            region_code=batch.region_code,
        )
        PaymentBatch.objects.filter(pk=batch.pk).update(job=job)
        locked.job = job
    return locked
