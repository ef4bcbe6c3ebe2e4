"""Family care beds (家庭养老床位): the contract between an assessed older person, a provider and the
county civil-affairs office; its home adaptations and devices; the monthly check of the minimum
service visits (``CareBedMonth``, the rule ``services.care_bed_min_visits``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from laoxiao.core import access, clock
from laoxiao.core.bulk import save_logged
from laoxiao.core.changelog import log_change
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import rule
from laoxiao.people.models import AbilityAssessment, Elder
from laoxiao.providers.models import Provider
from laoxiao.services.actions.meals import month_bounds
from laoxiao.services.actions.offices import check_county_office, county_region
from laoxiao.services.models import (
    CareBedContract,
    CareBedMonth,
    Device,
    DeviceVendor,
    HomeAdaptation,
    ServiceVisit,
)


def _check_office(actor: Any, elder: Elder) -> None:
    access.require_region(actor, elder.region_code)
    check_county_office(actor, elder.region_code)


def _check_bed_worker(actor: Any, contract: CareBedContract) -> None:
    """The bed's provider operator, or an elder-care officer who sees the person."""
    if access.is_operator_of(actor, contract.provider):
        return
    access.require_region(actor, contract.region_code)
    access.require_can_act(actor, contract.provider)


@transaction.atomic
def care_bed_open(
    *,
    actor: Any,
    elder: Elder,
    provider: Provider,
    assessment: AbilityAssessment,
    signed_on: dt.date,
    number: str = "",
) -> CareBedContract:
    """Sign a family care bed contract (the county office of the person's county)."""
    _check_office(actor, elder)
    Elder.objects.select_for_update().filter(pk=elder.pk).first()
    errors: dict[str, str] = {}
    if access.sector_of_kind(provider.kind) != "eldercare" or provider.kind == Provider.Kind.MEAL_POINT:
        errors["provider"] = _("This provider does not give elder care at home.")
    if signed_on > clock.today():
        errors["signed_on"] = _("The day lies in the future.")
    if (elder.died_on and elder.died_on <= signed_on) or (
        elder.moved_out_on and elder.moved_out_on <= signed_on
    ):
        errors["signed_on"] = _("The person had died or moved away by this day.")
    if assessment.elder_id != elder.pk:
        errors["assessment"] = _("This assessment is of another person.")
    else:
        latest = (
            AbilityAssessment.objects.filter(elder=elder, assessed_on__lte=signed_on)
            .order_by("-assessed_on", "-pk")
            .first()
        )
        levels = rule("services.care_bed_eligibility", on=signed_on)["ability_levels"]
        if latest is None or latest.pk != assessment.pk:
            errors["assessment"] = _("This is not the person's latest assessment on the day of signing.")
        elif assessment.level not in levels:
            errors["assessment"] = _("A family care bed is for moderate or worse loss of ability.")
    if CareBedContract.objects.filter(elder=elder, status=CareBedContract.Status.ACTIVE).exists():
        errors["elder"] = _("This person already has a family care bed in service.")
    if errors:
        raise ValidationError(errors)
    contract = CareBedContract(
        elder=elder,
        provider=provider,
        region_code=elder.region_code,
        county_code=county_region(elder.region_code),
        assessment=assessment,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            save_logged(
                contract,
                actor=actor,
                values={
                    "number": number.strip(),
                    "signed_on": signed_on,
                    "status": CareBedContract.Status.ACTIVE,
                },
                exclude=["ended_on", "end_reason"],
            )
    except IntegrityError:
        raise ValidationError({"elder": _("This person already has a family care bed in service.")}) from None
    return contract


@transaction.atomic
def care_bed_end(*, actor: Any, contract: CareBedContract, reason: str, ended_on: dt.date) -> CareBedContract:
    contract = CareBedContract.objects.select_for_update().select_related("elder").get(pk=contract.pk)
    _check_office(actor, contract.elder)
    errors: dict[str, str] = {}
    if contract.status != CareBedContract.Status.ACTIVE:
        errors["status"] = _("This contract has already ended.")
    if ended_on < contract.signed_on:
        errors["ended_on"] = _("The end lies before the signing.")
    if not reason.strip():
        errors["reason"] = _("Say why the contract ends.")
    if errors:
        raise ValidationError(errors)
    contract.status = CareBedContract.Status.ENDED
    contract.ended_on = ended_on
    contract.end_reason = reason.strip()[:200]
    contract.save(update_fields=["status", "ended_on", "end_reason"])
    log_change(
        actor=actor,
        action=ChangeLog.Action.STATUS,
        target=contract,
        changes={"status": ["active", "ended"], "ended_on": [None, ended_on.isoformat()]},
        note=contract.end_reason,
    )
    return contract


def adaptation_items(on: dt.date | None = None) -> dict[str, dict[str, Any]]:
    return {i["code"]: i for i in rule("services.adaptation_items", on=on or clock.today())["items"]}


@transaction.atomic
def care_bed_adaptation_add(
    *, actor: Any, contract: CareBedContract, item: str, done_on: dt.date, cost_fen: int, note: str = ""
) -> HomeAdaptation:
    _check_bed_worker(actor, contract)
    errors: dict[str, str] = {}
    if item not in adaptation_items(done_on):
        errors["item"] = _("Not an item of the home adaptation catalogue.")
    elif HomeAdaptation.objects.filter(contract=contract, item=item).exists():
        errors["item"] = _("This item is already recorded for this home.")
    if done_on > clock.today():
        errors["done_on"] = _("The day lies in the future.")
    if cost_fen < 0:
        errors["cost_fen"] = _("The cost cannot be negative.")
    if errors:
        raise ValidationError(errors)
    row = HomeAdaptation(contract=contract, region_code=contract.region_code)
    save_logged(
        row, actor=actor, values={"item": item, "done_on": done_on, "cost_fen": cost_fen, "note": note}
    )
    return row


@transaction.atomic
def care_bed_device_add(
    *,
    actor: Any,
    contract: CareBedContract,
    vendor: DeviceVendor,
    serial: str,
    kind: str,
    installed_on: dt.date,
) -> Device:
    """A device installed in the home of a family care bed (its events belong to the alarms part)."""
    _check_bed_worker(actor, contract)
    errors: dict[str, str] = {}
    serial = serial.strip()
    if kind not in Device.Kind.values:
        errors["kind"] = _("Unknown kind of device.")
    if not serial:
        errors["serial"] = _("Give the serial number.")
    elif Device.objects.filter(vendor=vendor, serial=serial).exists():
        errors["serial"] = _("This device is already registered.")
    if installed_on > clock.today():
        errors["installed_on"] = _("The day lies in the future.")
    if errors:
        raise ValidationError(errors)
    device = Device(vendor=vendor, elder=contract.elder, region_code=contract.region_code, contract=contract)
    save_logged(
        device,
        actor=actor,
        values={"serial": serial, "kind": kind, "installed_on": installed_on},
        exclude=["removed_on"],
    )
    return device


@transaction.atomic
def care_beds_check_month(*, period: dt.date, actor: Any = None) -> list[CareBedMonth]:
    """The month's check of every contract in service in it: counted visits of the bed's provider
    to the person against the rule's minimum, ``short`` when fewer. Running it again changes
    nothing (only what changed is written and logged). With an actor: the contracts they see."""
    first, last = month_bounds(period)
    required = int(rule("services.care_bed_min_visits", on=first)["visits_per_month"])
    base = CareBedContract.objects.visible_to(actor) if actor is not None else CareBedContract.objects.all()
    contracts = list(
        base.filter(signed_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .order_by("pk")
    )
    counts: dict[tuple[int, int], int] = {
        (row["elder_id"], row["provider_id"]): row["n"]
        for row in ServiceVisit.objects.filter(
            elder_id__in=[c.elder_id for c in contracts],
            service_day__gte=first,
            service_day__lte=last,
            status__in=ServiceVisit.COUNTED,
        )
        .values("elder_id", "provider_id")
        .annotate(n=Count("pk"))
    }
    existing = {m.contract_id: m for m in CareBedMonth.objects.filter(period=first, contract__in=contracts)}
    out = []
    for c in contracts:
        visits = counts.get((c.elder_id, c.provider_id), 0)
        values = {"visits": visits, "required": required, "short": visits < required}
        month = existing.get(c.pk) or CareBedMonth(contract=c, region_code=c.region_code, period=first)
        save_logged(month, actor=actor, values=values)
        out.append(month)
    return out
