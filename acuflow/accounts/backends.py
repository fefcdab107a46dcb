"""Staff authentication: Django's model backend, loading what every staff request needs
in the one query that finds the signed-in user (clinic membership, practitioner record,
whether a second factor is enrolled) instead of one query for each on first use. The
query is compiled once (acuflow.core.prepared): it runs on every signed-in request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from acuflow.accounts.models import User
from acuflow.core.prepared import MARKER_ID, Prepared


def _signed_in_users() -> QuerySet[User]:
    confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return (
        User._default_manager.select_related("membership__clinic", "practitioner")
        .annotate(has_confirmed_device=Exists(confirmed))
        .filter(pk=MARKER_ID)
    )


_SIGNED_IN_USER = Prepared(User, _signed_in_users, pk=MARKER_ID)


class StaffBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        try:
            pk = int(user_id)
        except (ValueError, TypeError):
            return None
        if not 0 < pk < 2**63:  # beyond the id column: nobody, not a database error
            return None
        user = _SIGNED_IN_USER.first(pk=pk)
        return user if user is not None and self.user_can_authenticate(user) else None


def has_second_factor(user: Any) -> bool:
    """Whether the user has a confirmed device; from the sign-in query when it ran."""
    known = getattr(user, "has_confirmed_device", None)
    if known is not None:
        return bool(known)
    from django_otp import user_has_device

    return user_has_device(user)
