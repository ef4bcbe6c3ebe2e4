from django.urls import path

from laoxiao.people import views

urlpatterns = [
    path("elders/", views.elder_list, name="people-elder-list"),
    path("elders/<int:pk>/", views.elder_detail, name="people-elder-detail"),
    path("elders/<int:pk>/record/<str:kind>/", views.elder_record, name="people-elder-record"),
    path("visits/", views.visit_worklist, name="people-visit-worklist"),
    path("visits/<int:pk>/record/", views.visit_record, name="people-visit-record"),
    path("children/", views.child_list, name="people-child-list"),
    path("children/<int:pk>/", views.child_detail, name="people-child-detail"),
    path("children/<int:pk>/record/<str:kind>/", views.child_record, name="people-child-record"),
    path("health/", views.health_worklist, name="people-health-worklist"),
]
