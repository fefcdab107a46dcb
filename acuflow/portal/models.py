"""Patient sign-in for the portal, kept apart from staff accounts: patients never get a
User row, a staff session or request.user. A patient signs in with a one-time link sent
to the email address on their record (or an optional password) and gets a portal
session of their own, identified by its own cookie."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acuflow.patients.models import Patient


class PortalAccount(models.Model):
    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="portal_account")
    password = models.CharField(max_length=128, blank=True)  # a hash; empty: link only
    created_at = models.DateTimeField(default=timezone.now)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("portal account")
        verbose_name_plural = _("portal accounts")

    def __str__(self) -> str:
        return f"portal account of patient {self.patient_id}"

    @property
    def has_password(self) -> bool:
        return bool(self.password)

    def set_password(self, raw: str) -> None:
        self.password = make_password(raw)

    def check_password(self, raw: str) -> bool:
        return bool(self.password) and check_password(raw, self.password)


class SignInLink(models.Model):
    """A one-time sign-in link. Only the token's hash is stored."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="portal_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")

    def __str__(self) -> str:
        return f"sign-in link {self.pk}"


class PortalSession(models.Model):
    """A signed-in patient. The cookie holds a random key; the table holds its hash."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="portal_sessions")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("portal session")
        verbose_name_plural = _("portal sessions")

    def __str__(self) -> str:
        return f"portal session {self.pk}"
