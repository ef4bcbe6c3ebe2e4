from django.urls import path

from laoxiao.plan import views
from laoxiao.plan.views import cockpit, evaluation, plans, records, values

urlpatterns = [
    # -- plans (views/plans.py) --
    path("plans/", plans.plans_page, name="plan-list"),
    path("plans/<slug:code>/", plans.plan_detail, name="plan-detail"),
    path("plans/<slug:code>/indicators/<str:icode>/", plans.indicator_edit, name="plan-indicator-edit"),
    path("indicators/", views.indicator_list, name="indicator-list"),
    path("indicators/<str:code>/", views.indicator_detail, name="indicator-detail"),
    path("tasks/", views.task_list, name="task-list"),
    path("units/", views.unit_list, name="unit-list"),
    # -- values and reporting (views/values.py) --
    path("reporting/", values.reporting, name="reporting"),
    path("reporting/submit/", values.reporting_submit, name="reporting-submit"),
    path("reporting/<int:pk>/<str:step>/", values.reporting_review, name="reporting-review"),
    path(
        "reporting/history/<str:code>/<str:region>/<str:period>/",
        values.reporting_history,
        name="reporting-history",
    ),
    path("table1/", values.table1_page, name="table1"),
    path("table1/download/", values.table1_download, name="table1-download"),
    # -- drill-down (views/records.py) --
    path("indicators/<str:code>/records/", records.indicator_records, name="indicator-records"),
    # -- tasks, meetings, major projects (views/tasks.py) --
    path("tasks/<str:code>/", views.tasks.task_detail, name="task-detail"),
    path("tasks/<str:code>/milestones/", views.tasks.milestone_add, name="task-milestone-add"),
    path("tasks/<str:code>/reports/", views.tasks.report_submit, name="task-report-submit"),
    path("milestones/<int:pk>/", views.tasks.milestone_edit, name="task-milestone-edit"),
    path("evidence/<int:pk>/", views.tasks.evidence_download, name="task-evidence"),
    path("meetings/", views.tasks.meeting_list, name="meeting-list"),
    path("meetings/<int:pk>/", views.tasks.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/agenda.xlsx", views.tasks.meeting_export, name="meeting-export"),
    path("major-projects/", views.tasks.major_project_list, name="major-project-list"),
    path("major-projects/export.xlsx", views.tasks.major_project_export, name="major-project-export"),
    path("major-projects/<int:pk>/", views.tasks.major_project_edit, name="major-project-edit"),
    # -- cockpit (views/cockpit.py) --
    path("cockpit/", cockpit.cockpit_city, name="cockpit"),
    path("cockpit/<str:region_code>/", cockpit.cockpit_region, name="cockpit-region"),
    path("cockpit/<str:region_code>/recompute/", cockpit.cockpit_recompute, name="cockpit-recompute"),
    # -- final evaluation and the next plan (views/evaluation.py) --
    path("plans/<str:code>/evaluation/", evaluation.evaluation_page, name="plan-evaluation"),
    path("plans/<str:code>/evaluation/print/", evaluation.evaluation_print, name="plan-evaluation-print"),
    path(
        "plans/<str:code>/evaluation/download/",
        evaluation.evaluation_download,
        name="plan-evaluation-download",
    ),
    path("plans/<str:code>/evaluation/next/", evaluation.evaluation_next, name="plan-evaluation-next"),
    # after the evaluation's paths: its <step> would take them
    path("plans/<slug:code>/<str:step>/", plans.plan_step, name="plan-step"),
]
