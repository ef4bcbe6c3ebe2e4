"""The plan's API routers, mounted by ``laoxiao.api.main``: ``reference`` (/plan: indicators, tasks,
units), ``plans`` (/plan/plans/{code}/...: in force, close, versions, edit a draft), ``tasks`` (/plan: milestones, progress reports, meetings, major projects), ``values``
(/indicators: values, reported values) and ``records`` (/indicators/{code}/records: drill-down) and ``evaluation`` (/plan/plans/{code}/evaluation, /next)."""

from laoxiao.plan.api.evaluation import router as evaluation_router
from laoxiao.plan.api.plans import router as plans_router
from laoxiao.plan.api.records import router as records_router
from laoxiao.plan.api.reference import router as reference_router
from laoxiao.plan.api.tasks import router as tasks_router
from laoxiao.plan.api.values import router as values_router

__all__ = [
    "evaluation_router",
    "plans_router",
    "records_router",
    "reference_router",
    "tasks_router",
    "values_router",
]
