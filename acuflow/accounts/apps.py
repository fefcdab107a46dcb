from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "acuflow.accounts"
    label = "accounts"
