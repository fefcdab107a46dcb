from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "acuflow.api"
    label = "api"
