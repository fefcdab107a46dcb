from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_catalogue(sender, **kwargs):  # type: ignore[no-untyped-def]
    # Like contenttypes: the shipped catalogue is data, refreshed after every migrate
    # (and after the test runner's flush), so it never drifts from the JSON file.
    from acuflow.protocols.services import (
        protocol_catalogue_sync,  # inner-import: models load after apps.py
    )

    protocol_catalogue_sync(using=kwargs.get("using", "default"))


class ProtocolsConfig(AppConfig):
    name = "acuflow.protocols"
    label = "protocols"
    verbose_name = _("Protocols and courses")
    nav_items = [("protocols:list", _("Protocols"))]
    patient_section = "acuflow.protocols.views.patient_section"
    dashboard_panel = "acuflow.protocols.views.dashboard_panel"

    def ready(self) -> None:
        post_migrate.connect(_sync_catalogue, sender=self)
