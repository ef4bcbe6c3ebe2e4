"""Hand-over requests: how a person registered in a region you cannot see comes to yours.

Registering an ID number that is already registered outside the actor's regions is refused with
``scope.NOT_REGISTRABLE``, the same answer (422 on the number's field, same words) as a plain conflict of
numbers, so the answer tells nothing about other counties (never "registered outside your regions",
never a 404 that a new number would not give). The way forward is a request: ``handover_request``
answers the same whether or not the number is registered anywhere, and the region that registers
the person sees the request (``HandoverRequest.objects.incoming``) and accepts it (the record moves,
by the ordinary hand-over action) or refuses it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.core import clock
from laoxiao.core.access import in_region, require_region, require_sector
from laoxiao.core.changelog import build_entry, log_change, log_many
from laoxiao.core.crypto import blind_index
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.people.actions.children import child_handover
from laoxiao.people.actions.elders import elder_handover
from laoxiao.people.models import HANDOVER_SECTORS, Child, Elder, HandoverRequest
from laoxiao.regions.models import Region


def _require_kind_sector(actor: Any, kind: str) -> None:
    if kind not in HANDOVER_SECTORS:
        raise ValidationError({"kind": _("Unknown kind.")})
    require_sector(actor, *sorted(HANDOVER_SECTORS[kind]))


def _record(kind: str, id_hash: str) -> Elder | Child | None:
    model = Elder if kind == HandoverRequest.Kind.ELDER else Child
    return model.objects.filter(id_number_hash=id_hash).first()


@transaction.atomic
def handover_request(
    *, actor: Any, kind: str, id_number: str, to_region_code: str, note: str = ""
) -> HandoverRequest:
    """Ask for the person with ``id_number`` to be handed over to ``to_region_code`` (the actor's).

    Sector, then scope of the target region (``NotFound``), then the number's form. The answer is the
    same whether the number is registered elsewhere, in the actor's regions, or nowhere."""
    _require_kind_sector(actor, kind)
    require_region(actor, to_region_code)
    region = Region.objects.filter(code=to_region_code, level="community").first()
    if region is None:
        raise ValidationError({"to_region_code": _("No such community is loaded.")})
    number = (id_number or "").strip().upper()
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        raise ValidationError({"id_number": _("Give an 18-character ID number.")})
    id_hash = blind_index(number)
    existing = HandoverRequest.objects.filter(
        kind=kind, id_hash=id_hash, requested_by=actor, to_region_code=region.code, status="pending"
    ).first()
    if existing is not None:
        return existing
    record = _record(kind, id_hash)
    from_code = ""
    if record is not None and not in_region(actor, record.region_code):
        from_code = record.region_code
    req = HandoverRequest.objects.create(
        kind=kind,
        id_hash=id_hash,
        requested_by=actor,
        from_region_code=from_code,
        to_region=region,
        to_region_code=region.code,
        note=str(note or "")[:300],
    )
    # the requester's side only: a row under the record's region would tell the requester nothing,
    # but the deciding side sees the request itself in its incoming list
    log_change(
        actor=actor,
        action=ChangeLog.Action.CREATE,
        target=req,
        changes={"kind": [None, kind], "to_region_code": [None, region.code]},
    )
    return req


@transaction.atomic
def handover_decide(*, actor: Any, request_id: int, accept: bool, note: str = "") -> HandoverRequest:
    """Accept (the record moves to the requester's community) or refuse a pending request; only an
    officer of the record's current region and of the sector sees it (else ``NotFound``)."""
    req = HandoverRequest.objects.incoming(actor).select_for_update().filter(pk=request_id).first()
    if req is None:
        raise NotFound(str(request_id))
    if req.status != HandoverRequest.Status.PENDING:
        raise ValidationError({"status": _("This request has been decided already.")})
    record = _record(req.kind, req.id_hash)
    if accept:
        if record is None or record.region_code != req.from_region_code:
            raise ValidationError({"status": _("The person is no longer registered in this region.")})
        today = clock.today()
        if req.kind == HandoverRequest.Kind.ELDER:
            elder_handover(actor=actor, elder=record, to_region_code=req.to_region_code, on=today)  # type: ignore[arg-type]
        else:
            child_handover(actor=actor, child=record, to_region_code=req.to_region_code, on=today)  # type: ignore[arg-type]
    old = req.status
    req.status = HandoverRequest.Status.ACCEPTED if accept else HandoverRequest.Status.REFUSED
    req.decided_at = timezone.now()
    req.decided_by = actor
    if note:
        req.note = str(note)[:300]
    req.save(update_fields=["status", "decided_at", "decided_by", "note"])
    changes = {"status": [old, req.status]}
    log_many(
        [
            build_entry(
                actor=actor, action=ChangeLog.Action.STATUS, target=req, changes=changes, region_code=code
            )
            for code in (req.from_region_code, req.to_region_code)
        ]
    )
    return req
