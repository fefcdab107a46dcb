"""Patients belong to exactly one clinic; every query for them is scoped to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acuflow.accounts.models import Clinic, phone_validator
from acuflow.core.languages import validate_language
from acuflow.core.models import HeldRelationsModel
from acuflow.patients.names import family_sort_key, parse_name_search
from acuflow.patients.search import parse_search_date


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class PatientQuerySet(models.QuerySet["Patient"]):
    def for_clinic(self, clinic: Clinic) -> PatientQuerySet:
        return self.filter(clinic=clinic)

    def search(self, text: str) -> PatientQuerySet:
        """Name ("Bram de Vries", "de Vries, Bram", any part of either name), birth date
        (YYYY-MM-DD or DD-MM-YYYY) or phone digits."""
        text = text.strip()
        if not text:
            return self
        words = parse_name_search(text)
        query = Q()
        for word in words.family:
            query &= Q(family_name__icontains=word)
        for word in words.given:
            query &= Q(given_name__icontains=word)
        for word in words.either:
            query &= Q(given_name__icontains=word) | Q(family_name__icontains=word)
        if (day := parse_search_date(text)) is not None:
            query |= Q(birth_date=day)
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 4 and len(digits) == len(text.replace(" ", "").lstrip("+")):
            query |= Q(phone_digits__contains=digits)
        return self.filter(query)


class Patient(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    language = models.CharField(
        _("preferred language"), max_length=8, validators=[validate_language]
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_validator])
    # Digits only, so a search for "0612345678" finds "+31 6 1234 5678" style entries too.
    phone_digits = models.CharField(max_length=32, blank=True, editable=False)
    # The family name's main part without its prefix ("boer" for "de Boer"): lists sort
    # on it, as Dutch lists file "de Boer" under B. Kept by set_derived_fields().
    family_sort = models.CharField(max_length=100, blank=True, editable=False)
    address = models.TextField(_("address"), blank=True, max_length=500)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_sort", "given_name", "family_name", "id"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        indexes = [
            models.Index(
                fields=["clinic", "family_sort", "given_name"], name="patient_clinic_sort_idx"
            ),
            models.Index(fields=["clinic", "birth_date"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def set_derived_fields(self) -> None:
        """Refresh the fields kept from others (call before saving a new or changed name
        or phone): the phone's digits and the family name's sort key."""
        self.phone_digits = "".join(ch for ch in self.phone if ch.isdigit())
        self.family_sort = family_sort_key(self.family_name)

    def age_on(self, day) -> int:  # type: ignore[no-untyped-def]
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class ConsentKind(models.TextChoices):
    TREATMENT = "treatment", _("Treatment (including needling)")
    DATA_PROCESSING = "data_processing", _("Processing of health data")
    GP_LETTERS = "gp_letters", _("Letters to the GP or referrer")
    REMINDERS = "reminders", _("Appointment reminders")


class Consent(HeldRelationsModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("kind"), max_length=32, choices=ConsentKind.choices)
    given = models.BooleanField(_("given"), default=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {'yes' if self.given else 'no'}"
