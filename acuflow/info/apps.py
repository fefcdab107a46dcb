from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class InfoConfig(AppConfig):
    name = "acuflow.info"
    label = "info"
    verbose_name = _("Patient information")
    nav_items = [("info:list", _("Patient information"))]

    def ready(self) -> None:
        from acuflow.info.services import (  # inner-import: models load once the app registry is ready
            sync_library_after_migrate,
        )

        # The shipped articles are data files; loading them after every migrate (and after
        # the test runner's flush) keeps the library rows equal to the files.
        post_migrate.connect(sync_library_after_migrate, sender=self)
