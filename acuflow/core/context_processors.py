from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def acuflow(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    membership = getattr(user, "membership", None) if user and user.is_authenticated else None
    return {
        "membership": membership,
        "clinic": membership.clinic if membership else None,
        "LANGUAGE_CHOICES": settings.LANGUAGES,
    }
