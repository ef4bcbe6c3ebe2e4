from django.urls import path  # noqa: F401

from laoxiao.planning import views_circle, views_demand

urlpatterns: list = [
    # -- service circle, accessibility, siting (views_circle.py) --
    path("", views_circle.planning_home, name="planning-home"),
    path("coverage/", views_circle.coverage_page, name="planning-coverage"),
    path("access/", views_circle.access_page, name="planning-access"),
    path("siting/", views_circle.siting_page, name="planning-siting"),
    # -- projection, demand and gaps, residential projects (views_demand.py) --
    path("demand/", views_demand.demand_page, name="planning-demand"),
    path("demand/projection/", views_demand.projection_page, name="planning-projection"),
    path("demand/residential/", views_demand.residential_list, name="planning-residential"),
    path("demand/residential/new/", views_demand.residential_edit, name="planning-residential-new"),
    path("demand/residential/<int:pk>/", views_demand.residential_edit, name="planning-residential-edit"),
]
