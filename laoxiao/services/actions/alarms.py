"""Emergency calls (助急): device vendors and their keys, devices, the ingestion of device events
(idempotent by the vendor's event id), the alarm's steps and its escalation.

Routing (who is on duty for a person), in this order:

1. the provider of the person's active family care bed (``CareBedContract``, status active);
2. else the provider that served the person most recently (the latest ``ServiceVisit`` check-in
   or ``ServiceOrder`` placed, whichever is later);
3. else an elder-care service centre (``community_centre``) in the person's township, else in
   their county (filed ones first, then the lowest id: the same answer every time);
4. else no provider: the community and the civil-affairs staff of the region handle it.

Every alarm also notifies the person's emergency contacts (``people.Contact.is_emergency``; the
phone is kept masked) and the community; ``Alarm.notified`` lists who, with the time.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from laoxiao.accounts.models import User, hash_token
from laoxiao.core import clock
from laoxiao.core.access import is_city_admin, is_operator_of, require_region_and_sector
from laoxiao.core.bulk import save_logged
from laoxiao.core.changelog import log_change
from laoxiao.core.masking import mask_phone
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import rule
from laoxiao.people.models import Contact, Elder
from laoxiao.providers.models import Provider
from laoxiao.regions.models import Region
from laoxiao.services.models import (
    Alarm,
    CareBedContract,
    Device,
    DeviceEvent,
    DeviceVendor,
    ServiceOrder,
    ServiceVisit,
)

KEY_PREFIX = "lxv_"


# --- vendors --------------------------------------------------------------------------------------


def _require_admin(actor: Any) -> None:
    if not is_city_admin(actor):
        raise PermissionDenied(_("Only a city administrator manages device vendors."))


def _new_key() -> tuple[str, str, str]:
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    return raw, hash_token(raw), raw[:10]


@transaction.atomic
def vendor_create(*, actor: User, code: str, name: str) -> tuple[DeviceVendor, str]:
    """A device vendor and its key (returned once; only its SHA-256 is kept). City admins only."""
    _require_admin(actor)
    if DeviceVendor.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A vendor with this code exists.")})
    raw, digest, prefix = _new_key()
    vendor = DeviceVendor(code=code)
    save_logged(
        vendor,
        actor=actor,
        values={"name": name, "key_hash": digest, "key_prefix": prefix, "active": True},
        fields=["name", "key_prefix", "active"],
        region_code="",
    )
    return vendor, raw


@transaction.atomic
def vendor_rotate_key(*, actor: User, vendor: DeviceVendor) -> tuple[DeviceVendor, str]:
    """A new key for the vendor; the old one answers 401 from now on."""
    _require_admin(actor)
    raw, digest, prefix = _new_key()
    old_prefix = vendor.key_prefix
    DeviceVendor.objects.filter(pk=vendor.pk).update(key_hash=digest, key_prefix=prefix)
    vendor.key_hash, vendor.key_prefix = digest, prefix
    log_change(
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        target=vendor,
        region_code="",
        changes={"key_prefix": [old_prefix, prefix]},
        note="key rotated",
    )
    return vendor, raw


@transaction.atomic
def vendor_set_active(*, actor: User, vendor: DeviceVendor, active: bool) -> DeviceVendor:
    """Revoke (``active=False``) or restore a vendor: a revoked vendor's key answers 401."""
    _require_admin(actor)
    save_logged(vendor, actor=actor, values={"active": active}, region_code="")
    return vendor


def vendor_authenticate(raw: str) -> DeviceVendor | None:
    """The active vendor whose key this is, else None."""
    if not raw:
        return None
    return DeviceVendor.objects.filter(key_hash=hash_token(raw), active=True).first()


# --- devices --------------------------------------------------------------------------------------


@transaction.atomic
def device_register(
    *,
    actor: User,
    vendor: DeviceVendor,
    serial: str,
    kind: str,
    elder: Elder,
    installed_on: dt.date | None = None,
    contract: CareBedContract | None = None,
) -> Device:
    """A device installed in an older person's home, by elder-care staff of the person's region
    (or the operator of the care bed's provider when the device is part of a contract)."""
    if not (contract is not None and is_operator_of(actor, contract.provider)):
        require_region_and_sector(actor, elder.region_code, "eldercare")
    if contract is not None and contract.elder_id != elder.pk:
        raise ValidationError({"contract": _("The contract is not this person's.")})
    if kind not in Device.Kind.values:
        raise ValidationError({"kind": _("Unknown device kind.")})
    if Device.objects.filter(vendor=vendor, serial=serial).exists():
        raise ValidationError({"serial": _("This vendor already has a device with this serial number.")})
    device = Device(vendor=vendor, elder=elder)
    save_logged(
        device,
        actor=actor,
        values={
            "serial": serial,
            "kind": kind,
            "region_code": elder.region_code,
            "contract": contract,
            "installed_on": installed_on or clock.today(),
        },
        fields=["serial", "kind", "installed_on"],
    )
    return device


