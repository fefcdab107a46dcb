from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from acuflow.core.prepared import MARKER_ID, Prepared

if TYPE_CHECKING:
    from acuflow.accounts.models import Clinic

# Public pages under /nl/, /nb/, ... and the API keep the language they ask for.
_PREFIXES = {code for code, _name in settings.LANGUAGES} | {"api"}


_TOTP_LABEL = TOTPDevice.model_label()
_TOTP_DEVICE = Prepared(TOTPDevice, lambda: TOTPDevice.objects.filter(id=MARKER_ID), id=MARKER_ID)


class OTPMiddleware(DjangoOTPMiddleware):  # type: ignore[misc]
    """django-otp's middleware (request.user.otp_device, is_verified()), with the lookup
    of the session's authenticator, made on every signed-in request, compiled once. The
    device it finds goes through django-otp's own checks (same user, confirmed)."""

    def _device_from_persistent_id(self, persistent_id: str) -> Device | None:
        label, _, device_id = self._normalize_persistent_id(persistent_id).rpartition("/")
        if label == _TOTP_LABEL and device_id.isascii() and device_id.isdigit():
            return _TOTP_DEVICE.first(id=int(device_id))
        return super()._device_from_persistent_id(persistent_id)  # type: ignore[no-any-return]


def activate_clinic_zone(clinic: Clinic) -> None:
    """Show this response's dates and times in `clinic`'s zone: |date and |time convert
    to the active zone, and TIME_ZONE is only the server's default. Views that serve a
    clinic without a signed-in staff member call it; UserLanguageMiddleware resets the
    zone after every response."""
    timezone.activate(ZoneInfo(clinic.timezone))


class UserLanguageMiddleware:
    """Signed-in staff see pages in their own language (or their clinic's), whatever the
    browser says, and times in their clinic's zone; before sign-in LocaleMiddleware
    follows Accept-Language. Views without a signed-in user (online booking) activate
    the zone of the clinic they serve; it is reset after every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.deactivate()  # no clinic's zone left over from this thread's last request
        user = getattr(request, "user", None)
        prefixed = request.path.split("/")[1] in _PREFIXES
        if user is not None and user.is_authenticated:
            membership = getattr(user, "membership", None)
            if membership is not None:
                activate_clinic_zone(membership.clinic)
            if not prefixed:
                language = user.language or (membership.clinic.language if membership else "")
                if language:
                    translation.activate(language)
                    request.LANGUAGE_CODE = language
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
