"""Clinics (the tenant), their places, staff users and practitioner profiles."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone as djtz
from django.utils.translation import gettext_lazy as _

from acuflow.core.languages import validate_language

phone_validator = RegexValidator(
    r"^\+?[0-9 ()\-]{6,20}$", _("Enter a phone number such as +31 20 123 4567.")
)


class Modality(models.TextChoices):
    ACUPUNCTURE = "acupuncture", _("Acupuncture")
    ELECTROACUPUNCTURE = "electroacupuncture", _("Electroacupuncture")
    IMS = "ims", _("IMS (intramuscular stimulation)")
    ACUPRESSURE = "acupressure", _("Acupressure")
    CUPPING = "cupping", _("Cupping")


class Clinic(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. NL"))
    language = models.CharField(_("default language"), max_length=8, validators=[validate_language])
    timezone = models.CharField(_("timezone"), max_length=64, default="Europe/Amsterdam")  # noqa: DJ012
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_validator])
    email = models.EmailField(_("email"), blank=True)
    whatsapp = models.CharField(
        _("WhatsApp number"), max_length=32, blank=True, validators=[phone_validator]
    )
    require_2fa = models.BooleanField(
        _("require two-factor authentication"),
        default=False,
        help_text=_("Staff must sign in with an authenticator app code."),
    )
    created_at = models.DateTimeField(default=djtz.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("clinic")
        verbose_name_plural = _("clinics")

    def __str__(self) -> str:
        return self.name

    @property
    def whatsapp_link(self) -> str:
        digits = "".join(ch for ch in self.whatsapp if ch.isdigit())
        return f"https://wa.me/{digits}" if digits else ""


class Location(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(_("name"), max_length=200)
    address = models.TextField(_("address"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")

    def __str__(self) -> str:
        return f"{self.location.name} / {self.name}"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A staff member. Patients sign in to the portal separately (see the portal app)."""

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    language = models.CharField(
        _("language"), max_length=8, blank=True, validators=[validate_language]
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("admin site access"), default=False)
    date_joined = models.DateTimeField(default=djtz.now)

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def set_password(self, raw_password: str | None) -> None:
        # Saving the user then revokes their API tokens (accounts.signals): a token must
        # not outlive the password it was issued under.
        super().set_password(raw_password)
        self._password_changed = True


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    PRACTITIONER = "practitioner", _("Practitioner")
    RECEPTION = "reception", _("Reception")


class Membership(models.Model):
    """A user's place in one clinic. One clinic per user keeps tenancy simple and safe."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.clinic})"

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def sees_clinical(self) -> bool:
        """Reception handles demographics and appointments, never clinical content."""
        return self.role in {Role.OWNER, Role.PRACTITIONER}


class Practitioner(models.Model):
    """The clinical profile of a staff member who treats patients."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="practitioner")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="practitioners")
    profession = models.CharField(_("profession"), max_length=100)
    professional_body = models.CharField(_("professional body"), max_length=100, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=50, blank=True)
    registration_expires = models.DateField(_("registration expires"), null=True, blank=True)
    modalities = models.JSONField(_("qualified modalities"), default=list, blank=True)
    bio = models.TextField(_("biography"), blank=True)

    class Meta:
        ordering = ["user__full_name"]
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")

    def __str__(self) -> str:
        return self.user.full_name

    def clean(self) -> None:
        valid = set(Modality.values)
        if not isinstance(self.modalities, list) or not set(self.modalities) <= valid:
            raise ValidationError({"modalities": _("Unknown modality.")})

    def is_qualified_for(self, modality: str) -> bool:
        return modality in self.modalities

    def registration_valid_on(self, day: Any) -> bool:
        return self.registration_expires is None or self.registration_expires >= day


def _new_token() -> str:
    """Kept for migration 0001 (tokens were once stored as they are)."""
    return secrets.token_urlsafe(32)


TOKEN_LIFETIME = dt.timedelta(days=90)
TOKEN_PREFIX_LENGTH = 8


def token_digest(key: str) -> str:
    """Tokens are stored as their SHA-256: 256 random bits need no slow hash."""
    return hashlib.sha256(key.encode()).hexdigest()


def _default_expiry() -> dt.datetime:
    return djtz.now() + TOKEN_LIFETIME


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def live(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=djtz.now())


class ApiToken(models.Model):
    """A bearer token for the API. Only its digest and first characters are stored; the
    token itself is shown once, when it is issued (accounts.services.api_token_issue)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(max_length=TOKEN_PREFIX_LENGTH)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=djtz.now)
    expires_at = models.DateTimeField(_("expires"), default=_default_expiry)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects: ClassVar[ApiTokenQuerySet] = ApiTokenQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def create_for(
        cls, user: User, *, name: str = "", lifetime: dt.timedelta = TOKEN_LIFETIME
    ) -> tuple[ApiToken, str]:
        """A new token row and the token itself (never stored). No policy: callers
        go through accounts.services.api_token_issue."""
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=key[:TOKEN_PREFIX_LENGTH],
            key_hash=token_digest(key),
            expires_at=djtz.now() + lifetime,
        )
        return token, key

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= djtz.now():
            return "expired"
        return "active"
