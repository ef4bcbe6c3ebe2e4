from django.urls import path

from laoxiao.supervision import views

urlpatterns = [
    path("", views.dashboard, name="supervision-dashboard"),
    path("due/", views.due_list, name="supervision-due"),
    path("inspections/", views.inspection_list, name="supervision-inspections"),
    path("inspections/new/", views.inspection_new, name="supervision-inspection-new"),
    path("inspections/checklist", views.inspection_checklist, name="supervision-checklist"),
    path("inspections/<int:pk>/", views.inspection_detail, name="supervision-inspection"),
    path("rectifications/", views.rectification_list, name="supervision-rectifications"),
    path(
        "rectifications/<int:pk>/follow-up",
        views.rectification_follow_up,
        name="supervision-rectification-follow-up",
    ),
    path("complaints/", views.complaint_list, name="supervision-complaints"),
    path("complaints/new/", views.complaint_new, name="supervision-complaint-new"),
    path("complaints/<int:pk>/", views.complaint_detail, name="supervision-complaint"),
    path("incidents/", views.incident_list, name="supervision-incidents"),
    path("incidents/new/", views.incident_new, name="supervision-incident-new"),
    path("incidents/<int:pk>/", views.incident_detail, name="supervision-incident"),
    path("risk-signals/", views.risk_signal_list, name="supervision-risk-signals"),
    path("risk-signals/new/", views.risk_signal_new, name="supervision-risk-signal-new"),
    path("risk-signals/<int:pk>/", views.risk_signal_detail, name="supervision-risk-signal"),
    path("alerts/", views.alert_list, name="supervision-alerts"),
    path("alerts/<int:pk>/acknowledge", views.alert_acknowledge, name="supervision-alert-acknowledge"),
    path("provider/<str:uscc>/", views.provider_page, name="supervision-provider"),
    path("provider/<str:uscc>/credit/", views.provider_credit, name="supervision-credit"),
    path(
        "provider/<str:uscc>/credit/compute", views.provider_credit_compute, name="supervision-credit-compute"
    ),
    path("provider/<str:uscc>/grades", views.grade_new, name="supervision-grade-new"),
    path("provider/<str:uscc>/demonstration", views.demonstration_new, name="supervision-demonstration-new"),
    path("grades/<int:pk>/revoke", views.grade_revoke, name="supervision-grade-revoke"),
]
