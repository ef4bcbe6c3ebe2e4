from django.urls import path  # noqa: F401

from laoxiao.planning.views import circle, demand

urlpatterns: list = [
    # -- service circle, accessibility, siting (circle.py) --
    path("", circle.planning_home, name="planning-home"),
    path("coverage/", circle.coverage_page, name="planning-coverage"),
    path("access/", circle.access_page, name="planning-access"),
    path("siting/", circle.siting_page, name="planning-siting"),
    # -- projection, demand and gaps, residential projects (demand.py) --
    path("demand/", demand.demand_page, name="planning-demand"),
    path("demand/projection/", demand.projection_page, name="planning-projection"),
    path("demand/residential/", demand.residential_list, name="planning-residential"),
    path("demand/residential/new/", demand.residential_edit, name="planning-residential-new"),
    path("demand/residential/<int:pk>/", demand.residential_edit, name="planning-residential-edit"),
]