# --- routing --------------------------------------------------------------------------------------


def provider_on_duty(elder: Elder) -> tuple[Provider | None, str]:
    """The provider an alarm of ``elder`` goes to and why (``care_bed``, ``served``, ``centre`` or
    ``none``); the rule of the module docstring."""
    bed = (
        CareBedContract.objects.filter(elder=elder, status=CareBedContract.Status.ACTIVE)
        .select_related("provider")
        .first()
    )
    if bed is not None:
        return bed.provider, "care_bed"
    visit = (
        ServiceVisit.objects.filter(elder=elder)
        .order_by("-check_in_at")
        .values_list("provider_id", "check_in_at")[:1]
    )
    order = (
        ServiceOrder.objects.filter(elder=elder)
        .order_by("-created_at")
        .values_list("provider_id", "created_at")[:1]
    )
    served = [row for row in (*visit, *order) if row[0]]
    if served:
        provider_id = max(served, key=lambda row: row[1])[0]
        return Provider.objects.get(pk=provider_id), "served"
    for prefix in (elder.region_code[:9], elder.region_code[:6]):
        centre = (
            Provider.objects.filter(kind=Provider.Kind.COMMUNITY_CENTRE, region_code__startswith=prefix)
            .exclude(filing_status__in=(Provider.FilingStatus.CLOSED, Provider.FilingStatus.WITHDRAWN))
            .order_by("pk")  # deterministic: the lowest id
        )
        filed = centre.filter(filing_status=Provider.FilingStatus.FILED).first()
        found = filed or centre.first()
        if found is not None:
            return found, "centre"
    return None, "none"


def _notified_at_open(
    elder: Elder, provider: Provider | None, how: str, at: dt.datetime
) -> list[dict[str, Any]]:
    stamp = at.isoformat()
    out: list[dict[str, Any]] = []
    if provider is not None:
        out.append(
            {"to": "provider", "provider": provider.uscc, "name": provider.name, "rule": how, "at": stamp}
        )
    for contact in Contact.objects.filter(elder=elder, is_emergency=True).order_by("pk"):
        out.append(
            {
                "to": "family",
                "name": contact.name,
                "relation": contact.relation,
                "phone": mask_phone(contact.phone or ""),
                "at": stamp,
            }
        )
    community = Region.objects.filter(code=elder.region_code).values_list("name", flat=True).first()
    out.append({"to": "community", "region_code": elder.region_code, "name": community or "", "at": stamp})
    return out


# --- ingestion ------------------------------------------------------------------------------------


def _winner(vendor: DeviceVendor, event_id: str) -> Alarm | None:
    return (
        Alarm.objects.select_related("event", "provider", "elder")
        .filter(event__vendor=vendor, event__event_id=event_id)
        .first()
    )


def device_event_ingest(
    *,
    vendor: DeviceVendor,
    event_id: str,
    serial: str,
    kind: str,
    occurred_at: dt.datetime,
    payload: dict[str, Any] | None = None,
) -> tuple[Alarm, bool]:
    """Record a vendor's event and open its alarm; ``(alarm, created)``. The same (vendor, event id)
    again answers the first alarm and writes nothing (also when sent in parallel: the unique
    constraint decides, the losers read the winner). An unknown or removed serial is a
    ``ValidationError`` on ``serial``."""
    found = _winner(vendor, event_id)
    if found is not None:
        return found, False
    if kind not in DeviceEvent.Kind.values:
        raise ValidationError({"kind": _("Unknown event kind.")})
    device = (
        Device.objects.select_related("elder")
        .filter(vendor=vendor, serial=serial, removed_on__isnull=True)
        .first()
    )
    if device is None:
        raise ValidationError({"serial": _("No device of this vendor has this serial number.")})
    now = clock.now()
    elder = device.elder
    provider, how = provider_on_duty(elder)
    try:
        with transaction.atomic():  # a savepoint: a lost race rolls back only this
            event = DeviceEvent.objects.create(
                vendor=vendor,
                event_id=event_id,
                device=device,
                serial=serial,
                kind=kind,
                occurred_at=occurred_at,
                received_at=now,
                payload=payload or {},
            )
            alarm = Alarm.objects.create(
                event=event,
                elder=elder,
                region_code=elder.region_code,
                kind=kind,
                provider=provider,
                opened_at=now,
                notified=_notified_at_open(elder, provider, how, now),
            )
            log_change(
                actor=None,
                action=ChangeLog.Action.CREATE,
                target=alarm,
                changes={"kind": [None, kind], "provider": [None, provider.uscc if provider else None]},
                note=f"device event {vendor.code}:{event_id}"[:300],
            )
    except IntegrityError:
        winner = _winner(vendor, event_id)
        if winner is None:
            raise
        return winner, False
    return alarm, True


# --- the alarm's steps ----------------------------------------------------------------------------


def _require_can_handle(actor: Any, alarm: Alarm) -> None:
    """The routed provider's operator, or civil-affairs staff of the person's region."""
    if alarm.provider_id and is_operator_of(actor, alarm.provider):
        return
    require_region_and_sector(actor, alarm.region_code, "eldercare")


