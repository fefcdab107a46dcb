from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "acuflow.assessment"
    label = "assessment"
    verbose_name = _("Assessment")
    patient_section = "acuflow.assessment.views.patient_section"
