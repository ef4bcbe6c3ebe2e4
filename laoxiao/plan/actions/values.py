"""Writes of reported indicator values: submit, approve, reject, withdraw.

A figure of a reported indicator (E01, E02, E09, E10, E14, E15 of the seed plan) is submitted by a
reporter of the indicator's responsible unit (role ``bureau_reporter``, ``accounts.report_plan``,
``User.unit``) or by a city administrator, for any region of the city and a period (a year). A city
administrator may also file a *historical* figure of a computed indicator, for a year that has
ended (the years before the platform held the records: the figures of the statistical reports).
A figure is stored for the indicator's measure, so every plan that uses the measure shows it.
A city administrator (``accounts.approve_plan`` or a superuser) approves or rejects it. Approving
locks the row, supersedes the figure approved before for the same (measure, region, period) and
writes the figure to ``IndicatorValue`` so that every reader sees one table (a recomputation leaves
an approved figure alone). No action edits an approved row: a change is a new submission
(``replaces`` = the approved row), approved in its turn.

Each action checks, in this order: that the actor sees the row (else ``NotFound``), permission
(``PermissionDenied``), content (``ValidationError`` with the field at fault); then writes and logs
the change (``ChangeLog``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.core import clock
from laoxiao.core.access import is_city_admin
from laoxiao.core.changelog import log_change, snapshot
from laoxiao.core.i18n import fmt
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import rule
from laoxiao.jobs.actions import job_enqueue
from laoxiao.plan.calculators import REGISTRY, Period
from laoxiao.plan.engine import applies_to, indicators_compute
from laoxiao.plan.models import Indicator, IndicatorValue, ReportedValue, plain_number
from laoxiao.plan.selectors.values import can_report, reported_get
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import PREFIX_LENGTH, level_of_code, prefix_q

RV = ReportedValue.Status
SUBMIT_FIELDS = (
    "measure",
    "region_code",
    "period",
    "value",
    "source",
    "note",
    "unit",
    "status",
    "replaces",
)


def _now() -> dt.datetime:
    return timezone.now()


def clean_period(indicator: Indicator, period: Any, *, today: dt.date | None = None) -> Period:
    """The period of a figure: a year (a month only for monthly indicators), already begun."""
    try:
        p = Period.parse(str(period or ""))
    except ValueError:
        raise ValidationError(
            {
                "period": fmt(
                    _("A period is a year (2021) or a month (2021-06), not “%(value)s”."), value=period
                )
            }
        ) from None
    if not applies_to(indicator.measure_id, p):
        raise ValidationError({"period": _("This indicator is reported for a year (2021), not for a month.")})
    if p.start > (today or clock.today()):
        raise ValidationError({"period": fmt(_("The period %(period)s has not begun yet."), period=p.text)})
    return p


def clean_value(indicator: Indicator, value: Any, *, on: dt.date | None = None) -> Decimal:
    """The figure as a Decimal, within the bounds the indicator's unit allows (rule
    ``indicators.reported``): percentages 0–100, ages 0–130, counts and amounts ≥ 0."""
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", "")) if value is not None else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ValidationError({"value": fmt(_("“%(value)s” is not a number."), value=value)})
    if abs(number) >= Decimal(10) ** 15:
        raise ValidationError({"value": _("The value is too large.")})
    data = rule("indicators.reported", on=on)
    low, high = data.get("bounds", {}).get(indicator.unit, data.get("default_bounds", [0, None]))
    if (low is not None and number < Decimal(str(low))) or (high is not None and number > Decimal(str(high))):
        if high is None:
            message = fmt(
                _("A value in %(unit)s cannot be below %(low)s."), unit=indicator.unit, low=plain_number(low)
            )
        else:
            message = fmt(
                _("A value in %(unit)s lies between %(low)s and %(high)s."),
                unit=indicator.unit,
                low=plain_number(low),
                high=plain_number(high),
            )
        raise ValidationError({"value": message})
    if indicator.unit in data.get("whole_units", []) and number != number.to_integral_value():
        raise ValidationError(
            {"value": fmt(_("A count in %(unit)s is a whole number."), unit=indicator.unit)}
        )
    places = int(data.get("decimal_places", 4))
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise ValidationError(
            {"value": fmt(_("A value has at most %(places)s digits after the point."), places=places)}
        )
    return number


def _current(measure_id: str, region_code: str, period: str, status: str) -> ReportedValue | None:
    return (
        ReportedValue.objects.select_for_update()
        .filter(measure_id=measure_id, region_code=region_code, period=period, status=status)
        .first()
    )


@transaction.atomic
def reported_value_submit(
    *,
    actor: Any,
    indicator: Indicator,
    region_code: str,
    period: str,
    value: Any,
    source: str,
    note: str = "",
) -> ReportedValue:
    """Submit a figure of a reported indicator for a region and a period. A second submission while
    one is pending is refused; after an approval, the new submission ``replaces`` the approved row."""
    if not can_report(actor, indicator):
        unit = indicator.responsible_unit.name if indicator.responsible_unit else "—"
        raise PermissionDenied(
            fmt(_("Only reporters of %(unit)s or a city administrator may report this indicator."), unit=unit)
        )
    region_code = (region_code or "").strip()
    if not Region.objects.filter(code=region_code).exists():
        raise ValidationError({"region_code": fmt(_("There is no region %(code)s."), code=region_code)})
    p = clean_period(indicator, period)
    if indicator.kind != Indicator.Kind.REPORTED and not (is_city_admin(actor) and p.end < clock.today()):
        raise ValidationError(
            {
                "indicator": fmt(
                    _(
                        "%(code)s is computed from the records; only a city administrator may file a "
                        "historical figure of it, for a year that has ended."
                    ),
                    code=indicator.code,
                )
            }
        )
    number = clean_value(indicator, value, on=p.end)
    source = (source or "").strip()
    if not source:
        raise ValidationError(
            {"source": _("Name the source of the figure (a statistical report, a document).")}
        )
    if len(source) > 200:
        raise ValidationError({"source": _("The source is at most 200 characters long.")})
    if _current(indicator.measure_id, region_code, p.text, RV.SUBMITTED) is not None:
        raise ValidationError(
            {
                "__all__": _(
                    "A figure for this indicator, region and period is already waiting for review: "
                    "withdraw it or wait for the review."
                )
            }
        )
    approved = _current(indicator.measure_id, region_code, p.text, RV.APPROVED)
    row = ReportedValue(
        measure_id=indicator.measure_id,
        region_code=region_code,
        period=p.text,
        value=number,
        source=source,
        note=(note or "").strip(),
        unit=getattr(actor, "unit", None) if not is_city_admin(actor) else indicator.responsible_unit,
        status=RV.SUBMITTED,
        submitted_by=actor,
        submitted_at=_now(),
        replaces=approved,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # a submission raced this one
        raise ValidationError(
            {"__all__": _("A figure for this indicator, region and period is already waiting for review.")}
        ) from None
    log_change(actor=actor, action=ChangeLog.Action.CREATE, target=row, changes=snapshot(row, SUBMIT_FIELDS))
    return row


def _reviewable(actor: Any, reported: ReportedValue, message: Any) -> ReportedValue:
    row = reported_get(actor=actor, pk=reported.pk)  # NotFound outside what the actor sees
    if not is_city_admin(actor):
        raise PermissionDenied(_("Only a city administrator may review reported figures."))
    locked = ReportedValue.objects.select_for_update().get(pk=row.pk)
    if locked.status != RV.SUBMITTED:
        raise ValidationError({"status": fmt(message, status=RV(locked.status).label)})
    return locked


@transaction.atomic
def reported_value_approve(*, actor: Any, reported: ReportedValue, note: str = "") -> ReportedValue:
    """Approve a submitted figure: it becomes the indicator's value for the region and period (written
    to ``IndicatorValue``), and the figure approved before is superseded."""
    row = _reviewable(actor, reported, _("Only a submitted figure can be approved; this one is %(status)s."))
    now = _now()
    previous = _current(row.measure_id, row.region_code, row.period, RV.APPROVED)
    if previous is not None:
        previous.status = RV.SUPERSEDED
        previous.save(update_fields=["status"])
        log_change(
            actor=actor,
            action=ChangeLog.Action.STATUS,
            target=previous,
            changes={"status": [RV.APPROVED.value, RV.SUPERSEDED.value]},
            note=f"superseded by #{row.pk}",
        )
    row.status = RV.APPROVED
    row.reviewed_by = actor
    row.reviewed_at = now
    row.review_note = (note or "").strip()
    row.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    IndicatorValue.objects.update_or_create(
        measure_id=row.measure_id,
        region_code=row.region_code,
        period=row.period,
        defaults={
            "value": row.value,
            "numerator": None,
            "denominator": None,
            "reason": "",
            "inputs": {"reported_value": row.pk, "source": row.source, "note": row.note},
            "computed_at": now,
        },
    )
    log_change(
        actor=actor,
        action=ChangeLog.Action.STATUS,
        target=row,
        changes={
            "status": [RV.SUBMITTED.value, RV.APPROVED.value],
            "value": [previous.value if previous else None, row.value],
        },
        note=row.review_note,
    )
    return row


@transaction.atomic
def reported_value_reject(*, actor: Any, reported: ReportedValue, note: str) -> ReportedValue:
    """Reject a submitted figure, saying why (the note is required)."""
    row = _reviewable(actor, reported, _("Only a submitted figure can be rejected; this one is %(status)s."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the figure is rejected.")})
    row.status = RV.REJECTED
    row.reviewed_by = actor
    row.reviewed_at = _now()
    row.review_note = note
    row.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    log_change(
        actor=actor,
        action=ChangeLog.Action.STATUS,
        target=row,
        changes={"status": [RV.SUBMITTED.value, RV.REJECTED.value]},
        note=note,
    )
    return row


@transaction.atomic
def reported_value_withdraw(*, actor: Any, reported: ReportedValue) -> ReportedValue:
    """Withdraw a submitted figure before it is reviewed (whoever may report the indicator)."""
    row = reported_get(actor=actor, pk=reported.pk)
    if not can_report(actor, row.measure):
        raise PermissionDenied(_("You may not withdraw this figure."))
    locked = ReportedValue.objects.select_for_update().get(pk=row.pk)
    if locked.status != RV.SUBMITTED:
        raise ValidationError(
            {
                "status": fmt(
                    _("Only a submitted figure can be withdrawn; this one is %(status)s."),
                    status=RV(locked.status).label,
                )
            }
        )
    locked.status = RV.WITHDRAWN
    locked.save(update_fields=["status"])
    log_change(
        actor=actor,
        action=ChangeLog.Action.STATUS,
        target=locked,
        changes={"status": [RV.SUBMITTED.value, RV.WITHDRAWN.value]},
    )
    return locked


# --- recomputing on demand ------------------------------------------------------------------------


@dataclass(frozen=True)
class Recomputed:
    period: str
    region_code: str
    regions: int
    values: int
    seconds: float


def _recompute_target(*, actor: Any, period: Any, region_code: str) -> tuple[Period, Region, list[str]]:

    if not is_city_admin(actor):
        raise PermissionDenied(_("Only a city administrator may recompute indicator values."))
    try:
        p = Period.parse(str(period or ""))
    except ValueError:
        raise ValidationError(
            {"period": fmt(_("“%(p)s” is not a period: a year (2021) or a month (2021-06)."), p=period)}
        ) from None
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise ValidationError({"region": fmt(_("There is no region %(code)s."), code=region_code)})
    prefix = region.code[: PREFIX_LENGTH[level_of_code(region.code)]]
    codes = list(Region.objects.filter(prefix_q("code", prefix)).values_list("code", flat=True))
    return p, region, codes


def indicator_values_recompute(
    *,
    actor: Any,
    period: Any,
    region_code: str,
    progress: Callable[[int, int, str], None] | None = None,
) -> Recomputed:
    """Recompute and store the computed indicators of a region and everything below it for a
    period (what the cockpit's button queues as a job; `laoxiao indicators compute` does the same in
    batch). The computation reads outside any transaction and writes in short chunks (the engine),
    so logins and writes go on meanwhile; one change-log row names the region, the period and how
    many values were stored. ``progress(done, total, message)`` follows indicators, then chunks."""

    p, region, codes = _recompute_target(actor=actor, period=period, region_code=region_code)
    started = time.perf_counter()
    steps = sum(1 for key in REGISTRY if applies_to(key, p))
    seen = [0]

    def computed(code: str) -> None:
        seen[0] += 1
        if progress is not None:
            progress(seen[0], steps + 1, f"{p.text} · {code}")

    def written(done: int, total: int) -> None:
        if progress is not None:
            progress(steps, steps + 1, f"{p.text} · {done}/{total}")

    rows = indicators_compute(period=p.text, region_codes=codes, progress=computed, written=written)
    with transaction.atomic():
        log_change(
            actor=actor,
            action=ChangeLog.Action.UPDATE,
            target=region,
            region_code=region.code,
            changes={"indicator_values": [None, len(rows)]},
            note=f"indicator values recomputed for {p.text}: {len(codes)} regions, {len(rows)} values",
        )
    return Recomputed(p.text, region.code, len(codes), len(rows), time.perf_counter() - started)


def indicator_values_recompute_enqueue(*, actor: Any, period: Any, region_code: str) -> Any:
    """Queue the recomputation as a job (``indicators.compute``) and return the Job at once."""

    p, region, _codes = _recompute_target(actor=actor, period=period, region_code=region_code)
    return job_enqueue(
        actor=actor,
        kind="indicators.compute",
        params={"period": p.text, "region": region.code},
        region_code=region.code,
    )
