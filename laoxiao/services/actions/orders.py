"""Home-care orders (上门服务工单): placing with the price split against the entitlement, and each
transition as its own action (requested → accepted → assigned → in service → done → confirmed; or
cancelled; or disputed → a supervision complaint). Every transition locks the order row, checks who
may take it and from which state, stamps its time and writes one change-log row."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from laoxiao.accounts.actions import system_actor
from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.access import (
    allowed,
    has_sector,
    in_region,
    is_active_actor,
    is_operator_of,
    provider_id_of,
    require_can_supervise,
    sector_of_kind,
)
from laoxiao.core.bulk import insert_rows, save_logged
from laoxiao.core.changelog import log_change
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import rule
from laoxiao.people.models import Elder
from laoxiao.providers.models import Certificate, Price, Provider, ServiceItem, StaffMember
from laoxiao.services.models import ServiceOrder
from laoxiao.services.selectors.entitlements import month_bounds, month_used, month_values
from laoxiao.supervision.actions import complaint_receive
from laoxiao.supervision.models import Complaint

S = ServiceOrder.Status
C = ServiceOrder.Channel


# --- who ------------------------------------------------------------------------------------------


def is_family_of(actor: Any, elder_id: Any) -> bool:
    """The actor holds a live family link to the person."""
    return bool(is_active_actor(actor) and actor.family_links.live().filter(elder_id=elder_id).exists())


def is_staff_of(actor: Any, region_code: str) -> bool:
    """An officer or community worker of the person's region in elder care (not an operator)."""
    return bool(
        in_region(actor, region_code)
        and (actor.is_superuser or not provider_id_of(actor))
        and has_sector(actor, "eldercare")
    )


def relations(actor: Any, order: ServiceOrder) -> set[str]:
    """How the actor stands to an order: ``family``, ``operator`` (of its provider), ``staff``;
    nothing → the order does not exist for them (``NotFound``)."""
    out: set[str] = set()
    if is_family_of(actor, order.elder_id):
        out.add("family")
    if is_operator_of(actor, order.provider):
        out.add("operator")
    if is_staff_of(actor, order.region_code):
        out.add("staff")
    if not out and not in_region(actor, order.region_code):
        raise NotFound("services.serviceorder")
    return out


def _require(actor: Any, order: ServiceOrder, *allowed: str) -> set[str]:
    rel = relations(actor, order)
    if not rel & set(allowed):
        if not rel and not in_region(actor, order.region_code):
            raise NotFound("services.serviceorder")
        raise PermissionDenied(_("You may not do this with this order."))
    return rel


# --- prices ---------------------------------------------------------------------------------------


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def units(item: ServiceItem, minutes: int) -> int:
    """How many units an order counts: per started hour for items counted per hour, else one."""
    if item.unit_kind == ServiceItem.UnitKind.HOUR:
        return max(math.ceil(minutes / 60), 1)
    return 1


def government_price(item: ServiceItem, region_code: str, day: dt.date) -> int:
    """The purchase price of one unit (fen) by the rule ``services.purchase_prices``: the county's
    own price overriding the default; 0 when the government does not buy the item."""
    data = rule("services.purchase_prices", on=day)
    counties = data.get("counties") or {}
    for code in (region_code[:6] + "000000", region_code[:6]):
        own = counties.get(code) or {}
        if item.code in own:
            return int(own[item.code])
    return int((data.get("default") or {}).get(item.code, 0))


def provider_price(provider: Provider, item: ServiceItem, day: dt.date) -> int | None:
    """The provider's price of one unit (fen) on ``day``: its latest price line in force."""
    price = (
        Price.objects.filter(provider=provider, item=item, effective_from__lte=day)
        .order_by("-effective_from")
        .values_list("price", flat=True)
        .first()
    )
    return None if price is None else int((Decimal(price) * 100).to_integral_value())


