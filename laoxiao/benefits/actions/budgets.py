"""Writes on programme budgets: ``budget_set`` gives a county its money for a programme and year.

The order of checks: the programme and county exist (``ValidationError``) → the county lies in the
actor's regions (``NotFound``) → the actor is a city administrator, or an officer of the programme's
sector assigned to the county itself (not a township below it) (``PermissionDenied``) → the amount
is a whole number of fen (``ValidationError``). Then, in one transaction: the ``ProgrammeBudget``
row (created or updated), its ChangeLog row and the ledger posting (``postings.post_budget``:
funding → budget for the difference from what was posted before), so the ledger's ``budget``
balance of the county always starts from the budget set here.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.benefits.actions.postings import county_of, post_budget
from laoxiao.benefits.models import Programme, ProgrammeBudget
from laoxiao.benefits.models._base import SECTOR_READERS
from laoxiao.core import access
from laoxiao.core.changelog import log_change
from laoxiao.core.models import ChangeLog
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import PREFIX_LENGTH

MAX_BUDGET_FEN = 10**15  # a sanity bound on input (ten trillion yuan), not a rule


def may_set_budget(actor: Any, programme: Programme, county: str) -> bool:
    """A city administrator; or an officer of the programme's sector whose regions include the
    whole county (an assignment to the county or above)."""
    if access.is_city_admin(actor):
        return True
    if not access.in_region(actor, county):
        return False
    if not access.has_sector(actor, *SECTOR_READERS.get(programme.sector, {programme.sector})):
        return False
    prefixes = actor.region_prefixes()
    return prefixes is None or any(
        county.startswith(p) and len(p) <= PREFIX_LENGTH["county"] for p in prefixes
    )


def _county(region_code: str) -> str:
    code = (region_code or "").strip()
    if not (len(code) == 12 and code.isdigit()):
        raise ValidationError({"region_code": _("Give the 12-digit code of a county or district.")})
    county = county_of(code)
    if county != code or not Region.objects.filter(code=county).exists():
        raise ValidationError({"region_code": _("No such county or district is loaded.")})
    return county


@transaction.atomic
def budget_set(
    *,
    actor: Any,
    programme: Programme,
    region_code: str,
    year: int,
    amount_fen: int,
    note: str = "",
) -> ProgrammeBudget:
    """Set the county's budget of ``programme`` for ``year`` to ``amount_fen`` (integer fen)."""
    county = _county(region_code)
    access.require_region(actor, county)
    if not may_set_budget(actor, programme, county):
        raise PermissionDenied(_("Only a city administrator or the county's officer sets a budget."))
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Give a year between 2000 and 2100.")})
    if (
        not isinstance(amount_fen, int)
        or isinstance(amount_fen, bool)
        or not 0 <= amount_fen <= MAX_BUDGET_FEN
    ):
        raise ValidationError({"amount_fen": _("Give the budget in whole fen, zero or more.")})
    note = (note or "").strip()[:300]
    budget = (
        ProgrammeBudget.objects.select_for_update()
        .filter(programme=programme, region_code=county, year=year)
        .first()
    )
    if budget is None:
        budget = ProgrammeBudget.objects.create(
            programme=programme, region_code=county, year=year, amount_fen=amount_fen, note=note
        )
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=budget,
            changes={"amount_fen": [None, amount_fen], "note": [None, note]},
        )
    else:
        changes = {
            f: [getattr(budget, f), v]
            for f, v in (("amount_fen", amount_fen), ("note", note))
            if getattr(budget, f) != v
        }
        if not changes:
            return budget
        budget.amount_fen, budget.note = amount_fen, note
        budget.save(update_fields=["amount_fen", "note"])
        log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=budget, changes=changes)
    post_budget(budget, actor)
    return budget
