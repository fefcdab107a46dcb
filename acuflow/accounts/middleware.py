from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from acuflow.accounts.backends import loading_session_device, session_device

if TYPE_CHECKING:
    from acuflow.accounts.models import Clinic

# Public pages under /nl/, /nb/, ... and the API keep the language they ask for.
_PREFIXES = {code for code, _name in settings.LANGUAGES} | {"api"}


_TOTP_LABEL = TOTPDevice.model_label()


def _totp_id(persistent_id: str | None) -> int:
    """The id of the TOTP device a persistent id names; 0 for anything else."""
    if not persistent_id:
        return 0
    label, _, device_id = DjangoOTPMiddleware._normalize_persistent_id(persistent_id).rpartition(
        "/"
    )
    if label == _TOTP_LABEL and device_id.isascii() and device_id.isdigit():
        return int(device_id)
    return 0


class OTPMiddleware(DjangoOTPMiddleware):  # type: ignore[misc]
    """django-otp's middleware (request.user.otp_device, is_verified()), without a query
    of its own on every signed-in request: the session's TOTP device comes with the
    user's query (StaffBackend); only when it is not there does django-otp look it up.
    Whatever device is found goes through django-otp's own checks (the user's,
    confirmed)."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        device_id = _totp_id(persistent_id)
        with loading_session_device(device_id):
            self._init_user_fields(user)  # loads the lazy user, and that device with it
        if user.is_authenticated:
            device = session_device(user) if device_id else None
            if device is None and persistent_id:
                # Another kind of device, a user loaded before this middleware, or a
                # device that is gone or void: django-otp's own lookup decides.
                device = self._device_from_persistent_id(persistent_id)
            user.otp_device = self._finalize_device(request, user, device)
        return user


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
