from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "acuflow.scheduling"
    label = "scheduling"
    verbose_name = _("Scheduling")
    dashboard_panel = "acuflow.scheduling.views.dashboard_panel"
    patient_section = "acuflow.scheduling.views.patient_section"
    nav_items = [
        ("scheduling:today", _("Today")),
        ("scheduling:calendar", _("Calendar")),
    ]
    # Offered to the layers below (acuflow.core.registry.app_service).
    closed_days = "acuflow.scheduling.selectors.closed_days"
    appointment_for_charting = "acuflow.scheduling.selectors.appointment_for_charting"
