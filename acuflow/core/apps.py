from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "acuflow.core"
    label = "core"
