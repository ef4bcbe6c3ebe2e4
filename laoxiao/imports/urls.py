from django.urls import path

from laoxiao.imports import views

urlpatterns = [
    path("", views.upload, name="import-upload"),
    path("errors.csv", views.error_report, name="import-error-report"),
    path("export/", views.export_list, name="export-list"),
    path("export/<str:kind>", views.export_file, name="export-file"),
]
