from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """ "Our results": the clinic tests its protocol claims against its own outcomes.
    An aggregator: it reads the lower apps, nothing imports it."""

    name = "acuflow.analytics"
    label = "analytics"
    verbose_name = _("Our results")
    nav_items = [("analytics:page", _("Our results"))]
