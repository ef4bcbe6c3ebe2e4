"""The benefits pages: applications. ``urlpatterns`` here is included by ``benefits/urls.py``."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
