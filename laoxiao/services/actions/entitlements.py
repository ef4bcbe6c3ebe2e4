"""Entitlements (政府购买居家养老服务): derived from the registry by the rule
``services.entitlement_groups`` (``entitlements_refresh``, set-based for the whole city), granted by a
community worker with a note (``entitlement_grant``), ended by a worker (``entitlement_end``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.access import is_city_admin, require_region, require_region_and_sector, require_sector
from laoxiao.core.bulk import insert_rows, save_logged, upsert_rows
from laoxiao.core.rules import rule_version
from laoxiao.people.models import AbilityAssessment, Elder, ElderCategory, InstitutionStay
from laoxiao.regions.scoping import level_of_code, prefix_for, prefix_q
from laoxiao.services.models import Entitlement

RULE = "services.entitlement_groups"


def age_on(birth: dt.date, on: dt.date) -> int:
    """Whole years of age on ``on``."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _years_before(on: dt.date, years: int) -> dt.date:
    """The latest birth date of a person ``years`` old on ``on``."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def group_name(group: Mapping[str, Any]) -> str:
    """A group's name in the active language (the rule carries Chinese and English)."""
    lang = (get_language() or "zh-hans").lower()
    return str(group.get("name") if lang.startswith("zh") else group.get("name_en") or group.get("name"))


def reason_text(group: Mapping[str, Any], age: int) -> str:
    """Why a person receives a group's value, in words ("分散供养特困老年人, 82 岁")."""
    return _("%(group)s, aged %(age)d") % {"group": group_name(group), "age": age}


def _stay_open(on: dt.date) -> QuerySet[InstitutionStay]:
    return InstitutionStay.objects.filter(elder=OuterRef("pk"), admitted_on__lte=on).filter(
        Q(left_on__isnull=True) | Q(left_on__gte=on)
    )


def _living_at_home(qs: QuerySet[Elder], on: dt.date) -> QuerySet[Elder]:
    """People alive, not moved away and not living in an institution on ``on``."""
    return (
        qs.filter(Q(died_on__isnull=True) | Q(died_on__gt=on))
        .filter(Q(moved_out_on__isnull=True) | Q(moved_out_on__gt=on))
        .exclude(Exists(_stay_open(on)))
    )


def _latest_level(on: dt.date) -> Subquery:
    return Subquery(
        AbilityAssessment.objects.filter(elder=OuterRef("pk"), assessed_on__lte=on)
        .order_by("-assessed_on")
        .values("level")[:1]
    )


