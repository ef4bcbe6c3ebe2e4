"""A second definition of E04 (居家社区养老服务覆盖率) from the service records.

    E04 (facilities, today's): communities and villages with a filed community service provider
        (an elder-care service centre or a meal point) ÷ all communities and villages, × 100.
    E04 from records (``home_community_service_coverage_records``): communities and villages where
        at least one home or community service reached a resident in the period — a counted home
        visit (``ServiceVisit`` verified or cleared, by its day of service) or a meal served at a
        meal point (``MealRecord``, by its day) — ÷ all communities and villages, × 100.

A service belongs to the community where the person lives (the row's ``region_code``), not where
the provider sits. A held, rejected or denied visit does not count; a diner's registration alone
does not count (a registration is not a service delivered). Importing this module registers the
definition in ``laoxiao.plan.calculators.REGISTRY`` (``ServicesConfig.ready``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from laoxiao.plan import calculators as c
from laoxiao.regions.models import Region
from laoxiao.services.models import MealRecord, ServiceVisit

KEY = "home_community_service_coverage_records"


class E04Records(c.QuerySetDefinition):
    code, kind, model, region_field = "E04R", "regions", Region, "code"
    key = KEY

    def base(self, ctx: c.Ctx) -> QuerySet[Any]:
        return ctx.start(Region).filter(level=Region.Level.COMMUNITY)

    def num_q(self, ctx: c.Ctx) -> Q:
        start, end = ctx.period.start, ctx.period.end
        visits = ServiceVisit.objects.filter(
            region_code=OuterRef("code"),
            status__in=ServiceVisit.COUNTED,
            service_day__gte=start,
            service_day__lte=end,
        )
        meals = MealRecord.objects.filter(
            region_code=OuterRef("code"), served_on__gte=start, served_on__lte=end
        )
        return Q(Exists(visits)) | Q(Exists(meals))

    def inputs(self, ctx: c.Ctx) -> dict[str, Any]:
        return {"counted_visit_status": list(ServiceVisit.COUNTED), "meals": True}


DEFINITION = E04Records()


def register() -> None:
    c.register(DEFINITION)


register()
