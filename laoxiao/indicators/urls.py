from django.urls import path

from laoxiao.indicators import views

urlpatterns = [
    path("indicators/", views.indicator_list, name="indicator-list"),
    path("tasks/", views.task_list, name="task-list"),
]
