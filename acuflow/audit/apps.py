from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "acuflow.audit"
    label = "audit"
