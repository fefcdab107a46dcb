from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "acuflow.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Connects the receivers (token revocation, sign-in security events).
        from acuflow.accounts import signals  # noqa: F401  # inner-import: app registry ready
