from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatientsConfig(AppConfig):
    name = "acuflow.patients"
    label = "patients"
    nav_items = [("patients:list", _("Patients"))]
    dashboard_panel = "acuflow.patients.views.dashboard_panel"
