from django.urls import path  # noqa: F401

urlpatterns: list = [
    # -- service circle, accessibility, siting (views_circle.py) --
    # -- projection, demand and gaps, residential projects (views_demand.py) --
]