def _step(
    actor: User, alarm: Alarm, *, allowed_from: tuple[str, ...], to: str, stamp: str, **extra: Any
) -> Alarm:
    _require_can_handle(actor, alarm)
    locked = Alarm.objects.select_for_update().get(pk=alarm.pk)
    if locked.status not in allowed_from:
        raise ValidationError(
            {
                "status": _("This step cannot follow the alarm's status (%(status)s).")
                % {"status": locked.status}
            }
        )
    now = clock.now()
    values = {"status": to, f"{stamp}_at": now, f"{stamp}_by": actor, **extra}
    old = locked.status
    for field, value in values.items():
        setattr(locked, field, value)
    locked.save(update_fields=list(values))
    log_change(
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        target=locked,
        changes={
            "status": [old, to],
            f"{stamp}_at": [None, now.isoformat()],
            **{k: [None, v] for k, v in extra.items()},
        },
    )
    return locked


@transaction.atomic
def alarm_acknowledge(*, actor: User, alarm: Alarm) -> Alarm:
    """open → acknowledged (the call is answered), stamped with ``clock.now()`` and who."""
    return _step(
        actor, alarm, allowed_from=(Alarm.Status.OPEN,), to=Alarm.Status.ACKNOWLEDGED, stamp="acknowledged"
    )


@transaction.atomic
def alarm_on_site(*, actor: User, alarm: Alarm) -> Alarm:
    """acknowledged → on site (someone reached the person)."""
    return _step(
        actor, alarm, allowed_from=(Alarm.Status.ACKNOWLEDGED,), to=Alarm.Status.ON_SITE, stamp="on_site"
    )


@transaction.atomic
def alarm_close(*, actor: User, alarm: Alarm, outcome: str) -> Alarm:
    """acknowledged or on site → closed with its outcome (a false alarm may close without a visit;
    an alarm nobody acknowledged cannot be closed)."""
    outcome = (outcome or "").strip()
    if not outcome:
        _require_can_handle(actor, alarm)
        raise ValidationError({"outcome": _("Say how the alarm ended.")})
    return _step(
        actor,
        alarm,
        allowed_from=(Alarm.Status.ACKNOWLEDGED, Alarm.Status.ON_SITE),
        to=Alarm.Status.CLOSED,
        stamp="closed",
        outcome=outcome[:500],
    )


# --- escalation -----------------------------------------------------------------------------------


def due_level(opened_at: dt.datetime, now: dt.datetime, ack_minutes: int, levels: int) -> int:
    """The level an unacknowledged alarm has reached: one more every ``ack_minutes``, at most the last."""
    if ack_minutes <= 0:
        return levels - 1
    elapsed = (now - opened_at).total_seconds() / 60
    return max(0, min(int(elapsed // ack_minutes), levels - 1))


def alarms_escalate(*, now: dt.datetime | None = None) -> int:
    """Move every open (unacknowledged) alarm to the level its age has reached
    (``services.alarm_escalation``: one level per ``ack_minutes``); returns how many moved. Running
    it twice at the same moment moves nothing the second time (a conditional update per alarm)."""
    moment = now or clock.now()
    setting = rule("services.alarm_escalation", on=clock.today() if now is None else moment.date())
    ack = int(setting["ack_minutes"])
    levels: list[str] = list(setting["levels"])
    earliest = moment - dt.timedelta(minutes=ack)
    moved = 0
    rows = Alarm.objects.filter(status=Alarm.Status.OPEN, opened_at__lte=earliest).filter(
        escalation_level__lt=len(levels) - 1
    )
    for alarm in rows.iterator():
        target = due_level(alarm.opened_at, moment, ack, len(levels))
        if target <= alarm.escalation_level:
            continue
        with transaction.atomic():
            locked = (
                Alarm.objects.select_for_update()
                .filter(pk=alarm.pk, status=Alarm.Status.OPEN, escalation_level__lt=target)
                .first()
            )
            if locked is None:
                continue
            old = locked.escalation_level
            stamp = moment.isoformat()
            locked.notified = [
                *locked.notified,
                *({"to": levels[k], "escalation": k, "at": stamp} for k in range(old + 1, target + 1)),
            ]
            locked.escalation_level = target
            locked.escalated_at = moment
            locked.save(update_fields=["notified", "escalation_level", "escalated_at"])
            log_change(
                actor=None,
                action=ChangeLog.Action.UPDATE,
                target=locked,
                changes={"escalation_level": [old, target]},
                note=f"escalated to {levels[target]}",
            )
            moved += 1
    return moved


__all__ = [
    "alarm_acknowledge",
    "alarm_close",
    "alarm_on_site",
    "alarms_escalate",
    "device_event_ingest",
    "device_register",
    "due_level",
    "provider_on_duty",
    "vendor_authenticate",
    "vendor_create",
    "vendor_rotate_key",
    "vendor_set_active",
]
