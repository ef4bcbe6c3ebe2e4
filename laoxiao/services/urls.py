"""The services pages, mounted at /services/ by ``laoxiao/urls.py``; one block per topic module."""

from django.urls import path

from laoxiao.services.views import alarms as alarm_views
from laoxiao.services.views import beds as beds_views
from laoxiao.services.views import claims as claims_views
from laoxiao.services.views import meals as meals_views
from laoxiao.services.views import orders as order_views
from laoxiao.services.views import visits as visits_views

urlpatterns: list = []

# --- alarms (part 9, the alarms board of part 12) ---
urlpatterns += [
    path("alarms/", alarm_views.alarms_board, name="services-alarms"),
    path(
        "alarms/<int:pk>/<str:step>",
        alarm_views.alarm_step,
        name="services-alarm-step",
    ),
]
# --- end alarms ---

# --- meals, family care beds, respite (parts 6-8) --------------------------------------------------
urlpatterns += [
    path("meals/", meals_views.meal_points, name="services-meals"),
    path("meals/<str:uscc>/", meals_views.meal_day, name="services-meals-day"),
    path("meals/<str:uscc>/month/", meals_views.meal_month, name="services-meals-month"),
    path("meals/<str:uscc>/settlement/", meals_views.meal_settlement_build, name="services-meals-build"),
    path(
        "meal-settlements/<int:pk>/approve/",
        meals_views.meal_settlement_approve,
        name="services-meals-approve",
    ),
    path("care-beds/", beds_views.care_bed_list, name="services-care-beds"),
    path("care-beds/<int:pk>/", beds_views.care_bed_detail, name="services-care-bed"),
    path("respite/", beds_views.respite_list, name="services-respite"),
    path("respite/new/", beds_views.respite_new, name="services-respite-new"),
]

# --- orders (entitlements, orders, care plans, the dispatch board) ---
urlpatterns += [
    path("dispatch/", order_views.dispatch_board, name="services-dispatch"),
    path("orders/<int:pk>/", order_views.order_detail, name="services-order"),
    path("orders/<int:pk>/accept/", order_views.order_accept_view, name="services-order-accept"),
    path("orders/<int:pk>/assign/", order_views.order_assign_view, name="services-order-assign"),
]
# --- end orders ---


# --- claims (part 5) ---
urlpatterns += [
    path("claims/", claims_views.claim_list, name="services-claims"),
    path("claims/<int:pk>/", claims_views.claim_detail, name="services-claim"),
    path("claims/<int:pk>/statement.xlsx", claims_views.claim_statement, name="services-claim-statement"),
]
# --- end claims ---

# --- visits (the officers' review queue) ---
urlpatterns += [
    path("review/", visits_views.review_queue, name="services-review"),
    path("review/<int:pk>/", visits_views.review_visit, name="services-review-visit"),
]
# --- end visits ---
