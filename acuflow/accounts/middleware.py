from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

# Public pages under /nl/, /nb/, ... and the API keep the language they ask for.
_PREFIXES = {code for code, _name in settings.LANGUAGES} | {"api"}


class UserLanguageMiddleware:
    """Signed-in staff see pages in their own language (or their clinic's), whatever the
    browser says; before sign-in LocaleMiddleware follows Accept-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.deactivate()  # no clinic's zone left over from this thread's last request
        user = getattr(request, "user", None)
        prefixed = request.path.split("/")[1] in _PREFIXES
        if user is not None and user.is_authenticated and not prefixed:
            language = user.language
            if not language:
                membership = getattr(user, "membership", None)
                language = membership.clinic.language if membership else ""
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        response = self.get_response(request)
        return response
