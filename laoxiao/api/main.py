"""The NinjaAPI instance: /api/v1/, OpenAPI at /api/v1/openapi.json. Routers come from each app."""

from __future__ import annotations

from ninja import NinjaAPI

from laoxiao.api import errors, openapi
from laoxiao.api.auth import AUTH
from laoxiao.api.guard import refuse_unstorable

api = NinjaAPI(
    title="laoxiao API",
    version="1",
    description="The JSON API of laoxiao (老小). Every list and detail is scoped to the caller's regions.",
    auth=AUTH,
    urls_namespace="api-v1",
)
errors.install(api)
openapi.install(api)  # every error answer declared, with the one error schema
# lone surrogates, NUL, integers beyond 64 bits: 422 with the field on every operation
api.add_decorator(refuse_unstorable, mode="operation")  # wraps the view: after validation

from laoxiao.benefits.api import ROUTERS as BENEFITS_ROUTERS  # noqa: E402
from laoxiao.core.api import reveal_router  # noqa: E402
from laoxiao.core.api import router as changelog_router  # noqa: E402
from laoxiao.jobs.api import router as jobs_router  # noqa: E402
from laoxiao.people.api import router as people_router  # noqa: E402
from laoxiao.plan.api import evaluation_router, plans_router, records_router, values_router  # noqa: E402
from laoxiao.plan.api import reference_router as plan_router  # noqa: E402
from laoxiao.plan.api import tasks_router as plan_tasks_router  # noqa: E402
from laoxiao.planning.api import router as planning_router  # noqa: E402
from laoxiao.portal.api import router as portal_router  # noqa: E402
from laoxiao.providers.api import router as providers_router  # noqa: E402
from laoxiao.regions.api import router as regions_router  # noqa: E402
from laoxiao.services.api import ROUTERS as SERVICES_ROUTERS  # noqa: E402
from laoxiao.supervision.api import router as supervision_router  # noqa: E402

api.add_router("/regions", regions_router)
api.add_router("/plan", plan_router)
api.add_router("/plan", plan_tasks_router)  # milestones, progress reports, meetings, major projects
api.add_router("/plan", evaluation_router)  # a plan's final evaluation, the next plan
api.add_router("/plan", plans_router)  # a plan's life: in force, close, new version, edit a draft
api.add_router("/indicators", values_router)  # values, reported values
api.add_router("/indicators", records_router)  # drill-down to the records behind a value
api.add_router("/planning", planning_router)
api.add_router("/changelog", changelog_router)
api.add_router("/reveal", reveal_router)
api.add_router("/jobs", jobs_router)
api.add_router("/providers", providers_router)
api.add_router("/people", people_router)
api.add_router("/supervision", supervision_router)
for _services_router in SERVICES_ROUTERS:
    api.add_router("/services", _services_router)
for _benefits_router in BENEFITS_ROUTERS:
    api.add_router("/benefits", _benefits_router)
api.add_router("/public", portal_router)  # no login: the portal router sets auth=None
