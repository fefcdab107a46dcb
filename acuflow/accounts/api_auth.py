from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from ninja.security import HttpBearer, SessionAuth

from acuflow.accounts.gate import pending_owed, token_refusal
from acuflow.accounts.middleware import activate_clinic_zone
from acuflow.accounts.models import ApiToken
from acuflow.core.actor import Actor, actor_from_request
from acuflow.core.api.errors import ApiError

SECOND_FACTOR_DETAIL = (
    "Your clinic requires two-factor authentication: set up an authenticator app "
    "under My account (/account/two-factor/) before using the API."
)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        confirmed = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
        api_token = (
            ApiToken.objects.select_related("user__membership__clinic")
            .annotate(has_confirmed_device=Exists(confirmed))
            .filter(key=token, user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        api_token.user.has_confirmed_device = api_token.has_confirmed_device  # type: ignore[attr-defined]
        if token_refusal(api_token.user) is not None:
            raise ApiError(403, "second_factor_required", SECOND_FACTOR_DETAIL)
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
    """Signed-in staff with a session cookie (CSRF-checked for writes). Whether the
    session is signed in (both factors where owed) the gate's middleware has decided;
    a session half-way through sign-in gets a code that says what is missing."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None and key and pending_owed(request) is not None:
            raise ApiError(
                401,
                "second_factor_required",
                "Finish signing in: enter the code from your authenticator app.",
            )
        return user


def api_actor(request: HttpRequest) -> Actor:
    return actor_from_request(request, channel="api", user=request.auth)  # type: ignore[attr-defined]
