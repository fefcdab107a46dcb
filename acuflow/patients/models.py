"""Patients belong to exactly one clinic; every query for them is scoped to it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from acuflow.accounts.models import Clinic, phone_validator
from acuflow.core.languages import validate_language
from acuflow.core.models import BoundedFieldsModel, HeldRelationsModel
from acuflow.patients.identifiers import SYSTEM_CHOICES, mask
from acuflow.patients.names import family_sort_key, parse_name_search
from acuflow.patients.search import parse_search_date


def no_control_characters(value: str) -> None:
    """Refuse control characters (a NUL, an escape, a bell) in one-line text; line
    breaks are refused too, as these fields are printed on one line in letters."""
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value):
        raise ValidationError(_("Remove the control characters."), code="control_characters")


def no_control_characters_multiline(value: str) -> None:
    no_control_characters(value.replace("\r\n", "").replace("\n", "").replace("\t", ""))


agb_validator = RegexValidator(r"^[0-9]{8}$", _("An AGB code has 8 digits."))
her_validator = RegexValidator(r"^[0-9]{1,9}$", _("A HER-id has up to 9 digits."))


class GeneralPractitioner(BoundedFieldsModel):
    """A GP (huisarts, fastlege) as a record of its own, shared by the clinic's patients
    who have them: letters go to one address kept in one place."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="gps")
    name = models.CharField(_("name"), max_length=200, validators=[no_control_characters])
    practice = models.CharField(
        _("practice"), max_length=200, blank=True, validators=[no_control_characters]
    )
    address = models.TextField(
        _("address"), max_length=500, blank=True, validators=[no_control_characters_multiline]
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_validator])
    email = models.EmailField(_("email"), blank=True)
    agb_code = models.CharField(_("AGB code"), max_length=8, blank=True, validators=[agb_validator])
    her_id = models.CharField(_("HER-id"), max_length=9, blank=True, validators=[her_validator])
    language = models.CharField(
        _("language"), max_length=8, blank=True, validators=[validate_language]
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "practice", "id"]
        verbose_name = _("general practitioner")
        verbose_name_plural = _("general practitioners")
        indexes = [models.Index(fields=["clinic", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.practice})" if self.practice else self.name


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class PatientQuerySet(models.QuerySet["Patient"]):
    def for_clinic(self, clinic: Clinic) -> PatientQuerySet:
        return self.filter(clinic=clinic)

    def current(self) -> PatientQuerySet:
        """Not merged into another record (a merged duplicate stays for its undo)."""
        return self.filter(merged_into__isnull=True)

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


class Patient(BoundedFieldsModel):
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
    insurer = models.CharField(
        _("insurer"), max_length=100, blank=True, validators=[no_control_characters]
    )
    policy_number = models.CharField(
        _("policy number"), max_length=40, blank=True, validators=[no_control_characters]
    )
    gp = models.ForeignKey(
        GeneralPractitioner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patients",
        verbose_name=_("GP"),
    )
    # Set when this record was merged into another as its duplicate; lists hide it.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
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


class Consent(BoundedFieldsModel, HeldRelationsModel):
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


class PatientIdentifier(BoundedFieldsModel):
    """A national identifier (BSN, fødselsnummer, DNI/NIE, SSN), stored in its compact
    form. Shown masked; shown in full only on request, and that request is audited."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="identifiers")
    system = models.CharField(
        pgettext_lazy("national identifier", "system"), max_length=16, choices=SYSTEM_CHOICES
    )
    value = models.CharField(_("number"), max_length=32)

    class Meta:
        ordering = ["system", "id"]
        verbose_name = _("national identifier")
        verbose_name_plural = _("national identifiers")
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "system", "value"], name="patients_identifier_unique"
            ),
            models.UniqueConstraint(
                fields=["patient", "system"], name="patients_identifier_one_per_system"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system} {self.masked}"

    @property
    def masked(self) -> str:
        return mask(self.value)


class PatientMerge(models.Model):
    """A duplicate merged into the record kept. `moved` lists, per relation, the ids of
    the rows re-pointed from the duplicate to the kept record, so the merge can be
    undone within UNDO_DAYS."""

    UNDO_DAYS = 30

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    kept = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    duplicate = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    moved = models.JSONField(default=dict)
    merged_at = models.DateTimeField(default=timezone.now)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("patient merge")
        verbose_name_plural = _("patient merges")

    def __str__(self) -> str:
        return f"{self.duplicate_id} -> {self.kept_id}"

    def undo_until(self):  # type: ignore[no-untyped-def]
        return self.merged_at + dt.timedelta(days=self.UNDO_DAYS)
