from __future__ import annotations

import datetime as dt

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from acuflow.accounts.gate import token_refusal
from acuflow.accounts.models import TOKEN_LIFETIME, ApiToken, Clinic, User
from acuflow.core import throttle
from acuflow.core.errors import DomainError

# Password links mailed to one address, and link requests from one client address.
LINKS_PER_EMAIL = throttle.Rate("password-link-email", 3, dt.timedelta(hours=1))
LINKS_PER_ADDRESS = throttle.Rate("password-link-address", 20, dt.timedelta(hours=1))


def api_token_issue(
    *,
    user: User,
    name: str = "",
    lifetime: dt.timedelta = TOKEN_LIFETIME,
    second_factor_checked: bool = False,
) -> tuple[ApiToken, str]:
    """Issue a new API token: the row and the token itself, shown this once. A user
    whose clinic requires two factors gets one only after a code was checked for this
    issue (`second_factor_checked`, the page under My account) and never without an
    enrolled authenticator."""
    if not user.is_active:
        raise DomainError("forbidden", _("This account is not active."))
    membership = getattr(user, "membership", None)
    required = membership is not None and membership.clinic.require_2fa
    if token_refusal(user) is not None or (required and not second_factor_checked):
        raise DomainError(
            "second_factor_required",
            _(
                "Your clinic requires two-factor authentication: issue API tokens under "
                "My account, with a code from your authenticator app."
            ),
        )
    if lifetime <= dt.timedelta(0) or lifetime > dt.timedelta(days=366):
        raise DomainError("invalid_lifetime", _("A token lasts 1 to 366 days."), "days")
    with transaction.atomic():
        return ApiToken.create_for(user, name=name.strip()[:100], lifetime=lifetime)


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke one token (again is harmless: the first revocation's time stays)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every live token of `user` (password change, `acuflow token --revoke`)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def clinic_update(*, clinic: Clinic, data: dict[str, object]) -> Clinic:
    for key, value in data.items():
        setattr(clinic, key, value)
    clinic.full_clean()
    clinic.save(update_fields=list(data))
    return clinic


def password_link_send(*, user: User, base_url: str, invitation: bool = False) -> bool:
    """E-mail `user` a one-time link to set their password, in their language (or their
    clinic's). The link works until the password changes or for PASSWORD_RESET_TIMEOUT
    (Django's token generator). An invitation says who invited them to which clinic.
    Inactive users get nothing; returns whether a message was sent."""
    if not user.is_active:
        return False
    membership = getattr(user, "membership", None)
    clinic = membership.clinic if membership is not None else None
    language = user.language or (clinic.language if clinic is not None else "") or "en"
    path = reverse(
        "accounts:password_set",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "clinic": clinic,
        "url": base_url.rstrip("/") + path,
        "invitation": invitation,
    }
    with translation.override(language):
        subject = render_to_string("accounts/email/password_link_subject.txt", context)
        body = render_to_string("accounts/email/password_link.txt", context)
    reply_to = [clinic.email] if clinic is not None and clinic.email else None
    EmailMessage(
        subject=" ".join(subject.split()), body=body, to=[user.email], reply_to=reply_to
    ).send()
    return True


def password_link_request(*, email: str, client_address: str | None, base_url: str) -> None:
    """'Forgot your password?': mail a link when the address is an active account and
    neither the address nor the client asked too often in the last hour. Every request
    is counted, known address or not, so the limits say nothing about who has an
    account; the caller shows the same answer in every case."""
    email = email.strip().lower()
    for_email = throttle.attempt(LINKS_PER_EMAIL, email)
    from_client = throttle.attempt(LINKS_PER_ADDRESS, client_address)
    if not (for_email.allowed and from_client.allowed):
        return
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is not None:
        password_link_send(user=user, base_url=base_url)
