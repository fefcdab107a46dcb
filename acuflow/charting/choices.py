"""The code lists of a charted session (stored codes, labels translated)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stimulation(models.TextChoices):
    MANUAL = "manual", _("Manual")
    ELECTRO = "electro", _("Electro")


class Adjunct(models.TextChoices):
    CUPPING = "cupping", _("Cupping")
    ACUPRESSURE_MASSAGE = "acupressure_massage", _("Acupressure massage")
    MOXIBUSTION = "moxibustion", _("Moxibustion")
    HEAT = "heat", _("Heat")


class AdverseEventCode(models.TextChoices):
    BRUISING = "bruising", _("Bruising")
    BLEEDING = "bleeding", _("Bleeding")
    PAIN = "pain", _("Pain")
    VASOVAGAL = "vasovagal", _("Vasovagal reaction (fainting)")
    NAUSEA = "nausea", _("Nausea")
    FORGOTTEN_NEEDLE = "forgotten_needle", _("Forgotten needle")
    PNEUMOTHORAX = "pneumothorax", _("Pneumothorax")
    INFECTION = "infection", _("Infection")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class Side(models.TextChoices):
    LEFT = "left", _("Left")
    RIGHT = "right", _("Right")
    BOTH = "both", _("Both")
    NONE = "none", _("Midline / none")


class ImsResponse(models.TextChoices):
    TWITCH = "twitch", _("Twitch")
    GRASP = "grasp", _("Needle grasp")
    NONE = "none", _("None")
