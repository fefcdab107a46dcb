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
from django.utils import timezone, translation
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from acuflow.accounts.models import Modality
from acuflow.assessment import catalogue as assessment_catalogue
from acuflow.core.models import BoundedFieldsModel, HeldRelationsModel
from acuflow.core.sources import plain_source, source_note
from acuflow.protocols import catalogue, outcome
from acuflow.protocols.outcome_texts import (
    OTHER_INSTRUMENT_LABELS,
    RECOMMENDATION_LABELS,
    RESPONSE_LABELS,
    patient_text,
    reason_text,
)


class Response(models.TextChoices):
    """The responder classes of protocols.outcome (labels in outcome_texts)."""

    NOT_MEASURED = "not_measured", RESPONSE_LABELS["not_measured"]
    NOT_ASSESSABLE = "not_assessable_by_nrs", RESPONSE_LABELS["not_assessable_by_nrs"]
    WORSE = "worse", RESPONSE_LABELS["worse"]
    NONE = "none", RESPONSE_LABELS["none"]
    MINIMAL = "minimal", RESPONSE_LABELS["minimal"]
    MODERATE = "moderate", RESPONSE_LABELS["moderate"]
    SUBSTANTIAL = "substantial", RESPONSE_LABELS["substantial"]


class Recommendation(models.TextChoices):
    MEASURE = "measure", RECOMMENDATION_LABELS["measure"]
    CONTINUE = "continue", RECOMMENDATION_LABELS["continue"]
    REVIEW = "review", RECOMMENDATION_LABELS["review"]
    COMPLETE = "complete", RECOMMENDATION_LABELS["complete"]
    STOP_OR_REFER = "stop_or_refer", RECOMMENDATION_LABELS["stop_or_refer"]


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
    # Time as well as counts: first improvement and the review are judged no earlier
    # than this many days after the first session (IMS: about 21 days of healing).
    onset_days = models.PositiveSmallIntegerField(
        _("first improvement judged from day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    review_days = models.PositiveSmallIntegerField(
        _("review (stop rule) from day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    # The measure that judges the course when the pain score cannot (baseline 0-2, MS).
    other_instrument = models.CharField(
        _("other outcome measure"),
        max_length=20,
        blank=True,
        choices=[(k, v) for k, v in OTHER_INSTRUMENT_LABELS.items()],
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
        if not self.name:
            return f"{self.condition} / {self.modality}"
        return assessment_catalogue.text(self.name, lang)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.condition not in assessment_catalogue.condition_codes():
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
            self.onset_session
            and self.review_session
            and self.onset_session > self.review_session
            and "onset_session" not in errors
        ):
            errors["onset_session"] = _("First improvement cannot be expected after the review.")
        if (
            self.lasting_session
            and self.onset_session
            and self.lasting_session < self.onset_session
            and "lasting_session" not in errors
        ):
            errors["lasting_session"] = _(
                "A lasting effect cannot be expected before the first improvement."
            )
        if self.onset_days and self.review_days and self.onset_days > self.review_days:
            errors["onset_days"] = _("Cannot be after the review day.")
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


class Course(BoundedFieldsModel, HeldRelationsModel):
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
    cadence_max_days = models.PositiveSmallIntegerField(
        _("longest allowed interval (days)"), null=True, blank=True
    )
    expected_sessions = models.PositiveSmallIntegerField(_("expected sessions"))
    onset_session = models.PositiveSmallIntegerField(_("first improvement expected by session"))
    lasting_session = models.PositiveSmallIntegerField(
        _("lasting effect expected by session"), null=True, blank=True
    )
    review_session = models.PositiveSmallIntegerField(_("review at session"))
    max_sessions = models.PositiveSmallIntegerField(_("maximum sessions"))
    onset_days = models.PositiveSmallIntegerField(
        _("first improvement judged from day"), null=True, blank=True
    )
    review_days = models.PositiveSmallIntegerField(_("review from day"), null=True, blank=True)
    # One session may suffice: the protocol allows it and the pain began recently.
    single_session = models.BooleanField(_("one session may suffice"), default=False)
    other_instrument = models.CharField(_("other outcome measure"), max_length=20, blank=True)
    # Status, recomputed by services.course_observation_recorded under the course lock.
    sessions_done = models.PositiveSmallIntegerField(default=0)
    first_session_at = models.DateTimeField(null=True, blank=True)
    latest_nrs = models.PositiveSmallIntegerField(null=True, blank=True)
    latest_nrs_at = models.DateTimeField(null=True, blank=True)
    latest_nrs_stale = models.BooleanField(default=False)
    change_points = models.SmallIntegerField(null=True, blank=True)
    change_pct = models.FloatField(null=True, blank=True)
    response = models.CharField(
        max_length=24, choices=Response.choices, default=Response.NOT_MEASURED
    )
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
        indexes = [
            models.Index(fields=["patient", "-start_date"]),
            # A clinic's courses of a protocol ("Our results"): a shipped protocol's courses
            # span the network, a clinic's practitioners narrow them to its own.
            models.Index(fields=["practitioner", "protocol"]),
        ]

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

    def plan(self) -> outcome.Plan:
        """The frozen numbers that judge this course's outcome."""
        return outcome.Plan(
            expected_sessions=self.expected_sessions,
            onset_session=self.onset_session,
            review_session=self.review_session,
            max_sessions=self.max_sessions,
            cadence_days=self.cadence_days,
            cadence_max_days=self.cadence_max_days,
            lasting_session=self.lasting_session,
            onset_days=self.onset_days,
            review_days=self.review_days,
            single_session=self.single_session,
            other_instrument=self.other_instrument,
        )

    def status(self) -> outcome.Status:
        """The stored status as the outcome model's value."""
        days = None
        if self.first_session_at and self.status_updated_at:
            days = max(0, (self.status_updated_at - self.first_session_at).days)
        return outcome.Status(
            sessions_done=self.sessions_done,
            first_session_at=self.first_session_at,
            days_since_first=days,
            baseline_nrs=self.assessment.baseline_nrs,
            latest_nrs=self.latest_nrs,
            latest_nrs_at=self.latest_nrs_at,
            latest_nrs_stale=self.latest_nrs_stale,
            change_points=self.change_points,
            change_pct=self.change_pct,
            response=self.response,
            recommendation=self.recommendation,
            reason=self.reason,
        )

    def reason_text(self, language: str | None = None) -> str:
        """The reason in staff words: in `language` when given, else the active one."""
        with translation.override(language or translation.get_language()):
            return reason_text(self.status(), self.plan())

    def patient_text(self, language: str | None = None) -> str:
        """The status in the patient's words (portal, progress report)."""
        with translation.override(language or translation.get_language()):
            return patient_text(self.status(), self.plan())

    def rule_source(self, language: str | None = None, *, html: bool = False) -> str:
        """Where the rule behind the current reason comes from (shown beside it). With
        `html`, safe HTML whose English citations are marked lang="en"."""
        basis = outcome.REASON_BASIS.get(self.reason, "")
        if basis == "protocol":
            return _protocol_source(self.protocol, language, html=html)
        if basis in ("thresholds", "measurement"):
            template = (
                _("Responder thresholds: %(source)s")
                if basis == "thresholds"
                else _("Measure usual pain before needling: %(source)s")
            )
            cited = [_cite(s["citation"], html) for s in shipped_thresholds()["sources"]]
            return _fill(str(template), html, source=_join(cited, html))
        return ""


def _cite(citation: str, html: bool) -> str:
    return source_note(citation) if html else plain_source(citation)


def _fill(template: str, html: bool, **values: str) -> str:
    if not html:
        return template % values
    escaped = {key: conditional_escape(value) for key, value in values.items()}
    return mark_safe(conditional_escape(template) % escaped)  # noqa: S308 - every part escaped


def _join(parts: list[str], html: bool) -> str:
    return mark_safe("; ".join(parts)) if html else "; ".join(parts)  # noqa: S308 - escaped parts


def _protocol_source(protocol: Protocol, language: str | None, *, html: bool = False) -> str:
    """The protocol's sources, each marked as research or a clinic's experience."""
    parts = []
    for source in protocol.sources or []:
        raw = str(source.get("citation", "")) if isinstance(source, dict) else str(source)
        if not raw:
            continue
        citation = _cite(raw, html)
        kind = source.get("kind") if isinstance(source, dict) else None
        if kind == "clinic":
            template = str(_("%(citation)s (a clinic's experience, not research)"))
            parts.append(_fill(template, html, citation=citation))
        elif kind == "default":
            template = str(_("%(citation)s (acuflow's default, to be confirmed by the clinic)"))
            parts.append(_fill(template, html, citation=citation))
        else:
            parts.append(citation)
    return _join(parts, html)


def shipped_thresholds() -> dict[str, Any]:
    """The shipped responder thresholds with their sources (data file)."""
    return catalogue.outcome_thresholds()


class CourseObservation(models.Model):
    """What charting (a session, with usual pain before needling) and outcomes (an NRS
    questionnaire) report to the course. The course status is computed from these
    rows only, so protocols never reads the recording apps' tables."""

    class Source(models.TextChoices):
        SESSION = "session", _("Session")
        QUESTIONNAIRE = "questionnaire", _("Questionnaire")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="observations")
    source = models.CharField(max_length=16, choices=Source.choices)
    ref = models.PositiveBigIntegerField(help_text="id of the session or response")
    at = models.DateTimeField()
    nrs = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["course", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "ref"], name="course_observation_once"),
            models.CheckConstraint(
                condition=Q(nrs__isnull=True) | Q(nrs__lte=10), name="course_observation_nrs"
            ),
        ]
        indexes = [models.Index(fields=["course", "at"])]

    def __str__(self) -> str:
        return f"{self.source} {self.ref} ({self.at:%Y-%m-%d})"

    def value(self) -> outcome.Observation:
        return outcome.Observation(at=self.at, nrs=self.nrs, source=self.source)


class ClinicOutcomeThresholds(models.Model):
    """A clinic's own responder thresholds; without a row the shipped ones apply."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="outcome_thresholds"
    )
    minimal_pct = models.PositiveSmallIntegerField(_("minimal improvement (%)"))
    moderate_pct = models.PositiveSmallIntegerField(_("moderate improvement (%)"))
    substantial_pct = models.PositiveSmallIntegerField(_("substantial improvement (%)"))
    important_points = models.PositiveSmallIntegerField(_("important change (NRS points)"))
    worse_points = models.PositiveSmallIntegerField(_("worse: rise of (NRS points)"))
    worse_pct = models.PositiveSmallIntegerField(_("worse: rise of (%)"))
    assessable_from = models.PositiveSmallIntegerField(_("lowest baseline judged by the NRS"))
    note = models.TextField(_("why the clinic changed them"), blank=True, max_length=2000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outcome thresholds")
        verbose_name_plural = _("outcome thresholds")

    def __str__(self) -> str:
        return f"thresholds of clinic {self.clinic_id}"

    def value(self) -> outcome.Thresholds:
        return outcome.Thresholds(**{f: getattr(self, f) for f in outcome.Thresholds.FIELDS})


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
