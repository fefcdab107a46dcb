"""Portal sign-in: one-time links, optional password, and the portal's own sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable

from django.contrib.auth.password_validation import validate_password
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core import throttle
from acuflow.patients.models import Patient
from acuflow.portal import rules
from acuflow.portal.actor import PatientActor
from acuflow.portal.models import PortalAccount, PortalSession, SignInLink


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def patients_with_email(email: str) -> list[Patient]:
    email = email.strip()
    if not email:
        return []
    # A duplicate merged into another record is no one's to sign in to: its data moved.
    return list(Patient.objects.current().filter(email__iexact=email).select_related("clinic"))


def site_sign_in_url(token: str, language: str) -> str:
    """The sign-in link under settings.SITE_URL, for links sent without a request."""
    from django.conf import settings
    from django.urls import reverse

    with translation.override(language):
        return f"{settings.SITE_URL}{reverse('portal:sign_in', args=[token])}"


def sign_in_links_send(
    *,
    email: str,
    client_address: str | None,
    make_url: Callable[[str, str], str] = site_sign_in_url,
) -> bool:
    """Email a one-time link to each patient record with this address. Answers False when
    throttled; True otherwise, whether or not the address is known (no enumeration).
    `make_url` builds the link from the request when there is one; SITE_URL otherwise."""
    now = timezone.now()
    for_email = throttle.attempt(rules.LINKS_PER_EMAIL, email.strip().lower())
    from_address = throttle.attempt(rules.ATTEMPTS_PER_ADDRESS, client_address)
    if not (for_email.allowed and from_address.allowed):
        return False
    for patient in patients_with_email(email):
        token = secrets.token_urlsafe(32)
        with transaction.atomic():
            SignInLink.objects.create(
                patient=patient,
                token_hash=_hash(token),
                created_at=now,
                expires_at=now + rules.LINK_LIFETIME,
            )
        with translation.override(patient.language):
            context = {
                "patient": patient,
                "url": make_url(token, patient.language),
                "minutes": int(rules.LINK_LIFETIME.total_seconds() // 60),
            }
            subject = render_to_string("portal/email_link_subject.txt", context).strip()
            body = render_to_string("portal/email_link.txt", context)
        send_mail(subject, body, None, [patient.email])
    return True


def session_start(*, patient: Patient) -> tuple[PortalSession, str]:
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        session = PortalSession.objects.create(
            patient=patient,
            key_hash=_hash(key),
            created_at=now,
            last_seen_at=now,
            expires_at=now + rules.SESSION_MAX,
        )
        account, _created = PortalAccount.objects.get_or_create(patient=patient)
        account.last_sign_in_at = now
        account.save(update_fields=["last_sign_in_at"])
    return session, key


def sign_in_link_find(*, token: str) -> SignInLink | None:
    link = SignInLink.objects.filter(token_hash=_hash(token)).select_related("patient").first()
    if link is None or not rules.link_valid(
        now=timezone.now(), expires_at=link.expires_at, used_at=link.used_at
    ):
        return None
    return link


def sign_in_link_use(*, token: str) -> tuple[PortalSession, str] | None:
    """Use a link once: it is marked used in the same transaction that starts the session,
    and a link used, expired or unknown gives None."""
    with transaction.atomic():
        link = (
            SignInLink.objects.select_for_update()
            .filter(token_hash=_hash(token))
            .select_related("patient")
            .first()
        )
        now = timezone.now()
        if link is None or not rules.link_valid(
            now=now, expires_at=link.expires_at, used_at=link.used_at
        ):
            return None
        link.used_at = now
        link.save(update_fields=["used_at"])
        return session_start(patient=link.patient)


def password_sign_in(
    *, email: str, password: str, client_address: str | None
) -> tuple[PortalSession, str] | None | bool:
    """A session for the patient with this email and password; None when they do not
    match, False when too many attempts failed."""
    from_address = throttle.attempt(rules.ATTEMPTS_PER_ADDRESS, client_address)
    # Counted as a failure up front (so parallel guesses cannot all pass the check),
    # given back when the password matches.
    failure = throttle.attempt(rules.PASSWORD_FAILURES, email.strip().lower())
    if not (from_address.allowed and failure.allowed):
        return False
    match = None
    accounts = PortalAccount.objects.filter(patient__email__iexact=email.strip()).exclude(
        password=""
    )
    for account in accounts.select_related("patient"):
        if account.check_password(password):
            match = account.patient
            break
    if match is None:
        return None
    throttle.give_back(failure)
    return session_start(patient=match)


def session_for_key(key: str) -> PortalSession | None:
    if not key:
        return None
    session = (
        PortalSession.objects.filter(key_hash=_hash(key)).select_related("patient__clinic").first()
    )
    now = timezone.now()
    if session is None or not rules.session_valid(
        now=now,
        created_at=session.created_at,
        last_seen_at=session.last_seen_at,
        ended_at=session.ended_at,
    ):
        return None
    if now - session.last_seen_at > dt.timedelta(minutes=1):
        session.last_seen_at = now
        session.save(update_fields=["last_seen_at"])
    return session


def session_end(*, session: PortalSession) -> None:
    session.ended_at = timezone.now()
    session.save(update_fields=["ended_at"])


def portal_password_set(*, actor: PatientActor, patient: Patient, password: str) -> PortalAccount:
    validate_password(password)
    with transaction.atomic():
        account, _created = PortalAccount.objects.select_for_update().get_or_create(patient=patient)
        account.set_password(password)
        account.full_clean()
        account.save(update_fields=["password"])
        audit_record(actor=actor, action=Action.UPDATE, patient=patient, obj=account)
    return account
