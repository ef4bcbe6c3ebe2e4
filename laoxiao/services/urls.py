"""The services pages, mounted at /services/ by ``laoxiao/urls.py``; one block per topic module."""

from django.urls import path

from laoxiao.services.views import alarms as alarm_views

urlpatterns: list = []

# --- alarms (part 9, the alarms board of part 12) ---
urlpatterns += [
    path("alarms/", alarm_views.alarms_board, name="services-alarms"),
    path(
        "alarms/<int:pk>/<str:step>",
        alarm_views.alarm_step,
        name="services-alarm-step",
    ),
]
# --- end alarms ---
