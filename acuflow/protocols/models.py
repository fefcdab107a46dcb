"""Protocols (condition x modality -> cadence and expectations) and treatment courses.

Shipped protocols (clinic = NULL) come from data/protocols.json with their sources and
are refreshed after every migrate; a clinic copies one to edit it (clinic set,
`based_on` pointing at the original). A course freezes the protocol's numbers at its
start, so later edits of the protocol do not rewrite a running plan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acuflow.accounts.models import Modality
from acuflow.core.models import HeldRelationsModel


class Response(models.TextChoices):
    NONE = "none", _("No response (< 10 %)")
    MINIMAL = "minimal", _("Minimal (10-30 %)")
    MODERATE = "moderate", _("Moderate (30-50 %)")
    SUBSTANTIAL = "substantial", _("Substantial (>= 50 %)")
    WORSE = "worse", _("Worse")


class Recommendation(models.TextChoices):
    CONTINUE = "continue", _("Continue")
    REVIEW = "review", _("Review the plan")
    COMPLETE = "complete", _("Course can be completed")
    STOP_OR_REFER = "stop_or_refer", _("Stop or refer")


class CourseState(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped")
    REFERRED = "referred", _("Referred")


# The states a course can be closed with (course_close); a closed course takes no sessions.
CLOSED_STATES = (CourseState.COMPLETED, CourseState.STOPPED, CourseState.REFERRED)


class ProtocolQuerySet(models.QuerySet["Protocol"]):
    def available_to(self, clinic: Any) -> ProtocolQuerySet:
        """Shipped defaults plus the clinic's own copies."""
        return self.filter(Q(clinic__isnull=True) | Q(clinic=clinic), active=True)