def price_split(
    *, provider: Provider, item: ServiceItem, region_code: str, minutes: int, day: dt.date, remaining: int
) -> tuple[int, int, int]:
    """``(price, gov, self)`` in fen: the government buys the order at its price within what remains
    of the month's entitlement; the part it does not cover is paid by the person at the provider's
    price (that share of the provider's price)."""
    n = units(item, minutes)
    gov_full = government_price(item, region_code, day) * n
    gov = min(gov_full, max(remaining, 0))
    own = provider_price(provider, item, day)
    if gov_full and gov == gov_full:
        return gov, gov, 0
    if own is None:
        raise ValidationError({"item": _("The provider has no price for this item on that day.")})
    own_full = own * n
    self_part = own_full if not gov_full else round(own_full * (gov_full - gov) / gov_full)
    return gov + self_part, gov, self_part


# --- placing --------------------------------------------------------------------------------------


def _check_content(
    *, elder: Elder, provider: Provider, item: ServiceItem, scheduled_at: dt.datetime, minutes: int
) -> dt.date:
    if sector_of_kind(provider.kind) != "eldercare" or provider.filing_status != Provider.FilingStatus.FILED:
        raise ValidationError({"provider": _("Home care is ordered from a filed elder-care provider.")})
    if item.sector != ServiceItem.Sector.ELDERCARE or not item.content_class:
        raise ValidationError({"item": _("Choose a home-visit service item.")})
    if timezone.is_naive(scheduled_at):
        scheduled_at = timezone.make_aware(scheduled_at)
    day = local_day(scheduled_at)
    if minutes <= 0 or (item.min_minutes and minutes < item.min_minutes):
        raise ValidationError(
            {"minutes": _("This item takes at least %(n)d minutes.") % {"n": item.min_minutes or 1}}
        )
    if (elder.died_on and elder.died_on <= day) or (elder.moved_out_on and elder.moved_out_on <= day):
        raise ValidationError({"elder": _("This person no longer lives here on that day.")})
    return day


def _channel_of(actor: Any, elder: Elder, provider: Provider) -> str:
    if is_family_of(actor, elder.pk):
        return C.FAMILY
    if is_operator_of(actor, provider):
        return C.PROVIDER
    if not in_region(actor, elder.region_code):
        raise NotFound("people.elder")
    if not is_staff_of(actor, elder.region_code):
        raise PermissionDenied(_("You may not order services for this person."))
    return C.COMMUNITY


def accept_by(moment: dt.datetime) -> dt.datetime:
    hours = float(rule("services.order_accept_hours", on=local_day(moment))["hours"])
    return moment + dt.timedelta(hours=hours)


@transaction.atomic
def order_place(
    *,
    actor: User,
    elder: Elder,
    provider: Provider,
    item: ServiceItem,
    scheduled_at: dt.datetime,
    minutes: int,
    note: str = "",
    channel: str | None = None,
    care_plan: Any = None,
    external_ref: str = "",
) -> ServiceOrder:
    """Place an order: by a family member (live link), a community worker or officer of the
    person's region, or the provider's operator. The price splits now (``price_split``) against
    what remains of the month's entitlement; ``accept_by`` follows ``services.order_accept_hours``."""
    own_channel = _channel_of(actor, elder, provider)
    if channel is None:
        channel = own_channel
    elif channel not in C.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    elif channel != own_channel and not (
        channel in (C.CARE_PLAN, C.IMPORT) and own_channel in (C.PROVIDER, C.COMMUNITY)
    ):
        raise ValidationError({"channel": _("This channel is not yours.")})
    if timezone.is_naive(scheduled_at):
        scheduled_at = timezone.make_aware(scheduled_at)
    day = _check_content(
        elder=elder, provider=provider, item=item, scheduled_at=scheduled_at, minutes=minutes
    )
    # one person's orders of a month are priced one after the other
    Elder.objects.select_for_update().filter(pk=elder.pk).first()
    remaining = month_values([elder.pk], day).get(elder.pk, 0) - month_used(elder.pk, day)
    price, gov, own = price_split(
        provider=provider,
        item=item,
        region_code=elder.region_code,
        minutes=minutes,
        day=day,
        remaining=remaining,
    )
    now = clock.now()
    order = ServiceOrder(
        elder=elder,
        region_code=elder.region_code,
        provider=provider,
        item=item,
        channel=channel,
        placed_by=actor if getattr(actor, "pk", None) else None,
        care_plan=care_plan,
        external_ref=external_ref,
        scheduled_at=scheduled_at,
        minutes=minutes,
        note=(note or "").strip()[:300],
        price_fen=price,
        gov_fen=gov,
        self_fen=own,
        accept_by=accept_by(now),
    )
    save_logged(
        order,
        actor=actor,
        fields=[
            "elder_id",
            "provider_id",
            "item_id",
            "channel",
            "scheduled_at",
            "minutes",
            "price_fen",
            "gov_fen",
            "self_fen",
        ],
        exclude=["care_plan", "complaint", "worker"],
    )
    return order


