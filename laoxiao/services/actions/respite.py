"""Respite (喘息服务): days at a provider with a free bed, within the person's days per calendar year
(the rule ``services.respite_days``). The provider's row and then the person's row are locked while
a booking is checked, so two parallel bookings can neither both take the last bed nor together
exceed the quota (every writer locks in the same order: provider, then person)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from laoxiao.core import access, clock
from laoxiao.core.bulk import save_logged
from laoxiao.core.changelog import log_change
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import rule
from laoxiao.people.models import Contact, Elder
from laoxiao.providers.models import Provider
from laoxiao.services.models import RespiteBooking

ACTIVE = (RespiteBooking.Status.BOOKED, RespiteBooking.Status.USED)


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _check_booker(actor: Any, elder: Elder, provider: Provider) -> None:
    """A family member with a live link to the person, the provider's operator, or an elder-care
    worker or officer of the person's region."""
    if not access.is_active_actor(actor):
        raise PermissionDenied(_("You may not do this."))
    if actor.family_links.live().filter(elder=elder).exists():
        return
    if access.is_operator_of(actor, provider):
        return
    access.require_region(actor, elder.region_code)
    if access.provider_id_of(actor) and not actor.is_superuser:
        raise PermissionDenied(access.OWN_PROVIDER_MESSAGE)
    access.require_sector(actor, "eldercare")


def days_used(elder: Elder, year: int, *, exclude: int | None = None) -> int:
    """Days of non-cancelled bookings of the person that fall in ``year``."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    total = 0
    qs = RespiteBooking.objects.filter(elder=elder, status__in=ACTIVE, start_on__lte=end, end_on__gte=start)
    if exclude:
        qs = qs.exclude(pk=exclude)
    for b in qs:
        total += (min(b.end_on, end) - max(b.start_on, start)).days + 1
    return total


def free_beds(provider: Provider, day: dt.date) -> int:
    taken = RespiteBooking.objects.filter(
        provider=provider, status__in=ACTIVE, start_on__lte=day, end_on__gte=day
    ).count()
    return int(provider.beds) - int(provider.occupied_beds) - taken


@transaction.atomic
def respite_book(
    *,
    actor: Any,
    elder: Elder,
    provider: Provider,
    start_on: dt.date,
    end_on: dt.date,
    carer: Contact | None = None,
) -> RespiteBooking:
    _check_booker(actor, elder, provider)
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    elder = Elder.objects.select_for_update().get(pk=elder.pk)
    if end_on < start_on:
        raise ValidationError({"end_on": _("The end lies before the start.")})
    if carer is not None and carer.elder_id != elder.pk:
        raise ValidationError({"carer": _("This carer is not a contact of the person.")})
    if access.sector_of_kind(provider.kind) != "eldercare" or not provider.beds:
        raise ValidationError({"provider": _("This provider has no beds for respite.")})
    days = _days(start_on, end_on)
    data = rule("services.respite_days", on=start_on)
    if len(days) > int(data["max_days_per_booking"]):
        raise ValidationError(
            {"end_on": _("At most %(n)d days in one booking.") % {"n": int(data["max_days_per_booking"])}}
        )
    for year in sorted({d.year for d in days}):
        quota = int(rule("services.respite_days", on=dt.date(year, 1, 1))["days_per_year"])
        used = days_used(elder, year)
        want = sum(1 for d in days if d.year == year)
        if used + want > quota:
            raise ValidationError(
                {
                    "end_on": _("Over the respite days of %(year)d: %(left)d of %(quota)d days are left.")
                    % {"year": year, "left": max(quota - used, 0), "quota": quota}
                }
            )
    full = [d for d in days if free_beds(provider, d) <= 0]
    if full:
        raise ValidationError(
            {"start_on": _("The provider has no free bed on %(day)s.") % {"day": full[0].isoformat()}}
        )
    booking = RespiteBooking(elder=elder, provider=provider, region_code=elder.region_code, carer=carer)
    save_logged(
        booking,
        actor=actor,
        values={
            "start_on": start_on,
            "end_on": end_on,
            "days": len(days),
            "status": RespiteBooking.Status.BOOKED,
            "booked_by": actor if getattr(actor, "pk", None) else None,
        },
        exclude=["cancelled_at"],
    )
    return booking


def _step(*, actor: Any, booking: RespiteBooking, to: str, note: str = "") -> RespiteBooking:
    old = booking.status
    booking.status = to
    fields = ["status"]
    if to == RespiteBooking.Status.CANCELLED:
        booking.cancelled_at = clock.now()
        fields.append("cancelled_at")
    booking.save(update_fields=fields)
    log_change(
        actor=actor, action=ChangeLog.Action.STATUS, target=booking, changes={"status": [old, to]}, note=note
    )
    return booking


@transaction.atomic
def respite_cancel(*, actor: Any, booking: RespiteBooking, reason: str = "") -> RespiteBooking:
    booking = (
        RespiteBooking.objects.select_for_update().select_related("elder", "provider").get(pk=booking.pk)
    )
    _check_booker(actor, booking.elder, booking.provider)
    if booking.status != RespiteBooking.Status.BOOKED:
        raise ValidationError({"status": _("Only a booking not yet used can be cancelled.")})
    return _step(actor=actor, booking=booking, to=RespiteBooking.Status.CANCELLED, note=reason[:300])


@transaction.atomic
def respite_mark_used(*, actor: Any, booking: RespiteBooking) -> RespiteBooking:
    """The provider (or an officer over it) marks the days as used once they have begun."""
    booking = (
        RespiteBooking.objects.select_for_update().select_related("elder", "provider").get(pk=booking.pk)
    )
    if not access.is_operator_of(actor, booking.provider):
        access.require_region(actor, booking.region_code)
    access.require_can_act(actor, booking.provider)
    if booking.status != RespiteBooking.Status.BOOKED:
        raise ValidationError({"status": _("Only a booked stay can be marked as used.")})
    if booking.start_on > clock.today():
        raise ValidationError({"status": _("The stay has not begun yet.")})
    return _step(actor=actor, booking=booking, to=RespiteBooking.Status.USED)
