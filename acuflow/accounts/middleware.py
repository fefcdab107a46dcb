from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

if TYPE_CHECKING:
    from acuflow.accounts.models import Clinic

# Public pages under /nl/, /nb/, ... and the API keep the language they ask for.
_PREFIXES = {code for code, _name in settings.LANGUAGES} | {"api"}


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
