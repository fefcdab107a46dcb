"""The one authentication gate for staff, whatever the channel: pages, admin, the API
with a session or a bearer token.

`second_factor_owed` is the rule: a user owes a code when they have a confirmed
authenticator, and owes an enrolment when their clinic requires two factors and they
have none. Every channel asks it:

- sign-in (`/login/`, which `/admin/login/` redirects to): a correct password alone
  only starts a *pending* half-step in the session; the user is signed in (an
  authenticated session) once the code is given or the enrolment is done;
- `GateMiddleware`, for every request with a session: a session that is signed in but
  owes a factor (the clinic turned the requirement on, or a session from before this
  gate) is turned back into a pending half-step, so pages, admin and the API with a
  session all see nobody signed in; the same middleware ends sessions that were idle
  too long or are older than their absolute lifetime;
- `TokenAuth` (core.api.auth) asks `token_refusal` for bearer tokens.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    load_backend,
    login,
    logout,
)
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device

from acuflow.accounts.backends import has_second_factor
from acuflow.accounts.models import User

PENDING = "acuflow.pending"  # {"user": pk, "backend": path, "owed": Owed, "at": epoch}
STARTED = "acuflow.started"  # epoch seconds of the completed sign-in
SEEN = "acuflow.seen"  # epoch seconds of the last request (updated at most once a minute)
ENDED = "acuflow.ended"  # why the last session ended: "idle" or "lifetime" (shown at sign-in)
PENDING_LIFETIME = dt.timedelta(minutes=10)
SEEN_RESOLUTION = 60  # seconds: no session write on every request


class Owed(enum.StrEnum):
    VERIFY = "verify"  # has a confirmed authenticator: enter its code
    SETUP = "setup"  # the clinic requires two factors and there is no authenticator yet


def second_factor_owed(user: Any, *, verified: bool) -> Owed | None:
    """What `user` still owes before they count as signed in; None when nothing.
    `verified`: a code was given in this session."""
    if verified:
        return None
    if has_second_factor(user):
        return Owed.VERIFY
    membership = getattr(user, "membership", None)
    if membership is not None and membership.clinic.require_2fa:
        return Owed.SETUP
    return None


def token_refusal(user: Any) -> Owed | None:
    """Why a bearer token of `user` is refused, or None. A token stands for a user who
    holds their authenticator (a token of a user with one is only handed out after a
    code); a user whose clinic requires two factors and who has none gets nothing."""
    return second_factor_owed(user, verified=has_second_factor(user))


def _now() -> float:
    return timezone.now().timestamp()


# -- the pending half-step ------------------------------------------------------------


def pending_begin(request: HttpRequest, user: User, owed: Owed) -> None:
    """The password was right, the second factor is still owed: remember who, for a
    short while, without signing them in."""
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        "owed": str(owed),
        "at": _now(),
    }


def pending_owed(request: HttpRequest) -> Owed | None:
    pending = request.session.get(PENDING)
    if not pending or _now() - pending["at"] > PENDING_LIFETIME.total_seconds():
        return None
    return Owed(pending["owed"])


def pending_user(request: HttpRequest) -> User | None:
    """The user of an unexpired pending half-step, or None."""
    if pending_owed(request) is None:
        request.session.pop(PENDING, None)
        return None
    pending = request.session[PENDING]
    user = load_backend(pending["backend"]).get_user(pending["user"])
    if user is not None:
        user.backend = pending["backend"]
    return user  # type: ignore[no-any-return]


def sign_in(request: HttpRequest, user: User, device: Device | None = None) -> None:
    """Sign `user` in: both factors are given (or only one is owed). Django's login
    rotates the session key; the pending half-step ends."""
    request.session.pop(PENDING, None)
    login(request, user, backend=getattr(user, "backend", None))
    if device is not None:
        otp_login(request, device)
    now = _now()
    request.session[STARTED] = now
    request.session[SEEN] = now


def second_factor_given(request: HttpRequest, device: Device) -> None:
    """A signed-in user enrolled an authenticator: verified from now on, on a new key."""
    otp_login(request, device)
    request.session.cycle_key()


# -- every request with a session -------------------------------------------------------


def _expired(request: HttpRequest, now: float) -> str:
    """Why the session is over ("idle", "lifetime"), or "" while it is not."""
    started = request.session.get(STARTED)
    seen = request.session.get(SEEN)
    if started is None or seen is None:
        return ""  # signed in before these stamps existed: stamped below
    if now - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
        return "lifetime"
    if now - seen > settings.SESSION_IDLE_MINUTES * 60:
        return "idle"
    return ""


def _demote(request: HttpRequest, user: User, owed: Owed) -> None:
    """Signed in but owing a factor: back to a pending half-step, signed out."""
    backend = request.session.get(BACKEND_SESSION_KEY)
    for key in (SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY, DEVICE_ID_SESSION_KEY):
        request.session.pop(key, None)
    if backend:
        user.backend = backend
    pending_begin(request, user, owed)
    request.user = AnonymousUser()


class GateMiddleware:
    """Runs after django-otp's middleware: decides, with `second_factor_owed`, whether
    the session's user is signed in at all, and ends idle or too old sessions."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = _now()
            if ended := _expired(request, now):
                logout(request)
                request.session[ENDED] = ended
            else:
                owed = second_factor_owed(user, verified=user.is_verified())  # type: ignore[union-attr,attr-defined]
                if owed is not None:
                    _demote(request, user, owed)  # type: ignore[arg-type]
                else:
                    request.session.setdefault(STARTED, now)
                    if now - request.session.get(SEEN, 0) >= SEEN_RESOLUTION:
                        request.session[SEEN] = now
        return self.get_response(request)