def orders_insert(*, actor: User, records: Iterable[Mapping[str, Any]]) -> list[ServiceOrder]:
    """Many orders of providers at once (the ``service-orders`` import): each record has
    ``elder``, ``provider``, ``item``, ``scheduled_at``, ``minutes``, ``external_ref``, ``note``;
    priced in order against each person's entitlement of the month (people locked), written in
    bulk with one summary log row per region. The caller has checked the content."""
    records = list(records)
    if not records:
        return []
    elder_ids = sorted({r["elder"].pk for r in records})
    list(Elder.objects.select_for_update().filter(pk__in=elder_ids).values_list("pk", flat=True))
    left: dict[tuple[int, dt.date], int] = {}
    now = clock.now()
    rows: list[dict[str, Any]] = []
    for r in sorted(records, key=lambda r: r["scheduled_at"]):
        elder, day = r["elder"], local_day(r["scheduled_at"])
        month = month_bounds(day)[0]
        if (elder.pk, month) not in left:
            left[(elder.pk, month)] = month_values([elder.pk], day).get(elder.pk, 0) - month_used(
                elder.pk, day
            )
        price, gov, own = price_split(
            provider=r["provider"],
            item=r["item"],
            region_code=elder.region_code,
            minutes=r["minutes"],
            day=day,
            remaining=left[(elder.pk, month)],
        )
        left[(elder.pk, month)] -= gov
        rows.append(
            {
                "elder": elder,
                "region_code": elder.region_code,
                "provider": r["provider"],
                "item": r["item"],
                "channel": C.IMPORT,
                "placed_by": actor,
                "external_ref": r["external_ref"],
                "scheduled_at": r["scheduled_at"],
                "minutes": r["minutes"],
                "note": (r.get("note") or "")[:300],
                "price_fen": price,
                "gov_fen": gov,
                "self_fen": own,
                "accept_by": accept_by(now),
            }
        )
    return insert_rows(ServiceOrder, rows, actor=actor, log_created="summary", note="service-orders import")


# --- transitions ----------------------------------------------------------------------------------


def _lock(order: ServiceOrder) -> ServiceOrder:
    locked: ServiceOrder = (
        ServiceOrder.objects.select_for_update().select_related("provider", "item", "elder").get(pk=order.pk)
    )
    return locked


def _from(order: ServiceOrder, *states: str) -> None:
    if order.status not in states:
        raise ValidationError(
            {
                "status": _("An order that is %(status)s cannot do this (it must be %(states)s).")
                % {
                    "status": order.get_status_display(),
                    "states": ", ".join(str(S(s).label) for s in states),
                }
            }
        )


def _move(actor: Any, order: ServiceOrder, new: str, note: str = "", **values: Any) -> ServiceOrder:
    old = order.status
    order.status = new
    for k, v in values.items():
        setattr(order, k, v)
    order.save(update_fields=["status", *values.keys(), "updated_at"])
    changes: dict[str, list[Any]] = {"status": [old, new]}
    for k, v in values.items():
        changes[k] = [None, v]
    log_change(actor=actor, action=ChangeLog.Action.STATUS, target=order, changes=changes, note=note)
    return order


@transaction.atomic
def order_accept(*, actor: User, order: ServiceOrder) -> ServiceOrder:
    """The provider's operator accepts a requested order."""
    order = _lock(order)
    _require(actor, order, "operator")
    _from(order, S.REQUESTED)
    return _move(actor, order, S.ACCEPTED, accepted_at=clock.now())