def derive(
    *, region_code: str | None, on: dt.date, data: Mapping[str, Any]
) -> dict[tuple[int, str], dict[str, Any]]:
    """Who qualifies on ``on`` for which group: ``{(elder_id, group): {monthly_fen, reason,
    region_code}}``, one query per group (no per-person query)."""
    people: QuerySet[Elder] = Elder.objects.all()
    if region_code:
        people = people.filter(prefix_q("region_code", prefix_for(region_code, level_of_code(region_code))))
    people = _living_at_home(people, on)
    out: dict[tuple[int, str], dict[str, Any]] = {}
    for group in data.get("groups", []):
        code = str(group["code"])
        fen = int(group["monthly_fen"])
        qs = people.filter(birth_date__lte=_years_before(on, int(group.get("min_age", 0))))
        if group.get("categories"):
            cats = ElderCategory.objects.filter(
                elder=OuterRef("pk"), category__in=list(group["categories"]), valid_from__lte=on
            ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            if group.get("support_mode"):
                cats = cats.filter(support_mode=group["support_mode"])
            qs = qs.filter(Exists(cats))
        if group.get("ability_levels"):
            qs = qs.annotate(latest_level=_latest_level(on)).filter(
                latest_level__in=list(group["ability_levels"])
            )
        for elder_id, region, birth in qs.values_list("pk", "region_code", "birth_date").iterator(
            chunk_size=5000
        ):
            out[(elder_id, code)] = {
                "monthly_fen": fen,
                "reason": reason_text(group, age_on(birth, on))[:300],
                "region_code": region,
            }
    return out


def _end_of(elder_ids: list[int], on: dt.date) -> dict[int, tuple[str, dt.date]]:
    """For people who stop qualifying: the reason and the record's own date (death, admission,
    move), else ``no_longer`` the day before ``on``."""
    out: dict[int, tuple[str, dt.date]] = {}
    for start in range(0, len(elder_ids), 5000):
        part = elder_ids[start : start + 5000]
        stays = dict(
            InstitutionStay.objects.filter(elder_id__in=part, admitted_on__lte=on)
            .filter(Q(left_on__isnull=True) | Q(left_on__gte=on))
            .values_list("elder_id", "admitted_on")
        )
        for pk, died, moved in Elder.objects.filter(pk__in=part).values_list("pk", "died_on", "moved_out_on"):
            if died is not None and died <= on:
                out[pk] = (Entitlement.EndReason.DIED, died)
            elif pk in stays:
                out[pk] = (Entitlement.EndReason.INSTITUTION, stays[pk])
            elif moved is not None and moved <= on:
                out[pk] = (Entitlement.EndReason.MOVED, moved)
            else:
                out[pk] = (Entitlement.EndReason.NO_LONGER, on - dt.timedelta(days=1))
    return out


@transaction.atomic
def entitlements_refresh(
    *, actor: User, region_code: str | None = None, on: dt.date | None = None
) -> dict[str, int]:
    """Derive the entitlements of ``on`` (today) for a region (or the whole city: a city
    administrator) from the registry. Idempotent: open derived rows that still hold are left alone
    (their reason follows the age), new ones open on ``on``, rows of people who no longer qualify end
    on the record's own date with its reason; a group value changed by a new rule version ends the
    old row the day before and opens a new one. Returns counts."""
    on = on or clock.today()
    if region_code:
        require_region_and_sector(actor, region_code, "eldercare")
    else:
        require_sector(actor, "eldercare")
        if not is_city_admin(actor):
            raise PermissionDenied(_("Only a city administrator refreshes the whole city."))
    version = rule_version(RULE, on=on)
    tag = f"{RULE}@{version.effective_from}"
    wanted = derive(region_code=region_code, on=on, data=version.data)

    current = Entitlement.objects.filter(source=Entitlement.Source.DERIVED, valid_to__isnull=True)
    if region_code:
        current = current.filter(prefix_q("region_code", prefix_for(region_code, level_of_code(region_code))))
    rows = list(current.values_list("pk", "elder_id", "group", "monthly_fen", "reason", "valid_from"))

    changes: list[dict[str, Any]] = []
    reopen: list[tuple[int, str]] = []
    ending: list[tuple[int, int, dt.date]] = []
    seen: set[tuple[int, str]] = set()
    unchanged = 0
    for pk, elder_id, group, fen, reason, valid_from in rows:
        key = (elder_id, group)
        want = wanted.get(key)
        if want is None:
            ending.append((pk, elder_id, valid_from))
            continue
        seen.add(key)
        if want["monthly_fen"] != fen:
            if valid_from >= on:
                changes.append(
                    {
                        "id": pk,
                        "monthly_fen": want["monthly_fen"],
                        "reason": want["reason"],
                        "rule_version": tag,
                    }
                )
            else:
                changes.append(
                    {
                        "id": pk,
                        "valid_to": on - dt.timedelta(days=1),
                        "end_reason": Entitlement.EndReason.RULE,
                    }
                )
                reopen.append(key)
        elif want["reason"] != reason:
            changes.append({"id": pk, "reason": want["reason"]})
        else:
            unchanged += 1
    ends = _end_of(sorted({e for _pk, e, _f in ending}), on)
    for pk, elder_id, valid_from in ending:
        why, day = ends[elder_id]
        changes.append({"id": pk, "valid_to": max(day, valid_from), "end_reason": why})

    result = upsert_rows(
        Entitlement,
        changes,
        actor=actor,
        key=("id",),
        fields=("valid_to", "end_reason", "reason", "monthly_fen", "rule_version"),
        queryset=Entitlement.objects.filter(source=Entitlement.Source.DERIVED),
        log_created=None,
        note="entitlements_refresh",
    )
    new_keys = [k for k in wanted if k not in seen] + reopen
    insert_rows(
        Entitlement,
        [
            {
                "elder_id": k[0],
                "group": k[1],
                "region_code": wanted[k]["region_code"],
                "source": Entitlement.Source.DERIVED,
                "monthly_fen": wanted[k]["monthly_fen"],
                "valid_from": on,
                "reason": wanted[k]["reason"],
                "rule_version": tag,
            }
            for k in new_keys
        ],
        actor=actor,
        log_created="summary",
        note="entitlements_refresh",
    )
    return {
        "created": len(new_keys),
        "ended": len(ending) + len(reopen),
        "updated": result.updated - len(ending) - len(reopen),
        "unchanged": unchanged,
    }


@transaction.atomic
def entitlement_grant(
    *,
    actor: User,
    elder: Elder,
    monthly_fen: int,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    note: str,
) -> Entitlement:
    """A worker's grant on top of the derived value, with a note (why)."""
    require_region_and_sector(actor, elder.region_code, "eldercare")
    if monthly_fen <= 0:
        raise ValidationError({"monthly_fen": _("A grant is a positive amount.")})
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the grant is made.")})
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end lies before the start.")})
    row = Entitlement(
        elder=elder,
        region_code=elder.region_code,
        source=Entitlement.Source.GRANT,
        monthly_fen=monthly_fen,
        valid_from=valid_from,
        valid_to=valid_to,
        granted_by=actor,
        note=note.strip(),
        reason=note.strip()[:300],
    )
    save_logged(
        row, actor=actor, fields=["elder_id", "source", "monthly_fen", "valid_from", "valid_to", "note"]
    )
    return row


@transaction.atomic
def entitlement_end(
    *, actor: User, entitlement: Entitlement, valid_to: dt.date, note: str = ""
) -> Entitlement:
    """End a grant on ``valid_to`` (derived rows end by ``entitlements_refresh``)."""
    require_region(actor, entitlement.region_code)
    require_sector(actor, "eldercare")
    row = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    if row.source != Entitlement.Source.GRANT:
        raise ValidationError({"source": _("A derived entitlement ends when the registry changes.")})
    if row.valid_to is not None and row.valid_to <= valid_to:
        raise ValidationError({"valid_to": _("This entitlement has already ended.")})
    if valid_to < row.valid_from:
        raise ValidationError({"valid_to": _("The end lies before the start.")})
    values: dict[str, Any] = {"valid_to": valid_to, "end_reason": Entitlement.EndReason.ENDED}
    if note.strip():
        values["note"] = note.strip()[:300]
    save_logged(row, actor=actor, values=values)
    return row
