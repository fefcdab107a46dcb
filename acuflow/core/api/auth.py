from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from acuflow.accounts.middleware import activate_clinic_zone
from acuflow.accounts.models import ApiToken
from acuflow.core.actor import Actor, actor_from_request


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = (
            ApiToken.objects.select_related("user__membership__clinic")
            .filter(key=token, user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        now = timezone.now()
        # Touch at most once a minute: no write on every request.
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        membership = getattr(api_token.user, "membership", None)
        if membership is not None:
            # "Today" and local days are the clinic's, as on its pages (a session charted
            # at 22:30 in New York is on that day, not the server's next one).
            activate_clinic_zone(membership.clinic)
        return api_token.user


class StaffSessionAuth(SessionAuth):
    """Signed-in staff with a session cookie (CSRF-checked for writes)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        membership_clinic = getattr(getattr(user, "membership", None), "clinic", None)
        if membership_clinic is not None and membership_clinic.require_2fa:
            if not request.user.is_verified():  # type: ignore[union-attr]
                return None
        return user


def api_actor(request: HttpRequest) -> Actor:
    return actor_from_request(request, channel="api", user=request.auth)  # type: ignore[attr-defined]
