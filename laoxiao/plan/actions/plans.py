"""Writes of plans: import a plan file as a draft, edit a draft, put it in force, close it, make a
new version of a plan in force.

A draft can be edited; a plan in force (or closed, or superseded) is frozen: any edit is refused
with a ``ValidationError`` and the way to change it is a new version (``plan_new_version``, with a
reason), a draft that replaces it and supersedes it once put in force. Only city administrators
write plans (``PermissionDenied`` otherwise). Every change is logged (``log_change``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import ResponsibleUnit
from laoxiao.core.access import is_city_admin
from laoxiao.core.changelog import diff_fields, log_change, snapshot
from laoxiao.core.i18n import fmt
from laoxiao.plan.actions.copying import copy_plan_contents
from laoxiao.plan.models import Indicator, Measure, Plan, PlanTask, PlanTaskUnit

PLAN_FIELDS = ("name", "name_en", "region_code", "first_year", "last_year", "baseline_year", "source", "note")
# the comparators as a plan writes them, by the stored code
COMPARATORS = {
    "≥": "gte", "≧": "gte", ">=": "gte", "gte": "gte", "不低于": "gte",
    ">": "gt", "＞": "gt", "gt": "gt", "高于": "gt",
    "=": "eq", "＝": "eq", "eq": "eq", "等于": "eq",
    "≤": "lte", "≦": "lte", "<=": "lte", "lte": "lte", "不高于": "lte",
    "<": "lt", "＜": "lt", "lt": "lt", "低于": "lt",
}  # fmt: skip
INDICATOR_FIELDS = (
    "name",
    "name_en",
    "unit",
    "unit_en",
    "baseline",
    "baseline_year",
    "target",
    "target_year",
    "comparator",
    "responsible_unit",
    "note",
)


def _require_admin(actor: Any) -> None:
    if not is_city_admin(actor):
        raise PermissionDenied(_("Only city administrators may change plans."))


def _require_draft(plan: Plan) -> None:
    if not plan.is_editable:
        raise ValidationError(
            fmt(
                _("The plan %(code)s is %(status)s and cannot be changed: make a new version."),
                code=plan.code,
                status=plan.get_status_display(),
            )
        )


def _year(field: str, value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = 0
    if not 1900 <= year <= 2100:
        raise ValidationError({field: _("A year has four digits (2026).")})
    return year


def _decimal(field: str, value: Any, *, required: bool) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise ValidationError({field: _("This field is required.")})
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Not a number.")}) from None
    if not number.is_finite() or abs(number) >= Decimal("1e10"):
        raise ValidationError({field: _("Not a number.")})
    return number


def _text(field: str, value: Any, limit: int, *, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > limit:
        raise ValidationError({field: fmt(_("At most %(n)d characters."), n=limit)})
    return text


# -- import ------------------------------------------------------------------------------------


def _new_measure(key: str, row: dict[str, Any]) -> Measure:
    measure, _created = Measure.objects.update_or_create(
        key=key,
        defaults={
            "sector": row["sector"],
            "name": row["name"][:100],
            "unit": row["unit"][:16],
            "kind": Measure.Kind.REPORTED,
            "responsible_unit": row["responsible_unit"],
        },
    )
    return measure


@transaction.atomic
def plan_import(
    actor: Any, meta: dict[str, Any], indicators: list[dict[str, Any]], tasks: list[dict[str, Any]]
) -> tuple[Plan, bool]:
    """Write a checked plan file (``laoxiao.plan.plan_import``) as a draft: create the plan, or
    replace the indicators and tasks of the draft of the same code. Returns (plan, created)."""
    _require_admin(actor)
    values = {k: meta[k] for k in PLAN_FIELDS if k in meta}
    values["follows"] = meta.get("follows")
    plan = Plan.objects.select_for_update().filter(pk=meta["code"]).first()
    created = plan is None
    if plan is None:
        plan = Plan.objects.create(code=meta["code"], status=Plan.Status.DRAFT, **values)
        log_change(
            actor=actor,
            action="create",
            target=plan,
            changes=snapshot(plan, ("name", "first_year", "last_year", "baseline_year", "status")),
            note="laoxiao import plan",
        )
    else:
        _require_draft(plan)
        changes = diff_fields(plan, values)
        for k, v in values.items():
            setattr(plan, k, v)
        plan.save()
        removed = (plan.indicators.count(), plan.tasks.count())
        plan.tasks.all().delete()
        plan.indicators.all().delete()
        log_change(
            actor=actor,
            action="update",
            target=plan,
            changes=changes,
            note=f"laoxiao import plan: replaced {removed[0]} indicators and {removed[1]} tasks",
        )
    for order, row in enumerate(indicators, start=1):
        measure = row["measure"] or _new_measure(row["new_measure"], row)
        ind = Indicator.objects.create(
            plan=plan,
            code=row["code"],
            order=order,
            sector=row["sector"],
            name=row["name"],
            unit=row["unit"],
            baseline=row["baseline"],
            baseline_year=row["baseline_year"],
            target=row["target"],
            target_year=row["target_year"],
            comparator=row["comparator"],
            kind=measure.kind,
            measure=measure,
            responsible_unit=row["responsible_unit"],
            continues=row["continues"],
            source="import",
        )
        log_change(
            actor=actor,
            action="create",
            target=ind,
            changes=snapshot(ind, ("code", "measure", "baseline", "target", "comparator")),
            region_code=plan.region_code,
        )
    for number, row in enumerate(tasks, start=1):
        task = PlanTask.objects.create(plan=plan, code=row["code"], number=number, text=row["text"])
        _set_units(task, row["units"])
        log_change(
            actor=actor,
            action="create",
            target=task,
            changes={"code": [None, task.code], "units": [None, [u.code for u in row["units"]]]},
            region_code=plan.region_code,
        )
    return plan, created


def _set_units(task: PlanTask, units: list[ResponsibleUnit]) -> None:
    PlanTaskUnit.objects.bulk_create(
        [PlanTaskUnit(task=task, unit=u, order=i, is_lead=i == 0) for i, u in enumerate(units)]
    )


# -- edits of a draft ---------------------------------------------------------------------------


@transaction.atomic
def plan_update(actor: Any, plan: Plan, data: dict[str, Any]) -> Plan:
    """Change a draft's name, years, region, source or note."""
    _require_admin(actor)
    _require_draft(plan)
    unknown = set(data) - set(PLAN_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed here.")})
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("first_year", "last_year", "baseline_year"):
            clean[key] = _year(key, value)
        elif key == "name":
            clean[key] = _text(key, value, 200)
        elif key == "region_code":
            clean[key] = _text(key, value, 12)
            if not re.fullmatch(r"\d{12}", clean[key]):
                raise ValidationError({key: _("A region code has 12 digits.")})
        else:
            clean[key] = _text(key, value, 300 if key == "name_en" else 10_000, required=False)
    first = clean.get("first_year", plan.first_year)
    last = clean.get("last_year", plan.last_year)
    if first > last:
        raise ValidationError({"last_year": _("The last year is before the first year.")})
    changes = diff_fields(plan, clean)
    if changes:
        for k, v in clean.items():
            setattr(plan, k, v)
        plan.save(update_fields=list(changes))
        log_change(actor=actor, action="update", target=plan, changes=changes)
    return plan


@transaction.atomic
def indicator_update(actor: Any, indicator: Indicator, data: dict[str, Any]) -> Indicator:
    """Change an indicator of a draft: baseline, target, comparator, years, name, unit, responsible unit."""
    _require_admin(actor)
    _require_draft(indicator.plan)
    unknown = set(data) - set(INDICATOR_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed here.")})
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("baseline", "target"):
            clean[key] = _decimal(key, value, required=key == "target")
        elif key in ("baseline_year", "target_year"):
            clean[key] = _year(key, value)
        elif key == "comparator":
            code = COMPARATORS.get(str(value or "").strip().lower())
            if code is None:
                raise ValidationError({key: _("The comparator is one of ≥ > = ≤ < (or gte gt eq lte lt).")})
            clean[key] = code
        elif key == "responsible_unit":
            if value in (None, ""):
                clean[key] = None
            else:
                unit = ResponsibleUnit.objects.filter(pk=getattr(value, "pk", value)).first()
                if unit is None:
                    raise ValidationError({key: _("No responsible unit has this code or name.")})
                clean[key] = unit
        elif key in ("name", "unit"):
            clean[key] = _text(key, value, 100 if key == "name" else 16)
        else:
            clean[key] = _text(key, value, 10_000, required=False)
    changes = diff_fields(indicator, clean)
    if changes:
        for k, v in clean.items():
            setattr(indicator, k, v)
        indicator.save()
        log_change(
            actor=actor,
            action="update",
            target=indicator,
            changes=changes,
            region_code=indicator.plan.region_code,
        )
    return indicator


# -- the plan's life ----------------------------------------------------------------------------


def _set_status(actor: Any, plan: Plan, status: str, note: str = "") -> None:
    changes = {"status": [plan.status, status]}
    plan.status = status
    plan.save(update_fields=["status"])
    log_change(actor=actor, action="update", target=plan, changes=changes, note=note)


@transaction.atomic
def plan_put_in_force(actor: Any, plan: Plan) -> Plan:
    """A draft comes into force; the plan it replaces (if any) is superseded."""
    _require_admin(actor)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != Plan.Status.DRAFT:
        raise ValidationError(_("Only a draft can be put in force."))
    if not plan.indicators.exists():
        raise ValidationError(_("A plan without indicators cannot be put in force."))
    _set_status(actor, plan, Plan.Status.IN_FORCE)
    if plan.replaces_id:
        old = Plan.objects.select_for_update().get(pk=plan.replaces_id)
        if old.status in (Plan.Status.IN_FORCE, Plan.Status.CLOSED):
            _set_status(actor, old, Plan.Status.SUPERSEDED, note=f"superseded by {plan.code}")
    return plan


@transaction.atomic
def plan_close(actor: Any, plan: Plan) -> Plan:
    """A plan in force is closed (its period is over): it stays readable, frozen."""
    _require_admin(actor)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != Plan.Status.IN_FORCE:
        raise ValidationError(_("Only a plan in force can be closed."))
    _set_status(actor, plan, Plan.Status.CLOSED)
    return plan


def _version_code(plan: Plan, version: int) -> str:
    base = re.sub(r"-v\d+$", "", plan.code)
    return f"{base}-v{version}"[:40]


@transaction.atomic
def plan_new_version(actor: Any, plan: Plan, reason: str) -> Plan:
    """Copy a plan in force into a draft (version + 1, ``replaces`` = the plan) to change it; the
    reason is required. The copy keeps the measures, so the values stay the same."""
    _require_admin(actor)
    reason = _text("reason", reason, 2000)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != Plan.Status.IN_FORCE:
        raise ValidationError(_("A new version is made of a plan in force."))
    version = plan.version + 1
    code = _version_code(plan, version)
    while Plan.objects.filter(pk=code).exists():
        version += 1
        code = _version_code(plan, version)
    new = Plan.objects.create(
        code=code,
        status=Plan.Status.DRAFT,
        version=version,
        replaces=plan,
        follows=plan.follows,
        reason=reason,
        targets_are_examples=plan.targets_are_examples,
        **{k: getattr(plan, k) for k in PLAN_FIELDS},
    )
    copy_plan_contents(plan, new)
    log_change(
        actor=actor,
        action="create",
        target=new,
        changes=snapshot(new, ("version", "replaces", "reason", "status")),
        note=f"new version of {plan.code}",
    )
    return new
