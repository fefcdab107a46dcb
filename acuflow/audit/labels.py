"""What an audit row's object type and channel are called on screen: the stored codes
("assessment.assessment", "api") are for machines; people read their labels."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

# Object types that are pages or documents rather than one model's rows.
PAGES: dict[str, Any] = {
    "assessment.list": _("Assessments list"),
    "audit.trail": _("Access log"),
    "charting.sessions": _("Sessions list"),
    "patients.search": _("Patient search"),
    "portal.access_log": _("Access log in the patient portal"),
    "portal.home": _("Patient portal"),
    "protocols.course_list": _("Treatment courses list"),
    "reports.progress": _("Progress report"),
    "reports.gp_letter": _("Letter to the GP or referrer"),
    "reports.discharge": _("Discharge summary"),
    "scheduling.calendar": _("Calendar"),
    "scheduling.course_booking": _("Booking of a treatment course"),
    "scheduling.requests": _("Online booking requests"),
    "scheduling.waitlist": _("Waiting list"),
}

CHANNELS: dict[str, Any] = {
    "web": _("web page"),
    "api": _("API"),
    "portal": _("patient portal"),
    "system": _("system"),
}


def object_label(object_type: str) -> str:
    """ "assessment.assessment" -> "Assessment" (the model's name in the active language)."""
    if object_type in PAGES:
        return str(PAGES[object_type])
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return capfirst(object_type.rpartition(".")[2].replace("_", " "))
    return capfirst(str(model._meta.verbose_name))


def channel_label(channel: str) -> str:
    return str(CHANNELS.get(channel, channel))
