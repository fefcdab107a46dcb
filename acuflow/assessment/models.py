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
from acuflow.core.models import BoundedFieldsModel, HeldRelationsModel


class Chronicity(models.TextChoices):
    ACUTE = "acute", _("Acute (< 6 weeks)")
    SUBACUTE = "subacute", _("Subacute (6-12 weeks)")
    CHRONIC = "chronic", _("Chronic (> 12 weeks)")


class RedFlagState(models.TextChoices):
    NOT_SCREENED = "not_screened", _("Not screened")
    NONE_FOUND = "none_found", _("Screened: none found")
    FLAGGED = "flagged", _("Red flag found: refer first")
    REFERRED = "referred", _("Referred: awaiting the outcome")
    CLEARED = "cleared", _("Cleared for treatment after referral")


class ReferralOutcome(models.TextChoices):
    CLEARED = "cleared", _("Cleared for treatment")
    TREATED_ELSEWHERE = "treated_elsewhere", _("Treated elsewhere")
    DECLINED = "declined", _("Patient declined the referral")


class ReferralUrgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency")


def _check_codes(values: Any, allowed: set[str], field: str, errors: dict[str, Any]) -> None:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        errors[field] = _("Give a list of codes.")
        return
    unknown = sorted(set(values) - allowed)
    if unknown:
        errors[field] = _("Unknown code: %(codes)s.") % {"codes": ", ".join(unknown)}


class Assessment(BoundedFieldsModel, HeldRelationsModel):
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
    # Positive red flags (codes); meaningful only once screened (red_flags_screened_at).
    red_flags = models.JSONField(_("red flags"), default=list, blank=True)
    red_flag_notes = models.TextField(_("red-flag notes"), blank=True, max_length=2000)
    red_flags_screened_at = models.DateTimeField(
        _("red flags screened at"), null=True, blank=True, editable=False
    )
    # Kept by the services from the flags and the referrals (rules.red_flag_state).
    red_flag_state = models.CharField(
        _("red-flag state"),
        max_length=16,
        choices=RedFlagState.choices,
        default=RedFlagState.NOT_SCREENED,
        editable=False,
    )
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

    @property
    def screened(self) -> bool:
        return self.red_flags_screened_at is not None

    @property
    def may_start_course(self) -> bool:
        return self.red_flag_state in rules.MAY_START

    @property
    def cleared(self) -> bool:
        """Treatment may go ahead as far as red flags go (none found, or cleared)."""
        return self.red_flag_state in rules.MAY_START

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


class Referral(BoundedFieldsModel, HeldRelationsModel):
    """A referral made because of red flags. It is created `pending` (the outcome
    empty) and gets its outcome later, when the reply comes: `cleared` (no
    contra-indication), `treated_elsewhere` (no course from this assessment) or
    `declined` (the patient did not go: the flags stay unresolved)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="referrals")
    to = models.CharField(_("referred to"), max_length=200)
    reason = models.TextField(_("reason"), max_length=2000)
    date = models.DateField(_("date"))
    urgency = models.CharField(
        _("urgency"), max_length=12, choices=ReferralUrgency.choices, default=ReferralUrgency.URGENT
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ReferralOutcome.choices, blank=True
    )
    outcome_note = models.TextField(_("note on the outcome"), blank=True, max_length=2000)
    decided_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
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

    @property
    def state(self) -> str:
        return self.outcome or "pending"

    def clean(self) -> None:
        if self.date and self.date > dt.date.today() + dt.timedelta(days=1):
            raise ValidationError({"date": _("The referral date cannot be in the future.")})
        if self.date and self.date < dt.date(1900, 1, 1):
            raise ValidationError({"date": _("Enter a date after 1900.")})


class ScreenOffer(models.Model):
    """Red-flag answers the patient gave elsewhere (online booking), offered as the
    starting values of the patient's next screen. Staff confirm or change them: an
    offer never counts as a screen by itself."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="red_flag_offers"
    )
    red_flags = models.JSONField(default=list, blank=True)  # assessment red-flag codes
    answers = models.JSONField(default=dict, blank=True)  # the questions as answered
    source = models.CharField(max_length=20, default="online_booking")
    answered_at = models.DateTimeField(default=timezone.now)
    used_by = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-answered_at", "-id"]
        indexes = [models.Index(fields=["patient", "-answered_at"])]

    def __str__(self) -> str:
        return f"red-flag answers of patient {self.patient_id} ({self.source})"
