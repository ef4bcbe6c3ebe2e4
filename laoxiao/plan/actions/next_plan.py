"""The next plan: start a draft for the following period from a plan and its final evaluation.

``plan_start_next`` copies the plan's indicators into a new draft plan (by default the five years
after its last one, baseline year = its last year): each new indicator ``continues`` the old one,
with the same measure, the old plan's final city value as its baseline (None when there is none,
noted on the indicator) and the old target as a placeholder (``targets_are_examples``: the city
sets the targets). Every task is copied too (``continues`` = the old task), those done by the old
plan's last day with a note. The new plan ``follows`` the old one. City administrators only; each
write is in the change log.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from laoxiao.core.access import is_city_admin
from laoxiao.core.changelog import log_change, snapshot
from laoxiao.core.i18n import fmt
from laoxiao.core.models import ChangeLog
from laoxiao.plan.actions.copying import copy_plan_contents
from laoxiao.plan.evaluation import plan_evaluation
from laoxiao.plan.models import Plan

PLAN_FIELDS = ("code", "name", "first_year", "last_year", "baseline_year", "status", "follows_id")
NO_BASELINE_NOTE = "No final value of the plan it follows: the baseline is to be filled in."
DONE_NOTE = "Done by the end of the plan it follows (kept for reference)."


def _years(plan: Plan, first_year: Any, last_year: Any) -> tuple[int, int]:
    try:
        first = int(first_year) if first_year not in (None, "") else plan.last_year + 1
    except (TypeError, ValueError):
        raise ValidationError({"first_year": _("The first year must be a year.")}) from None
    try:
        last = int(last_year) if last_year not in (None, "") else first + 4
    except (TypeError, ValueError):
        raise ValidationError({"last_year": _("The last year must be a year.")}) from None
    if first <= plan.last_year:
        raise ValidationError(
            {"first_year": fmt(_("The next plan must start after %(year)s."), year=plan.last_year)}
        )
    if not first <= last <= first + 20:
        raise ValidationError({"last_year": _("The last year must lie within 20 years after the first.")})
    return first, last


def _code(plan: Plan, code: Any, first: int, last: int) -> str:
    text = (code or "").strip()
    if not text:
        stem = plan.code.rsplit("-", 2)[0] if plan.code.count("-") >= 2 else plan.code
        text = f"{stem}-{first}-{last}"
    if slugify(text) != text or len(text) > 40:
        raise ValidationError({"code": _("The code may have lower-case letters, digits and hyphens only.")})
    if Plan.objects.filter(code=text).exists():
        raise ValidationError({"code": fmt(_("There is a plan %(code)s already."), code=text)})
    return text


@transaction.atomic
def plan_start_next(
    actor: Any,
    plan: Plan,
    *,
    first_year: Any = None,
    last_year: Any = None,
    code: Any = None,
    name: Any = None,
) -> Plan:
    """A new draft plan following ``plan`` (see the module). Raises ``PermissionDenied`` for anyone
    but a city administrator, ``ValidationError`` with the field for bad years, code or name."""
    if not is_city_admin(actor):
        raise PermissionDenied(_("Only a city administrator may start the next plan."))
    first, last = _years(plan, first_year, last_year)
    new_code = _code(plan, code, first, last)
    new_name = (name or "").strip() or plan.name.replace(str(plan.first_year), str(first)).replace(
        str(plan.last_year), str(last)
    )
    if new_name == plan.name:
        new_name = f"{plan.name}（{first}—{last}年）"
    if len(new_name) > 200:
        raise ValidationError({"name": _("The name may have 200 characters at most.")})
    evaluation = plan_evaluation(plan=plan)
    new = Plan.objects.create(
        code=new_code,
        name=new_name,
        name_en=plan.name_en,
        region_code=plan.region_code,
        first_year=first,
        last_year=last,
        baseline_year=plan.last_year,
        status=Plan.Status.DRAFT,
        follows=plan,
        source="",
        targets_are_examples=True,
        note=f"Started from {plan.code} and its final evaluation.",
    )
    log_change(
        actor=actor,
        action=ChangeLog.Action.CREATE,
        target=new,
        changes=snapshot(new, PLAN_FIELDS),
        region_code=new.region_code,
        note=f"next plan of {plan.code}",
    )
    finals = {r.indicator.pk: r.city.value for r in evaluation.indicators}
    done = {t.state.task.pk for t in evaluation.tasks if t.is_done}
    indicators, tasks = copy_plan_contents(
        plan,
        new,
        indicator_changes=lambda i: {
            "baseline": finals.get(i.pk),
            "baseline_year": plan.last_year,
            "target_year": last,
            "continues_id": i.pk,
            "note": NO_BASELINE_NOTE if finals.get(i.pk) is None else "",
        },
        task_changes=lambda t: {
            "continues_id": t.pk,
            "note": "\n".join(x for x in (t.note, DONE_NOTE if t.pk in done else "") if x),
        },
    )
    log_change(
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        target=new,
        changes={"indicators": [None, len(indicators)], "tasks": [None, len(tasks)]},
        region_code=new.region_code,
        note=(
            f"indicators and tasks copied from {plan.code}; "
            f"{sum(1 for i in indicators if i.baseline is None)} without a final value; {len(done)} tasks done"
        ),
    )
    return new