def worker_qualified(worker: StaffMember, order: ServiceOrder) -> str | None:
    """Why ``worker`` may not serve ``order`` (a message), or None."""
    day = local_day(order.scheduled_at)
    if worker.provider_id != order.provider_id:
        return _("This worker is not staff of the provider.")
    if (worker.hired_on and worker.hired_on > day) or (worker.left_on and worker.left_on < day):
        return _("This worker is not employed on the day of the service.")
    kind = order.item.certificate_kind
    if kind:
        valid = (
            Certificate.objects.filter(staff=worker, kind=kind)
            .filter(Q(issued_on__isnull=True) | Q(issued_on__lte=day))
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))
            .exists()
        )
        if not valid:
            return _("This worker holds no valid %(kind)s on the day of the service.") % {"kind": kind}
    return None


@transaction.atomic
def order_assign(*, actor: User, order: ServiceOrder, worker: StaffMember) -> ServiceOrder:
    """The operator assigns (or re-assigns) an accepted order to a qualified worker of theirs."""
    order = _lock(order)
    _require(actor, order, "operator")
    _from(order, S.ACCEPTED, S.ASSIGNED)
    why = worker_qualified(worker, order)
    if why:
        raise ValidationError({"worker": why})
    return _move(actor, order, S.ASSIGNED, worker=worker, assigned_at=clock.now())


@transaction.atomic
def order_start(*, actor: User, order: ServiceOrder) -> ServiceOrder:
    order = _lock(order)
    _require(actor, order, "operator")
    _from(order, S.ASSIGNED)
    return _move(actor, order, S.IN_SERVICE, started_at=clock.now())


@transaction.atomic
def order_finish(*, actor: User, order: ServiceOrder) -> ServiceOrder:
    order = _lock(order)
    _require(actor, order, "operator")
    _from(order, S.IN_SERVICE)
    return _move(actor, order, S.DONE, done_at=clock.now())


@transaction.atomic
def order_confirm(*, actor: User, order: ServiceOrder, rating: int, comment: str = "") -> ServiceOrder:
    """The person's family member or a community worker confirms a done order with a rating 1–5."""
    order = _lock(order)
    _require(actor, order, "family", "staff")
    _from(order, S.DONE)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Rate from 1 to 5.")})
    return _move(
        actor,
        order,
        S.CONFIRMED,
        rating=rating,
        comment=(comment or "").strip()[:500],
        confirmed_at=clock.now(),
        confirmed_by=actor,
    )


@transaction.atomic
def order_cancel(*, actor: User, order: ServiceOrder, reason: str = "") -> ServiceOrder:
    """Cancel: a family member before the service starts; the provider with a reason; a community
    worker with a reason, also while in service."""
    order = _lock(order)
    rel = _require(actor, order, "family", "operator", "staff")
    reason = (reason or "").strip()
    if rel & {"staff"}:
        _from(order, S.REQUESTED, S.ACCEPTED, S.ASSIGNED, S.IN_SERVICE)
    else:
        _from(order, S.REQUESTED, S.ACCEPTED, S.ASSIGNED)
    if not reason and not rel & {"family"}:
        raise ValidationError({"reason": _("Say why the order is cancelled.")})
    return _move(
        actor, order, S.CANCELLED, cancel_reason=reason[:300], cancelled_at=clock.now(), cancelled_by=actor
    )


@transaction.atomic
def order_dispute(*, actor: User, order: ServiceOrder, description: str) -> ServiceOrder:
    """The family or a community worker disputes a service: a complaint about the provider is
    registered in supervision (``complaint_receive``; a family member cannot register one
    themselves, so the system registers it on their behalf, source ``online``) and linked."""
    order = _lock(order)
    rel = _require(actor, order, "family", "staff")
    _from(order, S.IN_SERVICE, S.DONE, S.CONFIRMED)
    text = (description or "").strip()
    if not text:
        raise ValidationError({"description": _("Describe what went wrong.")})
    # who registers it: the actor when they supervise the provider (an officer of its region), else
    # the system account on their behalf (a family member; a community worker of another region)
    by = actor if "staff" in rel and allowed(require_can_supervise, actor, order.provider) else system_actor()
    who = actor.get_username()
    complaint = complaint_receive(
        actor=by,
        provider=order.provider,
        received_on=clock.today(),
        source=Complaint.Source.ONLINE,
        category=Complaint.Category.SERVICE_QUALITY,
        description=(_("Order #%(id)s (%(who)s): %(text)s") % {"id": order.pk, "who": who, "text": text}),
    )
    return _move(actor, order, S.DISPUTED, note=text[:300], complaint=complaint, disputed_at=clock.now())
