"""Reads of the plans: which plans there are, and which one a page shows.

Plans are reference data, the same for every signed-in user. A page that takes a plan (the
cockpit, Table 1, reporting, the tasks) reads ``?plan=CODE``; without it, the plan for the chosen
year (``plan_for_year``): the plan in force whose period covers the year, else a closed one that
covers it, else the latest plan in force or closed before it, else the newest plan of any status.
Among plans of equal standing, the one issued by the city of the region tree comes first.
"""

from __future__ import annotations

from django.db.models import QuerySet

from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.plan.models import Indicator, Plan, PlanTask
from laoxiao.regions.models import Region

PS = Plan.Status


def plan_list() -> QuerySet[Plan]:
    """Every plan, the newest period first."""
    return Plan.objects.order_by("-first_year", "-version", "code")


def _city_code() -> str | None:
    return (
        Region.objects.filter(level=Region.Level.CITY).order_by("code").values_list("code", flat=True).first()
    )


def _ranked(plans: list[Plan]) -> list[Plan]:
    city = _city_code()
    return sorted(plans, key=lambda p: (p.region_code != city, -p.first_year, -p.version, p.code))


def plan_for_year(year: int | None = None) -> Plan | None:
    """The plan a page shows for ``year`` (default: this year) when none is asked for."""
    year = year or clock.today().year
    plans = list(Plan.objects.exclude(status=PS.SUPERSEDED))
    for statuses in ((PS.IN_FORCE,), (PS.CLOSED,)):
        covering = [p for p in plans if p.status in statuses and p.covers(year)]
        if covering:
            return _ranked(covering)[0]
    earlier = [p for p in plans if p.status in (PS.IN_FORCE, PS.CLOSED) and p.first_year <= year]
    if earlier:
        return sorted(_ranked(earlier), key=lambda p: -p.last_year)[0]
    return _ranked(plans)[0] if plans else None


def plan_get(code: str) -> Plan:
    plan = Plan.objects.filter(code=(code or "").strip()).first()
    if plan is None:
        raise NotFound(code)
    return plan


def plan_or_default(code: str | None = None, *, year: int | None = None) -> Plan:
    """The plan named by ``code`` (unknown → ``NotFound``), else ``plan_for_year(year)``."""
    if code and code.strip():
        return plan_get(code)
    plan = plan_for_year(year)
    if plan is None:
        raise NotFound("plan")
    return plan


def default_year(plan: Plan) -> int:
    """The year a page shows for a plan when none is asked for: this year, within the plan's period."""
    return max(plan.first_year, min(clock.today().year, plan.last_year))


def plan_indicators(plan: Plan) -> QuerySet[Indicator]:
    return plan.indicators.select_related("responsible_unit", "measure").order_by("order")


def plan_tasks(plan: Plan) -> QuerySet[PlanTask]:
    return plan.tasks.order_by("number")
