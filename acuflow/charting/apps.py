from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChartingConfig(AppConfig):
    name = "acuflow.charting"
    label = "charting"
    verbose_name = _("Charting")
    patient_section = "acuflow.charting.views.patient_section"
