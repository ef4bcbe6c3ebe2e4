"""Stopping payments when an entitlement ends: a death, a move out of the city, a loss of eligibility.

``benefits_stop`` runs in the caller's transaction (a death recorded in the registry and its stop
commit or roll back together: ``laoxiao.people.lifecycle`` calls it from people's actions). For
every item of the beneficiary whose **period starts after** the end date (``period > ended_on``):

- not yet sent (READY, APPROVED, HELD) → CANCELLED with the reason; an APPROVED item was already
  payable, so its money goes back to the budget (``postings.post_item_cancelled``);
- PAID → an ``Overpayment`` to recover (one per item) with ``postings.post_overpayment_open``;
- SENT (at the bank, result unknown) → left SENT, its ``status_reason`` marked ``stopped: …``; when
  reconciliation records it PAID, ``overpayments_for_paid`` opens its overpayment (a FAILED one
  simply is not paid again: a follow-up batch must not retry an item so marked).

Periods: a batch's ``period`` is the first day of the month (monthly, one-off) or of the year
(yearly). "Starts after the end" keeps the period the person ended in: a death on any day of month
M leaves M paid and cancels M+1 onwards (the rule of ``elderly_allowance``); for a yearly
programme the year of the end stays paid in full (no pro-rating) and later years are cancelled; a
one-off item stays when it belongs to the month of the end or earlier. Items already CANCELLED or
FAILED are left alone. Every function is idempotent: a second stop changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from laoxiao.benefits.actions import postings
from laoxiao.benefits.models import Overpayment, PaymentItem, Programme
from laoxiao.core import clock
from laoxiao.core.access import require_region_and_sector
from laoxiao.core.bulk import chunks
from laoxiao.core.changelog import build_entry, log_many
from laoxiao.core.models import ChangeLog
from laoxiao.people import lifecycle
from laoxiao.people.models import Child, Elder

S = PaymentItem.Status
UNSENT = (S.READY, S.APPROVED, S.HELD)
STOP_MARK = "stopped: "
KIND_PREFIX = {"elder": "e", "child": "c"}


@dataclass
class StopResult:
    cancelled: list[PaymentItem] = field(default_factory=list)
    overpayments: list[Overpayment] = field(default_factory=list)
    marked_sent: list[PaymentItem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.cancelled) + len(self.overpayments) + len(self.marked_sent)


def stop_reason(reason: str, ended_on: dt.date | None) -> str:
    """The text written on cancelled items and overpayments: ``"death 2026-03-14"``."""
    text = f"{reason} {ended_on.isoformat()}" if ended_on else reason
    return text.strip()[:300]


def _lock(item_ids: Iterable[int]) -> list[PaymentItem]:
    """The items, locked against a batch that sends or reconciles them meanwhile (PostgreSQL)."""
    out: list[PaymentItem] = []
    for ids in chunks(sorted(item_ids)):
        out.extend(
            PaymentItem.objects.select_for_update(of=("self",))
            .select_related("programme")
            .filter(pk__in=list(ids))
            .order_by("pk")
        )
    return out


def _open_overpayment(item: PaymentItem, reason: str, actor: Any, entries: list[ChangeLog]) -> Overpayment:
    now = clock.now()
    op = Overpayment.objects.create(
        item=item,
        programme=item.programme,
        region_code=item.region_code,
        period=item.period,
        amount_fen=item.amount_fen,
        reason=reason[:300],
        created_at=now,
        updated_at=now,
    )
    entries.append(
        build_entry(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=op,
            changes={
                "item": [None, item.code],
                "amount_fen": [None, op.amount_fen],
                "reason": [None, op.reason],
            },
        )
    )
    postings.post_overpayment_open(op, actor)
    return op


def apply_stop(*, actor: Any, items: Iterable[PaymentItem], reasons: Mapping[int, str]) -> StopResult:
    """Stop these items (already chosen by the caller; ``reasons``: item id → reason text), in the
    caller's transaction. Items are re-read locked, so only what is still unsent is cancelled."""
    result = StopResult()
    entries: list[ChangeLog] = []
    locked = _lock(i.pk for i in items)
    have_op = set(
        Overpayment.objects.filter(item_id__in=[i.pk for i in locked]).values_list("item_id", flat=True)
    )
    now = clock.now()
    cancel: dict[tuple[str, str], list[int]] = defaultdict(list)
    for item in locked:
        reason = reasons[item.pk]
        if item.status in UNSENT:
            cancel[(item.status, reason)].append(item.pk)
            entries.append(
                build_entry(
                    actor=actor,
                    action=ChangeLog.Action.STATUS,
                    target=item,
                    changes={
                        "status": [item.status, S.CANCELLED],
                        "status_reason": [item.status_reason, reason],
                    },
                )
            )
            if item.status == S.APPROVED:
                postings.post_item_cancelled(item, actor)
            item.status, item.status_reason = S.CANCELLED, reason
            result.cancelled.append(item)
        elif item.status == S.PAID and item.pk not in have_op:
            result.overpayments.append(_open_overpayment(item, reason, actor, entries))
        elif item.status == S.SENT and not item.status_reason.startswith(STOP_MARK):
            marked = (STOP_MARK + reason)[:300]
            PaymentItem.objects.filter(pk=item.pk, status=S.SENT).update(status_reason=marked, updated_at=now)
            entries.append(
                build_entry(
                    actor=actor,
                    action=ChangeLog.Action.UPDATE,
                    target=item,
                    changes={"status_reason": [item.status_reason, marked]},
                )
            )
            item.status_reason = marked
            result.marked_sent.append(item)
    for (status, reason), ids in cancel.items():
        PaymentItem.objects.filter(pk__in=ids, status=status).update(
            status=S.CANCELLED, status_reason=reason, updated_at=now
        )
    log_many(entries)
    return result


