"""What happens around an account without a view asking for it: a changed password
revokes the user's API tokens; failed sign-ins and lockouts become security events."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from acuflow.accounts.models import User
from acuflow.accounts.services import api_tokens_revoke_all
from acuflow.audit.models import SecurityKind
from acuflow.audit.services import security_event
from acuflow.core.actor import client_address


@receiver(post_save, sender=User, dispatch_uid="acuflow-revoke-tokens-on-password")
def _revoke_tokens_on_password_change(sender: Any, instance: User, **kwargs: Any) -> None:
    if getattr(instance, "_password_changed", False):
        instance._password_changed = False
        if not kwargs.get("created"):
            api_tokens_revoke_all(user=instance)


def _attempt(request: HttpRequest | None, email: str, *, kind: str, reason: str) -> None:
    email = (email or "").strip().lower()
    user = User.objects.filter(email=email).select_related("membership").first() if email else None
    membership = getattr(user, "membership", None) if user is not None else None
    security_event(
        kind=kind,
        reason=reason,
        clinic_id=membership.clinic_id if membership is not None else None,
        user_id=user.pk if user is not None else None,
        actor_label=email,
        target_type="accounts.user",
        target_id=str(user.pk) if user is not None else "",
        path=request.path if request is not None else "",
        client_address=client_address(request) if request is not None else None,
    )


@receiver(user_login_failed, dispatch_uid="acuflow-sign-in-failed")
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any
) -> None:
    locked = bool(getattr(request, "axes_locked_out", False))
    _attempt(
        request,
        str(credentials.get("email") or credentials.get("username") or ""),
        kind=SecurityKind.SIGN_IN_FAILED,
        reason="locked out" if locked else "wrong email or password",
    )


@receiver(user_locked_out, dispatch_uid="acuflow-lockout")
def _locked_out(sender: Any, request: Any, username: str, ip_address: str, **_: Any) -> None:
    _attempt(request, username, kind=SecurityKind.LOCKOUT, reason="too many failed sign-ins")
