from django.urls import path

from laoxiao.jobs import views

urlpatterns = [
    path("", views.job_list, name="job-list"),
    path("<int:pk>/", views.job_detail, name="job-detail"),
    path("<int:pk>/retry/", views.job_retry, name="job-retry"),
]
