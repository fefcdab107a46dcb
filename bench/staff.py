"""Sign a generated staff member in the way a real one is, for both bench modes.

Import after django.setup(). The user gets a confirmed authenticator (TOTP device) if
they have none, and a server-side session made by the app's own sign-in
(`accounts.gate.sign_in` with that device): password and code given, so every request
goes through the whole signed-in path (session, django-otp's device, the gate) as for a
clinic that uses two factors. The bearer token is accepted because the user holds the
authenticator (`gate.token_refusal`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from acuflow.accounts import gate
from acuflow.accounts.models import ApiToken, User


def signed_in_session(user: User) -> str:
    """A session key of `user` with both factors given."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="benchmark", confirmed=True)
    request = HttpRequest()
    request.META = {"REMOTE_ADDR": "127.0.0.1", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80"}
    request.session = SessionStore()  # type: ignore[assignment]
    request.user = AnonymousUser()
    user.backend = settings.AUTHENTICATION_BACKENDS[-1]  # type: ignore[attr-defined]
    gate.sign_in(request, user, device)
    request.session.set_expiry(24 * 3600)
    request.session.save()
    key = request.session.session_key
    assert key is not None
    return key


def api_token(user: User) -> str:
    """A new bearer token (tokens are stored hashed: one per run)."""
    return ApiToken.create_for(user, name="benchmark")[1]
