from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "acuflow.outcomes"
    label = "outcomes"
    verbose_name = _("Outcome measures")
    nav_items = [("outcomes:instruments", _("Questionnaires"))]
    patient_section = "acuflow.outcomes.views.patient_section"
