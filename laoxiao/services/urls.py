"""The services pages, mounted at /services/ by ``laoxiao/urls.py``; one block per topic module."""

from django.urls import path

from laoxiao.services.views import claims as claims_views

urlpatterns: list = []

# --- claims (part 5) ---
urlpatterns += [
    path("claims/", claims_views.claim_list, name="services-claims"),
    path("claims/<int:pk>/", claims_views.claim_detail, name="services-claim"),
    path("claims/<int:pk>/statement.xlsx", claims_views.claim_statement, name="services-claim-statement"),
]
# --- end claims ---
