from django.urls import path

from laoxiao.providers import views

urlpatterns = [
    path("", views.provider_list, name="provider-list"),
    path("new/", views.provider_create, name="provider-create"),
    path("map/", views.provider_map, name="provider-map"),
    path("reviews/", views.overdue_reviews, name="provider-reviews"),
    path("certificates/", views.expiring_certificates, name="provider-certificates"),
    path("<str:uscc>/", views.provider_detail, name="provider-detail"),
    path("<str:uscc>/edit/", views.provider_edit, name="provider-edit"),
    path("<str:uscc>/filing/", views.provider_filing, name="provider-filing"),
    path("<str:uscc>/documents/new/", views.document_add, name="provider-document-add"),
    path("<str:uscc>/classes/new/", views.class_add, name="provider-class-add"),
    path("<str:uscc>/classes/<int:pk>/delete/", views.class_delete, name="provider-class-delete"),
    path("<str:uscc>/staff/new/", views.staff_add, name="provider-staff-add"),
    path(
        "<str:uscc>/staff/<int:pk>/certificates/new/", views.certificate_add, name="provider-certificate-add"
    ),
    path("<str:uscc>/prices/new/", views.price_add, name="provider-price-add"),
]
