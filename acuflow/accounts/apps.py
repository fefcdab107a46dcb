from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "acuflow.accounts"
    label = "accounts"
    # Token revocation on a password change, sign-in security events (core.registry).
    receivers = "acuflow.accounts.signals"
