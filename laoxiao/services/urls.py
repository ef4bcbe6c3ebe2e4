"""The services pages, mounted at /services/ by ``laoxiao/urls.py``; one block per topic module."""

from django.urls import path

from laoxiao.services.views import visits as visits_views

urlpatterns: list = []

# --- visits (the officers' review queue) ---
urlpatterns += [
    path("review/", visits_views.review_queue, name="services-review"),
    path("review/<int:pk>/", visits_views.review_visit, name="services-review-visit"),
]
# --- end visits ---
