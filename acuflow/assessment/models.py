"""Assessment (intake) of a patient, its red-flag screen and the referrals that resolve it.

Condition codes, red-flag codes and their wording are data (acuflow/assessment/data/),
validated against the catalogue in `clean()` so adding a condition needs no migration.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acuflow.assessment import catalogue, rules
from acuflow.core.models import HeldRelationsModel


class Chronicity(models.TextChoices):
    ACUTE = "acute", _("Acute (< 6 weeks)")
    SUBACUTE = "subacute", _("Subacute (6-12 weeks)")
    CHRONIC = "chronic", _("Chronic (> 12 weeks)")


class ReferralOutcome(models.TextChoices):
    CLEARED = "cleared", _("Cleared for treatment")
    REFERRED_OUT = "referred_out", _("Referred out")


def _check_codes(values: Any, allowed: set[str], field: str, errors: dict[str, Any]) -> None:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        errors[field] = _("Give a list of codes.")
        return
    unknown = sorted(set(values) - allowed)
    if unknown:
        errors[field] = _("Unknown code: %(codes)s.") % {"codes": ", ".join(unknown)}


class Assessment(HeldRelationsModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="assessments"
    )
    practitioner = models.ForeignKey(
        "accounts.Practitioner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    assessed_on = models.DateField(_("assessed on"), default=dt.date.today)
    complaint = models.TextField(_("presenting complaint"), max_length=2000)
    body_regions = models.JSONField(_("body regions"), default=list, blank=True)
    condition = models.CharField(_("condition"), max_length=40)
    onset_date = models.DateField(_("onset date"))
    chronicity = models.CharField(
        _("chronicity"), max_length=10, choices=Chronicity.choices, editable=False
    )
    baseline_nrs = models.PositiveSmallIntegerField(
        _("baseline pain (NRS 0-10)"),
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text=_("Usual pain over the last week, 0 = no pain, 10 = worst imaginable."),
    )
    contributing_factors = models.JSONField(_("contributing factors"), default=list, blank=True)
    other_care = models.JSONField(_("current other care"), default=list, blank=True)
    findings = models.TextField(_("findings"), blank=True, max_length=5000)
    # IMS: Gunn's signs of neuropathy and the affected spinal segments (C1..S2).
    gunn_signs = models.JSONField(_("Gunn's signs of neuropathy"), default=list, blank=True)
    affected_segments = models.JSONField(_("affected segments"), default=list, blank=True)
    # MS: symptom domains the treatment targets.
    ms_domains = models.JSONField(_("MS symptom domains"), default=list, blank=True)
    # Positive red flags (codes). Empty list = screened, nothing found.
    red_flags = models.JSONField(_("red flags"), default=list, blank=True)
    red_flag_notes = models.TextField(_("red-flag notes"), blank=True, max_length=2000)
    # Cached by the services: no positive flag, or the newest referral cleared them all.
    cleared = models.BooleanField(_("cleared for treatment"), default=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["patient", "-assessed_on"])]

    def __str__(self) -> str:
        return f"{self.condition_label} ({self.assessed_on})"

    @property
    def condition_label(self) -> str:
        return catalogue.condition_label(self.condition)

    @property
    def icd10(self) -> str:
        return catalogue.condition(self.condition).get("icd10", "") if self.condition else ""

    @property
    def icd11(self) -> str:
        return catalogue.condition(self.condition).get("icd11", "") if self.condition else ""

    @property
    def has_red_flags(self) -> bool:
        return bool(self.red_flags)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.condition and self.condition not in catalogue.condition_codes():
            errors["condition"] = _("Unknown condition.")
        if self.onset_date and self.onset_date > (self.assessed_on or dt.date.today()):
            errors["onset_date"] = _("The onset date cannot be in the future.")
        _check_codes(self.body_regions, catalogue.body_region_codes(), "body_regions", errors)
        _check_codes(
            self.contributing_factors,
            catalogue.contributing_factor_codes(),
            "contributing_factors",
            errors,
        )
        _check_codes(self.other_care, catalogue.other_care_codes(), "other_care", errors)
        _check_codes(self.gunn_signs, catalogue.gunn_sign_codes(), "gunn_signs", errors)
        _check_codes(self.affected_segments, set(catalogue.SEGMENTS), "affected_segments", errors)
        _check_codes(self.ms_domains, catalogue.ms_domain_codes(), "ms_domains", errors)
        _check_codes(self.red_flags, catalogue.red_flag_codes(), "red_flags", errors)
        if errors:
            raise ValidationError(errors)
        if self.onset_date:
            self.chronicity = rules.chronicity(self.onset_date, self.assessed_on)


class Referral(HeldRelationsModel):
    """A referral made because of red flags, with its outcome. `cleared` means the
    referrer (usually the GP) saw no contra-indication; `referred_out` means the
    patient is treated elsewhere, so no course starts from this assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="referrals")
    to = models.CharField(_("referred to"), max_length=200)
    reason = models.TextField(_("reason"), max_length=2000)
    date = models.DateField(_("date"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=ReferralOutcome.choices)
    # The positive flags this referral addressed (a snapshot; flags can change later).
    red_flags = models.JSONField(_("red flags addressed"), default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"{self.to} ({self.date})"

    def clean(self) -> None:
        if self.date and self.date > dt.date.today() + dt.timedelta(days=1):
            raise ValidationError({"date": _("The referral date cannot be in the future.")})
