from django.urls import path

from acuflow.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.verify_view, name="verify"),
    path("login/setup/", views.setup_view, name="setup"),
    path("logout/", views.logout_view, name="logout"),
    path("password/reset/", views.password_reset_view, name="password_reset"),
    path("password/set/<uidb64>/<token>/", views.PasswordSetView.as_view(), name="password_set"),
    path("account/", views.profile_view, name="profile"),
    path("account/two-factor/", views.two_factor_view, name="two_factor"),
    path("account/tokens/", views.tokens_view, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("settings/", views.settings_view, name="settings"),
]