def _items_after(ends: Mapping[str, dt.date], programme: Programme | None = None) -> list[PaymentItem]:
    """Items (not cancelled or failed) of these beneficiaries for a period after their end date."""
    out: list[PaymentItem] = []
    live = (*UNSENT, S.SENT, S.PAID)
    for keys in chunks(sorted(ends)):
        qs = PaymentItem.objects.filter(beneficiary_key__in=list(keys), status__in=live)
        if programme is not None:
            qs = qs.filter(programme=programme)
        earliest = min(ends[k] for k in keys)
        for item in qs.filter(period__gt=earliest).only("pk", "beneficiary_key", "period"):
            if item.period > ends[item.beneficiary_key]:
                out.append(item)
    return out


def stop_many(
    *, actor: Any, ends: Mapping[str, dt.date], reason: str, programme: Programme | None = None
) -> StopResult:
    """The stop of many beneficiaries (``ends``: beneficiary key → end date), in the caller's
    transaction; no permission check (the caller did it: a registry action, an officer's stop)."""
    items = _items_after(ends, programme)
    if not items:
        return StopResult()
    reasons = {i.pk: stop_reason(reason, ends[i.beneficiary_key]) for i in items}
    return apply_stop(actor=actor, items=items, reasons=reasons)


@transaction.atomic
def benefits_stop(*, actor: Any, beneficiary_key: str, ended_on: dt.date, reason: str) -> StopResult:
    """Stop every payment of one beneficiary for the periods after ``ended_on`` (see the module
    docstring), in the caller's transaction. A registry action calls it through
    ``laoxiao.people.lifecycle`` (its own checks already ran); an officer calls
    ``benefits_stop_ineligible`` instead."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    return stop_many(actor=actor, ends={beneficiary_key: ended_on}, reason=reason)


def people_ended(*, actor: Any, kind: str, ended: Mapping[int, dt.date], reason: str) -> None:
    """The ``laoxiao.people.lifecycle`` handler (registered in ``BenefitsConfig.ready``)."""
    prefix = KIND_PREFIX.get(kind)
    if prefix is None:
        return
    # a person who moves out on day D is no longer registered on D (the calculators' rule: a month is
    # paid when they are still registered on its first day), so the entitlement ends the day before
    shift = dt.timedelta(days=1) if reason == lifecycle.MOVED_OUT else dt.timedelta(0)
    ends = {f"{prefix}{pk}": day - shift for pk, day in ended.items()}
    stop_many(actor=actor, ends=ends, reason=reason)


@transaction.atomic
def benefits_stop_ineligible(
    *,
    actor: Any,
    reason: str,
    item: PaymentItem | None = None,
    beneficiary_key: str | None = None,
    programme: Programme | None = None,
    ended_on: dt.date | None = None,
) -> StopResult:
    """An officer's stop for a loss of eligibility: either one ``item`` (its period was not due:
    unsent → cancelled, paid → an overpayment), or a beneficiary's ``programme`` from the periods
    after ``ended_on``. Scope and sector of the item's (or the items') region and programme."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    text = stop_reason(_("not eligible") + ": " + reason.strip(), None)
    if item is not None:
        require_region_and_sector(actor, item.region_code, item.programme.sector)
        if item.status in (S.CANCELLED, S.FAILED):
            raise ValidationError({"item": _("This item is not live: nothing to stop.")})
        return apply_stop(actor=actor, items=[item], reasons={item.pk: text})
    if not beneficiary_key or programme is None or ended_on is None:
        raise ValidationError({"item": _("Name an item, or a beneficiary, a programme and the end date.")})
    items = _items_after({beneficiary_key: ended_on}, programme)
    for code in sorted({i.region_code for i in PaymentItem.objects.filter(pk__in=[i.pk for i in items])}):
        require_region_and_sector(actor, code, programme.sector)
    return apply_stop(actor=actor, items=items, reasons={i.pk: text for i in items})


def registry_ends(keys: Iterable[str]) -> dict[str, dt.date]:
    """The registry's end date (death, else move out) of the people among ``keys``."""
    elders = [int(k[1:]) for k in keys if k.startswith("e")]
    children = [int(k[1:]) for k in keys if k.startswith("c")]
    out: dict[str, dt.date] = {}
    for model, ids, prefix in ((Elder, elders, "e"), (Child, children, "c")):
        for part in chunks(ids):
            for pk, died, moved in model.objects.filter(pk__in=list(part)).values_list(
                "pk", "died_on", "moved_out_on"
            ):
                ends = [d for d in (died, moved) if d is not None]
                if ends:
                    out[f"{prefix}{pk}"] = min(ends)
    return out


@transaction.atomic
def overpayments_for_paid(*, actor: Any, items: Iterable[PaymentItem]) -> list[Overpayment]:
    """For reconciliation, after it recorded items PAID (same transaction): open the overpayment of
    each paid item that was stopped while at the bank (``stopped: …``) or whose beneficiary's
    registry record ended before the item's period."""
    paid = [i for i in items if i.status == S.PAID]
    ends = registry_ends({i.beneficiary_key for i in paid})
    chosen: dict[int, str] = {}
    for i in paid:
        if i.status_reason.startswith(STOP_MARK):
            chosen[i.pk] = i.status_reason[len(STOP_MARK) :]
        elif i.beneficiary_key in ends and i.period > ends[i.beneficiary_key]:
            chosen[i.pk] = stop_reason(_("ended"), ends[i.beneficiary_key])
    if not chosen:
        return []
    return apply_stop(actor=actor, items=[i for i in paid if i.pk in chosen], reasons=chosen).overpayments
