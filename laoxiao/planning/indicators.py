"""Indicator E05 (新建城区和新建居住区配套建设养老服务设施达标率): the share of new residential
areas delivered by the period end whose planned facilities meet every standard.

    E05 = new residential projects (area type ``new``) delivered on or before the period end whose
          planned community elder-care floor space, childcare slots and (where the province asks
          it) largest single facility meet the standards in force on their delivery date
          ÷ new residential projects delivered on or before the period end, × 100.

Projects without a delivery date, delivered after the period end, or in existing areas are not
counted; with none counted the value is empty (no denominator). The acceptance result is recorded
but does not enter E05 (the plan asks for the facilities to be planned and built to standard).

Importing this module registers the definition in ``laoxiao.plan.calculators.REGISTRY``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from laoxiao.plan import calculators as c
from laoxiao.planning.analysis import residential as r
from laoxiao.planning.models import ResidentialProject
from laoxiao.planning.selectors.residential import StandardsBook, as_project, check_date
from laoxiao.regions.scoping import prefix_q


def _evaluate(ctx: c.Ctx) -> Iterator[tuple[int, str, int]]:
    """(project id, region code, meets every standard) of the projects counted."""
    book = StandardsBook()
    qs = ctx.start(ResidentialProject).filter(
        area_type=ResidentialProject.Area.NEW, delivery_date__isnull=False, delivery_date__lte=ctx.end
    )
    if ctx.prefix:
        qs = qs.filter(prefix_q("region_code", ctx.prefix))
    for p in qs.order_by("region_code", "pk"):
        result = r.check(as_project(p), book.on(check_date(p)))
        yield p.pk, p.region_code, int(result.passed)


class E05(c.Definition):
    code, kind = "E05", "residential_projects"

    def tally(self, ctx: c.Ctx) -> c.Tally:
        out: c.Tally = {}
        for _pk, code, ok in _evaluate(ctx):
            num, den = out.setdefault(code, [0, 0])
            out[code] = [num + ok, den + 1]
        return out

    def listing(self, ctx: c.Ctx, part: str) -> c.Listing:
        ids = [pk for pk, _code, ok in _evaluate(ctx) if part == "denominator" or ok]
        qs = ctx.start(ResidentialProject).filter(pk__in=ids).order_by("region_code", "pk")
        return c.QuerySetListing(self.kind, qs)

    def inputs(self, ctx: c.Ctx) -> dict[str, Any]:
        return {"standards_rule": "planning.residential_standards"}


DEFINITION = E05()


def register() -> None:
    c.register(DEFINITION)


register()
