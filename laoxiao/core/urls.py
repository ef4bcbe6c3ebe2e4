from django.urls import path

from laoxiao.core import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("changelog/", views.changelog, name="changelog"),
    path("rules/", views.rules, name="rules"),
    path("reveal/<str:target_type>/<str:target_id>/<str:field>", views.reveal, name="reveal"),
]
