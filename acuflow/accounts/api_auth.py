from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from ninja.security import HttpBearer, SessionAuth

from acuflow.accounts.gate import pending_owed, token_refusal
from acuflow.accounts.middleware import activate_clinic_zone
from acuflow.accounts.models import ApiToken, token_digest
from acuflow.audit.models import SecurityKind
from acuflow.audit.services import security_event
from acuflow.core.actor import Actor, actor_from_request, client_address
from acuflow.core.api.errors import ApiError
from acuflow.core.prepared import MARKER_KEY, Prepared

SECOND_FACTOR_DETAIL = (
    "Your clinic requires two-factor authentication: set up an authenticator app "
    "under My account (/account/two-factor/) before using the API."
)


def _refused(request: HttpRequest, api_token: ApiToken | None, reason: str) -> None:
    user = api_token.user if api_token is not None else None
    membership = getattr(user, "membership", None) if user is not None else None
    security_event(
        kind=SecurityKind.TOKEN_REFUSED,
        reason=reason,
        clinic_id=membership.clinic_id if membership is not None else None,
        user_id=user.pk if user is not None else None,
        actor_label=user.email if user is not None else "",
        target_type="accounts.apitoken",
        target_id=str(api_token.pk) if api_token is not None else "",
        channel="api",
        path=request.path,
        client_address=client_address(request),
    )


def _tokens() -> QuerySet[ApiToken]:
    confirmed = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
    return (
        ApiToken.objects.select_related("user__membership__clinic", "user__practitioner")
        .annotate(has_confirmed_device=Exists(confirmed))
        .filter(key_hash=MARKER_KEY)
    )


# Every API request with a token makes this lookup: compiled once (acuflow.core.prepared).
_TOKEN = Prepared(ApiToken, _tokens, key_hash=MARKER_KEY)


class TokenAuth(HttpBearer):
    """Bearer tokens: looked up by their digest; refused (and the refusal written as a
    security event) when unknown, revoked, expired, of an inactive user, or of a user
    whose clinic requires two factors and who has no authenticator."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = _TOKEN.first(key_hash=token_digest(token))
        now = timezone.now()
        if api_token is None or not api_token.user.is_active:
            _refused(request, api_token, "unknown token" if api_token is None else "inactive user")
            return None
        if api_token.revoked_at is not None:
            _refused(request, api_token, "revoked")
            raise ApiError(401, "token_revoked", "This API token was revoked.")
        if api_token.expires_at <= now:
            _refused(request, api_token, "expired")
            raise ApiError(401, "token_expired", "This API token has expired.")
        api_token.user.has_confirmed_device = api_token.has_confirmed_device  # type: ignore[attr-defined]
        if token_refusal(api_token.user) is not None:
            _refused(request, api_token, "second factor required")
            raise ApiError(403, "second_factor_required", SECOND_FACTOR_DETAIL)
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
