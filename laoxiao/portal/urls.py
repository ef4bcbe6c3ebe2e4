from django.urls import path

from laoxiao.portal import views

urlpatterns = [
    path("", views.portal_home, name="portal-home"),
    path("boundaries.geojson", views.boundaries, name="public-boundaries"),
    path("providers/", views.provider_directory, name="public-provider-list"),
    path("providers/<str:uscc>/", views.provider_page, name="public-provider-detail"),
]
