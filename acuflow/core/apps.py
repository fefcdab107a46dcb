from django.apps import AppConfig
from django.db.models import fields
from django.utils.translation import pgettext_lazy

from acuflow.core.registry import connect_app_hooks

# The first line of every select whose answer may be left open. Django 6.1's own label,
# "- Select an option -", is not in its nl, nb and es catalogs yet; Django lets an app's
# ready() replace it, and ours is translated with the rest of acuflow.
BLANK_CHOICE_LABEL = pgettext_lazy("empty choice in a select", "— choose —")


class CoreConfig(AppConfig):
    name = "acuflow.core"
    label = "core"

    def ready(self) -> None:
        fields.BLANK_CHOICE_LABEL = BLANK_CHOICE_LABEL
        connect_app_hooks()
