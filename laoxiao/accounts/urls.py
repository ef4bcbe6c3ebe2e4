from django.contrib.auth import views as auth_views
from django.urls import path

from laoxiao.accounts import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/lockouts/", views.lockouts, name="lockouts"),
    path("accounts/lockouts/unlock/", views.unlock, name="lockout-unlock"),
]