class Protocol(models.Model):
    clinic = models.ForeignKey(
        "accounts.Clinic",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="protocols",
        help_text=_("Empty for the shipped defaults."),
    )
    key = models.SlugField(_("key"), max_length=80)
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    name = models.JSONField(_("name"), default=dict, help_text=_("Per language: nl, nb, en, es."))
    condition = models.CharField(_("condition"), max_length=40)
    modality = models.CharField(_("modality"), max_length=24, choices=Modality.choices)
    cadence_days = models.PositiveSmallIntegerField(
        _("days between sessions"), validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    cadence_max_days = models.PositiveSmallIntegerField(
        _("longest allowed interval (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
    )
    expected_sessions = models.PositiveSmallIntegerField(
        _("expected sessions"), validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    onset_session = models.PositiveSmallIntegerField(
        _("first improvement expected by session"),
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    lasting_session = models.PositiveSmallIntegerField(
        _("lasting effect expected by session"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    review_session = models.PositiveSmallIntegerField(
        _("review (stop rule) at session"),
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    max_sessions = models.PositiveSmallIntegerField(
        _("maximum sessions"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    # IMS: when pain started less than this many days ago one session may suffice.
    single_session_onset_days = models.PositiveSmallIntegerField(
        _("one session may suffice when onset is within (days)"), null=True, blank=True
    )
    home_care = models.JSONField(_("home-care advice"), default=dict, blank=True)
    expectations = models.JSONField(_("what the patient can expect"), default=dict, blank=True)
    sources = models.JSONField(_("sources"), default=list)
    # Point codes (WHO, e.g. "BL23", "EX-B2") or IMS segments ("L4", "L5") that charting
    # offers as the protocol's point set.
    point_set = models.JSONField(_("point set"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ProtocolQuerySet.as_manager()

    class Meta:
        ordering = ["condition", "modality", "clinic_id", "id"]
        verbose_name = _("protocol")
        verbose_name_plural = _("protocols")
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(clinic__isnull=True), name="protocol_shipped_key"
            ),
            models.UniqueConstraint(fields=["clinic", "key"], name="protocol_clinic_key"),
        ]

    def __str__(self) -> str:
        return self.label()

    @property
    def shipped(self) -> bool:
        return self.clinic_id is None

    def label(self, lang: str | None = None) -> str:
        from acuflow.assessment.catalogue import text

        return text(self.name, lang) if self.name else f"{self.condition} / {self.modality}"

    def clean(self) -> None:
        from acuflow.assessment import catalogue

        errors: dict[str, Any] = {}
        if self.condition not in catalogue.condition_codes():
            errors["condition"] = _("Unknown condition.")
        if self.modality not in Modality.values:
            errors["modality"] = _("Unknown modality.")
        if (
            self.expected_sessions
            and self.max_sessions
            and self.max_sessions < self.expected_sessions
        ):
            errors["max_sessions"] = _("The maximum cannot be below the expected sessions.")
        for field in ("onset_session", "review_session", "lasting_session"):
            value = getattr(self, field)
            if value and self.max_sessions and value > self.max_sessions:
                errors[field] = _("Cannot be after the maximum number of sessions.")
        if (
            self.cadence_max_days
            and self.cadence_days
            and self.cadence_max_days < self.cadence_days
        ):
            errors["cadence_max_days"] = _("Cannot be shorter than the usual interval.")
        if not isinstance(self.sources, list) or not self.sources:
            errors["sources"] = _("Every protocol names at least one source.")
        if not isinstance(self.point_set, list) or not all(
            isinstance(p, str) for p in self.point_set
        ):
            errors["point_set"] = _("Give a list of point codes.")
        for field in ("name", "home_care", "expectations"):
            if not isinstance(getattr(self, field), dict):
                errors[field] = _("Give the text per language.")
        if errors:
            raise ValidationError(errors)


class Course(HeldRelationsModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="courses"
    )
    assessment = models.ForeignKey(
        "assessment.Assessment", on_delete=models.PROTECT, related_name="courses"
    )
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="courses")
    practitioner = models.ForeignKey(
        "accounts.Practitioner", on_delete=models.PROTECT, related_name="courses"
    )
    start_date = models.DateField(_("start date"))
    state = models.CharField(
        _("state"), max_length=12, choices=CourseState.choices, default=CourseState.ACTIVE
    )
    # The protocol's numbers at the start of the course (the agreed plan).
    modality = models.CharField(_("modality"), max_length=24, choices=Modality.choices)
    cadence_days = models.PositiveSmallIntegerField(_("days between sessions"))
    expected_sessions = models.PositiveSmallIntegerField(_("expected sessions"))
    onset_session = models.PositiveSmallIntegerField(_("first improvement expected by session"))
    review_session = models.PositiveSmallIntegerField(_("review at session"))
    max_sessions = models.PositiveSmallIntegerField(_("maximum sessions"))
    # Status, recomputed by services.course_refresh_status after every session or score.
    sessions_done = models.PositiveSmallIntegerField(default=0)
    latest_nrs = models.PositiveSmallIntegerField(null=True, blank=True)
    latest_nrs_at = models.DateTimeField(null=True, blank=True)
    change_pct = models.FloatField(null=True, blank=True)
    response = models.CharField(max_length=12, choices=Response.choices, default=Response.NONE)
    recommendation = models.CharField(
        max_length=16, choices=Recommendation.choices, default=Recommendation.CONTINUE
    )
    reason = models.CharField(max_length=40, blank=True)
    status_updated_at = models.DateTimeField(null=True, blank=True)
    # Set by services.course_close: when, by whom and why the course ended.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    close_note = models.TextField(_("note on closing"), blank=True, max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("treatment course")
        verbose_name_plural = _("treatment courses")
        indexes = [models.Index(fields=["patient", "-start_date"])]

    def __str__(self) -> str:
        return f"{self.protocol} ({self.start_date})"

    @property
    def is_closed(self) -> bool:
        return self.state != CourseState.ACTIVE

    def planned_dates(self) -> list[dt.date]:
        """Planned session dates, in order (uses the prefetch cache when present)."""
        return [p.date for p in self.planned_sessions.all()]

    @property
    def baseline_nrs(self) -> int:
        return self.assessment.baseline_nrs

    def reason_text(self, language: str | None = None) -> str:
        """The reason in words: in `language` when given (a report in the patient's
        language), else in the active language (a staff page)."""
        from django.utils import translation

        from acuflow.protocols.rules import reason_text

        with translation.override(language or translation.get_language()):
            return reason_text(
                self.reason,
                sessions_done=self.sessions_done,
                change_pct=self.change_pct,
                review_session=self.review_session,
                onset_session=self.onset_session,
                expected_sessions=self.expected_sessions,
            )


class PlannedSession(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="planned_sessions")
    number = models.PositiveSmallIntegerField(_("number"))
    date = models.DateField(_("date"))

    class Meta:
        ordering = ["course", "number"]
        verbose_name = _("planned session")
        verbose_name_plural = _("planned sessions")
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="planned_session_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.date}"
