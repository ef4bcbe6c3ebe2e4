from django.urls import path

from laoxiao.indicators import views
from laoxiao.indicators.views import records

urlpatterns = [
    path("indicators/", views.indicator_list, name="indicator-list"),
    path("indicators/<str:code>/", views.indicator_detail, name="indicator-detail"),
    path("tasks/", views.task_list, name="task-list"),
    path("units/", views.unit_list, name="unit-list"),
    # -- values and reporting (views/values.py) --
    # -- drill-down (views/records.py) --
    path("indicators/<str:code>/records/", records.indicator_records, name="indicator-records"),
    # -- tasks, meetings, major projects (views/tasks.py) --
    # -- cockpit (views/cockpit.py) --
]
