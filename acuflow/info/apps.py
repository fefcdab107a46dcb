from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InfoConfig(AppConfig):
    name = "acuflow.info"
    label = "info"
    verbose_name = _("Patient information")
    nav_items = [("info:list", _("Patient information"))]
    # The shipped articles are data files; loading them after every migrate (and after
    # the test runner's flush) keeps the library rows equal to the files.
    after_migrate = "acuflow.info.services.sync_library_after_migrate"
