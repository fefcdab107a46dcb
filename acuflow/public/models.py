"""What a clinic shows the public: an introduction, opening hours, and the messages
people send through the contact form (read by staff in the inbox)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acuflow.accounts.models import Clinic
from acuflow.core.languages import text_for, validate_language, validate_texts


class ClinicProfile(models.Model):
    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, related_name="public_profile")
    published = models.BooleanField(_("public page published"), default=True)
    intro = models.TextField(_("introduction"), blank=True, max_length=4000)
    # The introduction per language ({"nl": ..., "en": ...}); `intro` is shown, marked as
    # the clinic's language, where a language has none.
    intros = models.JSONField(
        _("introduction per language"), default=dict, blank=True, validators=[validate_texts]
    )

    class Meta:
        verbose_name = _("public clinic page")
        verbose_name_plural = _("public clinic pages")

    def __str__(self) -> str:
        return str(self.clinic)

    def intro_in(self, language: str) -> tuple[str, str]:
        """The introduction for a page in `language`, and the language it is written in."""
        text = text_for(self.intros, language)
        if text:
            return text, language
        return self.intro, self.clinic.language


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": _("Closing time must be after opening time.")})


class ContactMessage(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="contact_messages")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    message = models.TextField(_("message"), max_length=4000)
    language = models.CharField(_("language"), max_length=8, validators=[validate_language])
    client_address = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")
        indexes = [models.Index(fields=["clinic", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.received_at:%Y-%m-%d})"
