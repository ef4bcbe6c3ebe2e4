"""API: the planning analyses, mounted at /api/v1/planning/."""

from ninja import Router

from laoxiao.planning.api.circle import router as circle_router
from laoxiao.planning.api.demand import router as demand_router

router = Router(tags=["planning"])
router.add_router("", circle_router)  # coverage, accessibility, siting
router.add_router("", demand_router)  # projection, demand and gaps, residential projects
