"""Questionnaire responses (scored on save), clinics' licensed instrument texts and the
one-time links through which a patient fills a questionnaire."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acuflow.core.languages import validate_language
from acuflow.core.models import BoundedFieldsModel, HeldRelationsModel
from acuflow.outcomes import catalog


class Source(models.TextChoices):
    STAFF = "staff", _("Entered by staff")
    PATIENT_LINK = "patient_link", _("Filled in by the patient")


def _check_instrument(code: str) -> None:
    if code not in catalog.codes():
        raise ValidationError({"instrument": _("Unknown instrument.")})


class Response(BoundedFieldsModel, HeldRelationsModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="outcome_responses"
    )
    course = models.ForeignKey(
        "protocols.Course",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcome_responses",
    )
    # The charting app's session, by id (no FK: outcomes works without charting).
    session_ref = models.PositiveBigIntegerField(_("session"), null=True, blank=True)
    instrument = models.CharField(_("instrument"), max_length=32)
    instrument_version = models.CharField(max_length=16)
    language = models.CharField(_("language"), max_length=8, validators=[validate_language])
    answers = models.JSONField(_("answers"))
    score = models.FloatField(_("score"))
    subscores = models.JSONField(_("subscores"), default=dict)
    interpretation = models.CharField(_("interpretation"), max_length=32, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("questionnaire response")
        verbose_name_plural = _("questionnaire responses")
        indexes = [
            models.Index(fields=["patient", "-recorded_at"]),
            models.Index(fields=["course", "instrument", "recorded_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.score:g} ({self.recorded_at:%Y-%m-%d})"

    def clean(self) -> None:
        _check_instrument(self.instrument)
        course = self.course if self.course_id else None
        if course is not None and course.patient_id != self.patient_id:
            raise ValidationError({"course": _("The course belongs to another patient.")})

    @property
    def definition(self) -> dict[str, Any]:
        return catalog.get(self.instrument)

    def name(self, language: str) -> str:
        return catalog.localized(self.definition, language)["name"]

    def interpretation_label(self, language: str) -> str:
        return catalog.band_label(self.definition, self.interpretation, language)

    @property
    def score_display(self) -> str:
        return f"{self.score:g}"


class InstrumentText(models.Model):
    """Item text of a licensed instrument that a clinic loaded from a file it owns."""

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="instrument_texts"
    )
    instrument = models.CharField(_("instrument"), max_length=32)
    language = models.CharField(_("language"), max_length=8, validators=[validate_language])
    content = models.JSONField(_("content"))
    licence_reference = models.CharField(_("licence reference"), max_length=200, blank=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["instrument", "language"]
        verbose_name = _("licensed instrument text")
        verbose_name_plural = _("licensed instrument texts")
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "instrument", "language"], name="instrument_text_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} ({self.language})"

    def clean(self) -> None:
        _check_instrument(self.instrument)


class ResponseLink(models.Model):
    """A signed link a patient may use once, before it expires, to fill one questionnaire.
    The token carries the nonce; the nonce here is what makes it single-use."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="response_links"
    )
    course = models.ForeignKey(
        "protocols.Course", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    session_ref = models.PositiveBigIntegerField(null=True, blank=True)
    instrument = models.CharField(max_length=32)
    nonce = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    response = models.OneToOneField(
        Response, on_delete=models.SET_NULL, null=True, blank=True, related_name="link"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("questionnaire link")
        verbose_name_plural = _("questionnaire links")

    def __str__(self) -> str:
        return f"{self.instrument} for patient {self.patient_id}"

    def clean(self) -> None:
        _check_instrument(self.instrument)

    @property
    def usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()
