from django.contrib.auth import views as auth
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="index"),
    path("signup/", views.SignupView.as_view(), name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    # POST only (Django's LogoutView): a link or an image on another site cannot log you out.
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("password-change/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("verify/<uidb64>/<token>/", views.verify, name="verify"),
    path("tokens/", views.create_token, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke_token, name="revoke-token"),
]
