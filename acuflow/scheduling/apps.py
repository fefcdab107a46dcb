from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "acuflow.scheduling"
    label = "scheduling"
    verbose_name = _("Scheduling")
    nav_items = [("scheduling:calendar", _("Calendar"))]
    dashboard_panel = "acuflow.scheduling.views.dashboard_panel"
    patient_section = "acuflow.scheduling.views.patient_section"
