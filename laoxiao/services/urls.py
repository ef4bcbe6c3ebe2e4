"""The services pages, mounted at /services/ by ``laoxiao/urls.py``; one block per topic module."""

from django.urls import path

from laoxiao.services.views import orders as order_views

urlpatterns: list = []

# --- orders (entitlements, orders, care plans, the dispatch board) ---
urlpatterns += [
    path("dispatch/", order_views.dispatch_board, name="services-dispatch"),
    path("orders/<int:pk>/", order_views.order_detail, name="services-order"),
    path("orders/<int:pk>/accept/", order_views.order_accept_view, name="services-order-accept"),
    path("orders/<int:pk>/assign/", order_views.order_assign_view, name="services-order-assign"),
]
# --- end orders ---
