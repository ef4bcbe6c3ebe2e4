from django.urls import path

from laoxiao.web import views

urlpatterns = [
    path("", views.home, name="home"),
]
