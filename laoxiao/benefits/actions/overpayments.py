"""The steps of an overpayment: open → notified → recovered (in parts or at once), or a write-off
asked for by one officer and approved by another (maker-checker).

Each step is a conditional update (``filter(status=…).update(…)``): a double submit, or two
officers at once, changes the row once; the second call finds the step done and changes nothing.
Every step writes a ChangeLog row; money steps post to the ledger (``postings``), whose keys make
them idempotent too. The actor needs the overpayment's region and its programme's sector.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from laoxiao.benefits.actions import postings
from laoxiao.benefits.models import Overpayment
from laoxiao.core import clock
from laoxiao.core.access import require_region_and_sector
from laoxiao.core.changelog import log_change
from laoxiao.core.models import ChangeLog

St = Overpayment.Status
RECOVERABLE = (St.OPEN, St.NOTIFIED)


def _check(actor: Any, op: Overpayment) -> Overpayment:
    require_region_and_sector(actor, op.region_code, op.programme.sector)
    return Overpayment.objects.select_for_update().select_related("programme").get(pk=op.pk)


def _step(
    actor: Any, op: Overpayment, *, from_: tuple[str, ...], values: dict[str, Any], note: str = ""
) -> bool:
    """Move ``op`` to ``values`` if it is in one of ``from_``; True when this call changed it."""
    values = {**values, "updated_at": clock.now()}
    changed = Overpayment.objects.filter(pk=op.pk, status__in=from_).update(**values)
    if not changed:
        return False
    changes = {k: [getattr(op, k), v] for k, v in values.items() if k != "updated_at"}
    for k, v in values.items():
        setattr(op, k, v)
    log_change(actor=actor, action=ChangeLog.Action.STATUS, target=op, changes=changes, note=note)
    return True


def _refuse(op: Overpayment) -> ValidationError:
    return ValidationError(
        {
            "status": _("This step is not possible: the overpayment is %(status)s.")
            % {"status": op.get_status_display()}
        }
    )


@transaction.atomic
def overpayment_notify(*, actor: Any, overpayment: Overpayment, note: str = "") -> Overpayment:
    """The beneficiary (or the family) was told what to pay back."""
    op = _check(actor, overpayment)
    if op.status == St.NOTIFIED:
        return op  # a double submit
    if not _step(actor, op, from_=(St.OPEN,), values={"status": St.NOTIFIED, "note": note[:500] or op.note}):
        raise _refuse(op)
    return op


@transaction.atomic
def overpayment_recover(
    *, actor: Any, overpayment: Overpayment, amount_fen: int, recovered_before: int | None = None
) -> Overpayment:
    """Record ``amount_fen`` recovered (part or all of what is outstanding). ``recovered_before`` is
    what the form showed as recovered so far: when it no longer matches, the recovery was already
    recorded (a double submit) and nothing changes. The whole amount recovered closes it."""
    op = _check(actor, overpayment)
    if recovered_before is not None and recovered_before != op.recovered_fen:
        return op
    if op.status not in RECOVERABLE:
        if op.status == St.RECOVERED and recovered_before is not None:
            return op
        raise _refuse(op)
    outstanding = op.amount_fen - op.recovered_fen
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationError({"amount_fen": _("Give an amount above zero.")})
    if amount_fen > outstanding:
        raise ValidationError(
            {
                "amount_fen": _("More than is outstanding (%(left)s yuan).")
                % {"left": f"{outstanding / 100:.2f}"}
            }
        )
    total = op.recovered_fen + amount_fen
    values: dict[str, Any] = {"recovered_fen": total}
    if total == op.amount_fen:
        values["status"] = St.RECOVERED
    changed = Overpayment.objects.filter(
        pk=op.pk, status__in=RECOVERABLE, recovered_fen=op.recovered_fen
    ).update(**values, updated_at=clock.now())
    if changed:
        postings.post_overpayment_recovered(op, amount_fen, actor)  # keyed on the new running total
        log_change(
            actor=actor,
            action=ChangeLog.Action.STATUS,
            target=op,
            changes={k: [getattr(op, k), v] for k, v in values.items()},
            note=f"recovered {amount_fen}",
        )
        for k, v in values.items():
            setattr(op, k, v)
    return op


@transaction.atomic
def overpayment_request_write_off(*, actor: Any, overpayment: Overpayment, reason: str) -> Overpayment:
    """Ask for what is outstanding to be written off (another officer approves)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    op = _check(actor, overpayment)
    if op.status == St.WRITE_OFF_REQUESTED:
        return op
    if not _step(
        actor,
        op,
        from_=RECOVERABLE,
        values={"status": St.WRITE_OFF_REQUESTED, "requested_by_id": actor.pk, "note": reason.strip()[:500]},
        note="write-off requested",
    ):
        raise _refuse(op)
    return op


@transaction.atomic
def overpayment_approve_write_off(*, actor: Any, overpayment: Overpayment) -> Overpayment:
    """Approve a requested write-off: never by who asked for it. Posts receivable → written off."""
    op = _check(actor, overpayment)
    if op.status == St.WRITTEN_OFF:
        return op
    if op.status != St.WRITE_OFF_REQUESTED:
        raise _refuse(op)
    if op.requested_by_id == actor.pk:
        raise PermissionDenied(_("Who asked for a write-off cannot approve it."))
    if _step(
        actor,
        op,
        from_=(St.WRITE_OFF_REQUESTED,),
        values={"status": St.WRITTEN_OFF, "decided_by_id": actor.pk},
        note="write-off approved",
    ):
        postings.post_overpayment_written_off(op, actor)
    return op


@transaction.atomic
def overpayment_reject_write_off(*, actor: Any, overpayment: Overpayment, reason: str) -> Overpayment:
    """Refuse a requested write-off (not by who asked for it): it is open again, to recover."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    op = _check(actor, overpayment)
    if op.status != St.WRITE_OFF_REQUESTED:
        if op.status in RECOVERABLE:
            return op
        raise _refuse(op)
    if op.requested_by_id == actor.pk:
        raise PermissionDenied(_("Who asked for a write-off cannot decide on it."))
    _step(
        actor,
        op,
        from_=(St.WRITE_OFF_REQUESTED,),
        values={"status": St.OPEN, "decided_by_id": actor.pk, "note": reason.strip()[:500]},
        note="write-off refused",
    )
    return op
