from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "acuflow.public"
    label = "public"
    verbose_name = _("Public clinic page")
    nav_items = [("public_staff:inbox", _("Inbox"))]
