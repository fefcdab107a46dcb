from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProtocolsConfig(AppConfig):
    name = "acuflow.protocols"
    label = "protocols"
    verbose_name = _("Protocols and courses")
    nav_items = [("protocols:list", _("Protocols"))]
    patient_section = "acuflow.protocols.views.patient_section"
    dashboard_panel = "acuflow.protocols.views.dashboard_panel"
    # Like contenttypes: the shipped catalogue is data, refreshed after every migrate
    # (and after the test runner's flush), so it never drifts from the JSON file.
    after_migrate = "acuflow.protocols.services.protocol_catalogue_after_migrate"
