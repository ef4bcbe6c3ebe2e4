"""Meal assistance (老年助餐): register diners at meal points, record meals with their subsidy, build
and approve the monthly settlement of a meal point.

The subsidy of a meal (the rule ``services.meal_subsidy`` on the day served) is the highest of the
person's age-band amount and their categories' amounts, never more than the price. A meal gets no
subsidy (and says why in ``subsidy_reason``) when the person is not a registered diner of that
point on that day, or already had the day's subsidised meals (``subsidised_per_day``). A meal for a
person who had died or moved away by that day is refused. "At most one subsidised meal per person
per slot per day" is the database constraint ``meal_one_subsidy_per_slot``; the person's row is
locked while a meal is recorded, so parallel tills are serialised per person, and a write that still
hits the constraint is answered as a ``ValidationError`` on ``slot`` (never a 500).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from laoxiao.core import access, clock
from laoxiao.core.bulk import insert_rows, save_logged
from laoxiao.core.changelog import log_change
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import rule
from laoxiao.people.models import Elder, ElderCategory
from laoxiao.providers.models import Provider
from laoxiao.services.actions.offices import check_county_office
from laoxiao.services.models import Diner, MealRecord, MealSettlement

SUBSIDY_CONSTRAINT = "meal_one_subsidy_per_slot"


# --- helpers ---------------------------------------------------------------------------------------


def is_meal_point(provider: Provider) -> bool:
    return provider.kind == Provider.Kind.MEAL_POINT or bool(provider.serves_meals)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def month_bounds(period: dt.date) -> tuple[dt.date, dt.date]:
    first = period.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def subsidy_for(*, age: int, categories: Iterable[str], price_fen: int, day: dt.date) -> tuple[int, str]:
    """The subsidy of one meal by the rule (before the diner and per-day conditions) and its reason."""
    data = rule("services.meal_subsidy", on=day)
    best, reason = 0, ""
    for band in data["age_bands"]:
        top = band.get("max_age")
        if age >= band["min_age"] and (top is None or age <= top) and band["fen"] > best:
            best = int(band["fen"])
            reason = _("age %(age)d") % {"age": age}
    for category in sorted(set(categories)):
        amount = int(data.get("categories", {}).get(category, 0))
        if amount > best:
            best, reason = amount, _("category %(category)s") % {"category": category}
    if best <= 0:
        return 0, _("no subsidy for this age or category")
    if best > price_fen:
        return price_fen, _("%(reason)s, limited to the price") % {"reason": reason}
    return best, reason


def _check_alive(elder: Elder, day: dt.date) -> None:
    if elder.died_on and elder.died_on <= day:
        raise ValidationError({"served_on": _("The person had died by this day.")})
    if elder.moved_out_on and elder.moved_out_on <= day:
        raise ValidationError({"served_on": _("The person had moved away by this day.")})


def _check_meal_fields(*, slot: str, mode: str, verified_by: str, price_fen: int, served_on: dt.date) -> None:
    errors: dict[str, str] = {}
    if slot not in MealRecord.Slot.values:
        errors["slot"] = _("Unknown meal slot.")
    if mode not in MealRecord.Mode.values:
        errors["mode"] = _("Unknown mode.")
    if verified_by not in MealRecord.Verification.values:
        errors["verified_by"] = _("Unknown way of identifying the diner.")
    if price_fen < 0:
        errors["price_fen"] = _("The price cannot be negative.")
    if served_on > clock.today():
        errors["served_on"] = _("The day lies in the future.")
    if errors:
        raise ValidationError(errors)


def _check_recorder(actor: Any, elder: Elder, provider: Provider) -> None:
    """Scope and permission of a meal at ``provider``: its operator, or an officer over the point
    who also sees the person."""
    if not access.is_operator_of(actor, provider):
        access.require_region(actor, elder.region_code)
    access.require_can_act(actor, provider)


def _is_diner(elder_id: int, provider_id: int, day: dt.date) -> bool:
    return (
        Diner.objects.filter(elder_id=elder_id, provider_id=provider_id, registered_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        .exists()
    )


def _categories(elder_ids: Iterable[int], days: Iterable[dt.date]) -> dict[int, list[ElderCategory]]:
    ids, ds = list(set(elder_ids)), list(days)
    out: dict[int, list[ElderCategory]] = {}
    if not ids or not ds:
        return out
    for c in ElderCategory.objects.filter(elder_id__in=ids, valid_from__lte=max(ds)).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=min(ds))
    ):
        out.setdefault(c.elder_id, []).append(c)
    return out


def _categories_on(cats: Sequence[ElderCategory], day: dt.date) -> list[str]:
    return [c.category for c in cats if c.valid_from <= day and (c.valid_to is None or c.valid_to >= day)]


# --- diners ----------------------------------------------------------------------------------------


@transaction.atomic
def diner_register(
    *,
    actor: Any,
    elder: Elder,
    provider: Provider,
    delivery: bool = False,
    registered_on: dt.date | None = None,
) -> Diner:
    """Register a person at a meal point (again: updates ``delivery`` and clears an end date)."""
    _check_recorder(actor, elder, provider)
    if not is_meal_point(provider):
        raise ValidationError({"provider": _("This provider is not a meal point.")})
    day = registered_on or clock.today()
    _check_alive(elder, day)
    existing = Diner.objects.filter(elder=elder, provider=provider).first()
    if existing is not None:
        save_logged(existing, actor=actor, values={"delivery": bool(delivery), "ended_on": None})
        return existing
    diner = Diner(elder=elder, provider=provider, region_code=elder.region_code)
    save_logged(
        diner, actor=actor, values={"registered_on": day, "delivery": bool(delivery)}, exclude=["ended_on"]
    )
    return diner


@transaction.atomic
def diner_end(*, actor: Any, diner: Diner, ended_on: dt.date) -> Diner:
    _check_recorder(actor, diner.elder, diner.provider)
    if ended_on < diner.registered_on:
        raise ValidationError({"ended_on": _("The end lies before the registration.")})
    save_logged(diner, actor=actor, values={"ended_on": ended_on})
    return diner


# --- meals -----------------------------------------------------------------------------------------


def _existing_subsidised(
    elder_ids: Iterable[int], days: Iterable[dt.date]
) -> dict[tuple[int, dt.date], set[str]]:
    out: dict[tuple[int, dt.date], set[str]] = {}
    for eid, day, slot in MealRecord.objects.filter(
        elder_id__in=list(set(elder_ids)), served_on__in=list(set(days)), subsidy_fen__gt=0
    ).values_list("elder_id", "served_on", "slot"):
        out.setdefault((eid, day), set()).add(slot)
    return out


def _split(
    *,
    elder: Elder,
    provider_id: int,
    day: dt.date,
    slot: str,
    price_fen: int,
    categories: Sequence[str],
    taken: set[str],
    diner: bool,
) -> tuple[int, str]:
    """(subsidy, reason) of one meal, given the slots already subsidised that day (``taken``)."""
    if not diner:
        return 0, _("not a registered diner of this meal point on this day")
    per_day = int(rule("services.meal_subsidy", on=day)["subsidised_per_day"])
    if slot in taken or len(taken) >= per_day:
        return 0, _("over the subsidised meals a day (%(n)d)") % {"n": per_day}
    return subsidy_for(age=age_on(elder.birth_date, day), categories=categories, price_fen=price_fen, day=day)


@transaction.atomic
def meal_record(
    *,
    actor: Any,
    elder: Elder,
    provider: Provider,
    served_on: dt.date,
    slot: str,
    mode: str,
    verified_by: str,
    price_fen: int,
    external_ref: str = "",
) -> MealRecord:
    """Record one meal with its subsidy. The same till reference at the same point again returns
    the stored meal unchanged."""
    _check_recorder(actor, elder, provider)
    if not is_meal_point(provider):
        raise ValidationError({"provider": _("This provider is not a meal point.")})
    _check_meal_fields(
        slot=slot, mode=mode, verified_by=verified_by, price_fen=price_fen, served_on=served_on
    )
    _check_alive(elder, served_on)
    ref = (external_ref or "").strip()
    if ref:
        same = MealRecord.objects.filter(provider=provider, external_ref=ref).first()
        if same is not None:
            return same
    Elder.objects.select_for_update().filter(pk=elder.pk).first()  # one till at a time per person
    taken = _existing_subsidised([elder.pk], [served_on]).get((elder.pk, served_on), set())
    cats = _categories_on(_categories([elder.pk], [served_on]).get(elder.pk, []), served_on)
    subsidy, reason = _split(
        elder=elder,
        provider_id=provider.pk,
        day=served_on,
        slot=slot,
        price_fen=price_fen,
        categories=cats,
        taken=taken,
        diner=_is_diner(elder.pk, provider.pk, served_on),
    )
    meal = MealRecord(elder=elder, provider=provider, region_code=elder.region_code)
    values = {
        "served_on": served_on,
        "slot": slot,
        "mode": mode,
        "verified_by": verified_by,
        "served_at": None,
        "price_fen": price_fen,
        "subsidy_fen": subsidy,
        "paid_fen": price_fen - subsidy,
        "subsidy_reason": reason[:100],
        "external_ref": ref,
        "recorded_at": clock.now(),
    }
    try:
        with transaction.atomic():
            save_logged(meal, actor=actor, values=values, exclude=["settlement", "served_at"])
    except IntegrityError as exc:
        if SUBSIDY_CONSTRAINT in str(exc):
            raise ValidationError(
                {"slot": _("This person already had a subsidised meal in this slot on this day.")}
            ) from None
        raise ValidationError({"external_ref": _("This till reference was already recorded.")}) from None
    except ValidationError as exc:
        # full_clean reports the partial unique constraints as a ValidationError on __all__
        if SUBSIDY_CONSTRAINT in " ".join(exc.messages):
            raise ValidationError(
                {"slot": _("This person already had a subsidised meal in this slot on this day.")}
            ) from None
        raise
    return meal


@dataclass
class MealsResult:
    created: int = 0
    unchanged: int = 0
    capped: list[int] = field(default_factory=list)  # indexes of rows over the per-day cap
    unsubsidised: dict[int, str] = field(default_factory=dict)  # index → reason (no subsidy)


@transaction.atomic
def meals_record(
    *,
    actor: Any,
    rows: Sequence[Mapping[str, Any]],
    progress: Callable[[int], None] | None = None,
    row_numbers: Sequence[int] | None = None,
) -> MealsResult:
    """Record many meals (the import, the demo). Each row: ``elder``, ``provider``, ``served_on``,
    ``slot``, ``mode``, ``verified_by``, ``price_fen``, ``external_ref``. Rows whose till reference
    is already stored at that point are skipped (re-import changes nothing). The subsidies follow
    the same rule as ``meal_record``, row by row in the given order. Checks scope and permission per
    point and person (``actor=None``: the system, e.g. the demo builder, without those checks); a
    content error is a ``ValidationError``; nothing is written then. Meals over
    the daily cap are written without a subsidy and named (by ``row_numbers``, default 1-based
    indexes) in the note of the change-log row."""
    result = MealsResult()
    if not rows:
        return result
    checked_p: set[int] = set()
    checked_e: set[int] = set()
    for r in rows:
        provider, elder = r["provider"], r["elder"]
        if provider.pk not in checked_p:
            if not is_meal_point(provider):
                raise ValidationError({"provider": _("This provider is not a meal point.")})
            if actor is not None:
                access.require_can_act(actor, provider)
            checked_p.add(provider.pk)
        if actor is not None and elder.pk not in checked_e and not access.is_operator_of(actor, provider):
            access.require_region(actor, elder.region_code)
            checked_e.add(elder.pk)
    elder_ids = sorted({r["elder"].pk for r in rows})
    list(Elder.objects.select_for_update().filter(pk__in=elder_ids).order_by("pk").values_list("pk"))
    refs: dict[int, set[str]] = {}
    for pid, ref in (
        MealRecord.objects.filter(
            provider_id__in=list(checked_p), external_ref__in=[r.get("external_ref") or "" for r in rows]
        )
        .exclude(external_ref="")
        .values_list("provider_id", "external_ref")
    ):
        refs.setdefault(pid, set()).add(ref)
    days = {r["served_on"] for r in rows}
    taken = _existing_subsidised(elder_ids, days)
    cats = _categories(elder_ids, days)
    diners: dict[tuple[int, int], list[Diner]] = {}
    for d in Diner.objects.filter(elder_id__in=elder_ids, provider_id__in=list(checked_p)):
        diners.setdefault((d.elder_id, d.provider_id), []).append(d)
    now = clock.now()
    records: list[dict[str, Any]] = []
    for i, r in enumerate(rows):
        elder, provider, day = r["elder"], r["provider"], r["served_on"]
        ref = (r.get("external_ref") or "").strip()
        if ref and ref in refs.get(provider.pk, set()):
            result.unchanged += 1
            continue
        _check_meal_fields(
            slot=r["slot"],
            mode=r["mode"],
            verified_by=r["verified_by"],
            price_fen=r["price_fen"],
            served_on=day,
        )
        _check_alive(elder, day)
        is_diner = any(
            d.registered_on <= day and (d.ended_on is None or d.ended_on > day)
            for d in diners.get((elder.pk, provider.pk), [])
        )
        slots = taken.setdefault((elder.pk, day), set())
        per_day = int(rule("services.meal_subsidy", on=day)["subsidised_per_day"])
        over = is_diner and (r["slot"] in slots or len(slots) >= per_day)
        subsidy, reason = _split(
            elder=elder,
            provider_id=provider.pk,
            day=day,
            slot=r["slot"],
            price_fen=r["price_fen"],
            categories=_categories_on(cats.get(elder.pk, []), day),
            taken=slots,
            diner=is_diner,
        )
        if over:
            result.capped.append(i)
        if subsidy > 0:
            slots.add(r["slot"])
        else:
            result.unsubsidised[i] = reason
        if ref:
            refs.setdefault(provider.pk, set()).add(ref)
        records.append(
            {
                "elder": elder,
                "provider": provider,
                "region_code": elder.region_code,
                "served_on": day,
                "slot": r["slot"],
                "mode": r["mode"],
                "verified_by": r["verified_by"],
                "price_fen": r["price_fen"],
                "subsidy_fen": subsidy,
                "paid_fen": r["price_fen"] - subsidy,
                "subsidy_reason": reason[:100],
                "external_ref": ref,
                "recorded_at": now,
            }
        )
    numbers = list(row_numbers) if row_numbers is not None else [i + 1 for i in range(len(rows))]
    note = ""
    if result.capped:
        shown = ", ".join(str(numbers[i]) for i in result.capped[:40])
        note = _("%(n)d meals over the subsidised meals a day, without subsidy (rows %(rows)s)") % {
            "n": len(result.capped),
            "rows": shown,
        }
    try:
        with transaction.atomic():
            insert_rows(MealRecord, records, actor=actor, progress=progress or (lambda n: None), note=note)
    except IntegrityError as exc:
        field_name = "slot" if SUBSIDY_CONSTRAINT in str(exc) else "external_ref"
        raise ValidationError(
            {field_name: _("A meal of this file was recorded meanwhile; import it again.")}
        ) from None
    result.created = len(records)
    return result


# --- settlement ------------------------------------------------------------------------------------


def _settle_one(*, actor: Any, provider: Provider, first: dt.date, last: dt.date) -> MealSettlement | None:
    settlement = MealSettlement.objects.select_for_update().filter(provider=provider, period=first).first()
    if settlement is not None and settlement.status == MealSettlement.Status.APPROVED:
        return settlement
    meals = MealRecord.objects.filter(provider=provider, served_on__gte=first, served_on__lte=last).filter(
        Q(settlement__isnull=True) | Q(settlement=settlement) if settlement else Q(settlement__isnull=True)
    )
    totals = meals.aggregate(
        n=Count("pk"),
        sub=Count("pk", filter=Q(subsidy_fen__gt=0)),
        price=Sum("price_fen"),
        subsidy=Sum("subsidy_fen"),
    )
    if settlement is None and not totals["n"]:
        return None
    values = {
        "meals": totals["n"] or 0,
        "subsidised": totals["sub"] or 0,
        "price_fen": totals["price"] or 0,
        "subsidy_fen": totals["subsidy"] or 0,
    }
    if settlement is None:
        settlement = MealSettlement(provider=provider, region_code=provider.region_code, period=first)
        values.update(prepared_by=actor if getattr(actor, "pk", None) else None, prepared_at=clock.now())
        save_logged(settlement, actor=actor, values=values, exclude=["approved_by", "approved_at"])
    else:
        changes = save_logged(settlement, actor=actor, values=values)
        if changes:
            MealSettlement.objects.filter(pk=settlement.pk).update(
                prepared_by=actor if getattr(actor, "pk", None) else None, prepared_at=clock.now()
            )
    meals.filter(settlement__isnull=True).update(settlement=settlement)
    return settlement


@transaction.atomic
def meal_settlement_build(
    *, actor: Any = None, period: dt.date, provider: Provider | None = None
) -> list[MealSettlement]:
    """Build or refresh the month's settlement of each meal point with meals in it (or of
    ``provider``). Running it again changes nothing; an approved settlement never changes (meals
    recorded after its approval stay unsettled). With an actor: only the points they may act for."""
    first, last = month_bounds(period)
    if provider is not None:
        if actor is not None:
            access.require_can_act(actor, provider)
        providers = [provider]
    else:
        ids = MealRecord.objects.filter(served_on__gte=first, served_on__lte=last).values("provider_id")
        qs = Provider.objects.filter(pk__in=ids).order_by("pk")
        if actor is not None:
            qs = qs & Provider.objects.visible_to(actor)
        providers = list(qs)
    out = []
    for p in providers:
        s = _settle_one(actor=actor, provider=p, first=first, last=last)
        if s is not None:
            out.append(s)
    return out


@transaction.atomic
def meal_settlement_approve(*, actor: Any, settlement: MealSettlement) -> MealSettlement:
    """Approve a prepared settlement: the county civil-affairs office of the meal point, never the
    person who prepared it."""
    settlement = MealSettlement.objects.select_for_update().select_related("provider").get(pk=settlement.pk)
    access.require_region(actor, settlement.region_code)
    check_county_office(actor, settlement.region_code)
    if settlement.prepared_by_id and settlement.prepared_by_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("The person who prepared a settlement may not approve it."))
    if settlement.status != MealSettlement.Status.PREPARED:
        raise ValidationError({"status": _("This settlement is already approved.")})
    old = settlement.status
    settlement.status = MealSettlement.Status.APPROVED
    settlement.approved_by = actor
    settlement.approved_at = clock.now()
    settlement.save(update_fields=["status", "approved_by", "approved_at"])
    log_change(
        actor=actor,
        action=ChangeLog.Action.STATUS,
        target=settlement,
        changes={"status": [old, settlement.status]},
    )
    return settlement


def settlement_get(*, actor: Any, pk: int) -> MealSettlement:
    found = MealSettlement.objects.visible_to(actor).filter(pk=pk).select_related("provider").first()
    if found is None:
        raise NotFound(str(pk))
    return found
