"""Staff authentication: Django's model backend, loading what every staff request needs
in the one query that finds the signed-in user (clinic membership, practitioner record,
whether a second factor is enrolled, and the authenticator the session was verified
with) instead of one query for each on first use. The query is compiled once
(acuflow.core.prepared): it runs on every signed-in request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, FilteredRelation, OuterRef, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from acuflow.accounts.models import User
from acuflow.core.prepared import MARKER_ID, MARKER_OTHER_ID, Prepared

# The id of the TOTP device the session names, while the OTP middleware loads the
# session's user: the same query then brings that device along (`session_device`),
# when it is confirmed and the user's.
_session_device: ContextVar[int] = ContextVar("session_device", default=0)


@contextmanager
def loading_session_device(device_id: int) -> Iterator[None]:
    token = _session_device.set(device_id)
    try:
        yield
    finally:
        _session_device.reset(token)


def session_device(user: Any) -> TOTPDevice | None:
    """The device the user's session named, loaded with the user; None when there was
    none, it is gone, unconfirmed or someone else's, or the user was loaded otherwise."""
    return getattr(user, "session_device", None)


def _signed_in_users() -> QuerySet[User]:
    confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    named = Q(totpdevice__pk=MARKER_OTHER_ID, totpdevice__confirmed=True)
    return (
        User._default_manager.annotate(
            has_confirmed_device=Exists(confirmed),
            session_device=FilteredRelation("totpdevice", condition=named),
        )
        .select_related("membership__clinic", "practitioner", "session_device")  # type: ignore[misc]
        .filter(pk=MARKER_ID)
    )


_SIGNED_IN_USER = Prepared(User, _signed_in_users, pk=MARKER_ID, device=MARKER_OTHER_ID)


class StaffBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        try:
            pk = int(user_id)
        except (ValueError, TypeError):
            return None
        if not 0 < pk < 2**63:  # beyond the id column: nobody, not a database error
            return None
        user = _SIGNED_IN_USER.first(pk=pk, device=_session_device.get())  # 0: no device
        return user if user is not None and self.user_can_authenticate(user) else None


def has_second_factor(user: Any) -> bool:
    """Whether the user has a confirmed device; from the sign-in query when it ran."""
    known = getattr(user, "has_confirmed_device", None)
    if known is not None:
        return bool(known)
    from django_otp import user_has_device

    return user_has_device(user)
