from django.urls import path

from laoxiao.regions import views

urlpatterns = [
    path("", views.region_tree, name="region-tree"),
    path("boundaries.geojson", views.county_boundaries, name="region-boundaries"),
    path("<str:code>/children", views.region_children, name="region-children"),
    path("<str:code>/", views.region_detail, name="region-detail"),
]
