from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

# Public pages under /nl/, /nb/, ... and the API keep the language they ask for.
_PREFIXES = {code for code, _name in settings.LANGUAGES} | {"api"}


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
                # Dates and times are the clinic's local ones: |date and |time convert to
                # the active zone, and TIME_ZONE is only the server's default.
                timezone.activate(ZoneInfo(membership.clinic.timezone))
            if not prefixed:
                language = user.language or (membership.clinic.language if membership else "")
                if language:
                    translation.activate(language)
                    request.LANGUAGE_CODE = language
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
