"""Charted treatment sessions and their server-side drafts.

Needling is structured data: `sites` lists points (catalogue codes) and IMS sites
(segment, side, muscle, response); adverse events are coded; home-care acupressure is
kept so the patient portal can show it. Validation of the lists against the catalogue
happens in the API schema and again in `clean()` (services call `full_clean()`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from acuflow.charting import rules
from acuflow.charting.choices import (  # noqa: F401 (the models' public code lists)
    Adjunct,
    AdverseEventCode,
    ImsResponse,
    Severity,
    Side,
    Stimulation,
)
from acuflow.charting.validation import check_lists
from acuflow.core.models import BoundedFieldsModel, HeldRelationsModel

NRS = [MinValueValidator(0), MaxValueValidator(10)]


class SessionQuerySet(models.QuerySet["Session"]):
    def for_clinic(self, clinic: Any) -> SessionQuerySet:
        return self.filter(patient__clinic=clinic)

    def with_people(self) -> SessionQuerySet:
        return self.select_related("practitioner__user", "course__protocol")


class Session(BoundedFieldsModel, HeldRelationsModel):
    course = models.ForeignKey(
        "protocols.Course", on_delete=models.PROTECT, related_name="charted_sessions"
    )
    # Denormalised from the course: the patient's session list is one indexed query.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="charted_sessions"
    )
    # The scheduling app's appointment, by id (no FK: charting does not depend on it).
    appointment_ref = models.PositiveBigIntegerField(
        _("appointment"), null=True, blank=True, db_index=True
    )
    # Charting outside a booked appointment says why (a walk-in, a visit booked on paper).
    unbooked_reason = models.CharField(
        _("why there is no booked appointment"), max_length=300, blank=True
    )
    practitioner = models.ForeignKey(
        "accounts.Practitioner", on_delete=models.PROTECT, related_name="charted_sessions"
    )
    started_at = models.DateTimeField(_("started at"))
    nrs_before = models.PositiveSmallIntegerField(
        _("usual pain since the last session (0-10)"), null=True, blank=True, validators=NRS
    )
    nrs_after = models.PositiveSmallIntegerField(
        _("pain after the session (0-10)"), null=True, blank=True, validators=NRS
    )
    pregnant = models.BooleanField(_("patient pregnant"), default=False)
    sites = models.JSONField(_("sites"), default=list)
    needles_in = models.PositiveSmallIntegerField(
        _("needles in"), validators=[MaxValueValidator(200)]
    )
    needles_out = models.PositiveSmallIntegerField(
        _("needles out"), validators=[MaxValueValidator(200)]
    )
    needle_discrepancy_note = models.CharField(
        _("why the needle counts differ"), max_length=500, blank=True
    )
    stimulation = models.CharField(
        _("stimulation"), max_length=8, choices=Stimulation.choices, default=Stimulation.MANUAL
    )
    electro_frequency_hz = models.FloatField(
        _("electro frequency (Hz)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.5), MaxValueValidator(200)],
    )
    retention_minutes = models.PositiveSmallIntegerField(
        _("retention (minutes)"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    adjuncts = models.JSONField(_("adjuncts"), default=list, blank=True)
    adverse_events = models.JSONField(_("adverse events"), default=list, blank=True)
    subjective = models.TextField(_("subjective"), blank=True, max_length=5000)
    objective = models.TextField(_("objective"), blank=True, max_length=5000)
    assessment = models.TextField(
        pgettext_lazy("SOAP note", "assessment"), blank=True, max_length=5000
    )
    plan = models.TextField(_("plan"), blank=True, max_length=5000)
    home_care = models.JSONField(_("home-care acupressure"), default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [
            models.Index(fields=["patient", "-started_at"]),
            models.Index(fields=["course", "started_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nrs_before__lte=10) | models.Q(nrs_before__isnull=True),
                name="session_nrs_before_0_10",
            ),
            models.CheckConstraint(
                condition=models.Q(nrs_after__lte=10) | models.Q(nrs_after__isnull=True),
                name="session_nrs_after_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({len(self.sites)} sites)"

    def clean(self) -> None:
        errors: dict[str, Any] = check_lists(
            sites=self.sites,
            adjuncts=self.adjuncts,
            adverse_events=self.adverse_events,
            home_care=self.home_care,
        )
        if not rules.needle_counts_ok(
            self.needles_in or 0, self.needles_out or 0, self.needle_discrepancy_note
        ):
            errors["needle_discrepancy_note"] = _(
                "Needles in and out differ: count again, or say why."
            )
        if self.stimulation == Stimulation.ELECTRO and not self.electro_frequency_hz:
            errors["electro_frequency_hz"] = _("Give the frequency of electrostimulation.")
        if errors:
            raise ValidationError(errors)

    @property
    def point_sites(self) -> list[dict[str, Any]]:
        return [s for s in self.sites if "point" in s]

    @property
    def ims_sites(self) -> list[dict[str, Any]]:
        return [s for s in self.sites if "ims_segment" in s]


class SessionDraft(BoundedFieldsModel):
    """What is on the charting screen, saved as it is typed (a closed tab or a lost
    connection loses nothing). One per course and user; deleted when the session is saved."""

    course = models.ForeignKey("protocols.Course", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("session draft")
        verbose_name_plural = _("session drafts")
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="session_draft_course_user")
        ]

    def __str__(self) -> str:
        return f"draft {self.course_id}/{self.user_id}"
