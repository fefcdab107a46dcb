"""Signed, expiring, one-time links through which a patient fills a questionnaire.

The token is `django.core.signing` over (link id, nonce): it cannot be forged or edited.
The nonce lives in the database with the expiry and the moment of use, so a link works
once and until it expires, and staff can see whether it was used.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.charting.models import Session
from acuflow.core.actor import Actor
from acuflow.outcomes import catalog
from acuflow.outcomes.models import InstrumentText, Response, ResponseLink, Source
from acuflow.outcomes.services import response_record

if TYPE_CHECKING:
    from acuflow.patients.models import Patient
    from acuflow.protocols.models import Course

SALT = "acuflow.outcomes.response-link"
MAX_HOURS = 24 * 30


class LinkInvalid(Exception):
    """reason: 'invalid' (bad signature or unknown), 'expired' or 'used'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def patient_actor(patient: Patient, *, client_address: str | None = None, path: str = "") -> Actor:
    """The patient acting through a link: no staff user, channel 'portal'."""
    return Actor(
        user=None,
        clinic=patient.clinic,
        role="patient",
        channel="portal",
        client_address=client_address,
        path=path[:300],
        on_behalf_of=f"patient {patient.pk}",
    )


def clinic_text(patient: Patient, instrument: str, language: str) -> dict[str, Any] | None:
    text = InstrumentText.objects.filter(
        clinic_id=patient.clinic_id, instrument=instrument, language=language
    ).first()
    return text.content if text else None


def make_response_link(
    *,
    patient: Patient,
    instrument: str,
    course: Course | None = None,
    session: Any = None,
    expires_hours: int = 72,
    actor: Actor,
) -> str:
    """The path (with the patient's language prefix, e.g. /nl/questionnaire/<token>/) of a
    new one-time link, made by `actor` (the link is written to the patient's record and
    its audit trail). ValueError for a staff-only instrument, a licensed instrument the
    clinic has no text for in the patient's language, or a course of another patient."""
    definition = catalog.get(instrument)
    if "patient" not in definition["audience"]:
        raise ValueError(f"{instrument} is filled in by the practitioner")
    if catalog.is_licensed(definition) and not clinic_text(patient, instrument, patient.language):
        raise ValueError(f"no licensed {instrument} text loaded in {patient.language}")
    if session is not None and course is None:
        course = session.course
    if course is not None and course.patient_id != patient.pk:
        raise ValueError("the course belongs to another patient")
    if not 1 <= expires_hours <= MAX_HOURS:
        raise ValueError(f"expires_hours must be 1..{MAX_HOURS}")
    nonce = secrets.token_urlsafe(24)
    link = ResponseLink(
        patient=patient,
        course=course,
        session_ref=session.pk if session is not None else None,
        instrument=instrument,
        nonce=nonce,
        expires_at=timezone.now() + dt.timedelta(hours=expires_hours),
        created_by=actor.user,
    )
    link.full_clean()
    with transaction.atomic():
        link.save()
        audit_record(actor=actor, action=Action.CREATE, patient=patient, obj=link)
    token = signing.dumps({"l": link.pk, "n": nonce}, salt=SALT)
    with translation.override(patient.language):
        return reverse("outcomes_public:fill", kwargs={"token": token})


def link_from_token(token: str, *, for_update: bool = False) -> ResponseLink:
    try:
        data = signing.loads(token, salt=SALT, max_age=dt.timedelta(hours=MAX_HOURS))
    except signing.SignatureExpired:
        raise LinkInvalid("expired")
    except signing.BadSignature:
        raise LinkInvalid("invalid")
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("n"), str)
        or not isinstance(data.get("l"), int)
    ):
        raise LinkInvalid("invalid")
    qs = ResponseLink.objects.select_related("patient__clinic", "course")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    link = qs.filter(pk=data["l"], nonce=data["n"]).first()
    if link is None:
        raise LinkInvalid("invalid")
    if link.used_at is not None:
        raise LinkInvalid("used")
    if link.expires_at <= timezone.now():
        raise LinkInvalid("expired")
    return link


def session_for_link(link: ResponseLink) -> Any:
    if link.session_ref is None:
        return None
    return Session.objects.filter(pk=link.session_ref, patient_id=link.patient_id).first()


def link_submit(
    *,
    token: str,
    answers: Any,
    language: str,
    client_address: str | None = None,
    path: str = "",
) -> Response:
    """Record the patient's answers and use the link up, in one transaction: a second
    submit (or a race of two) finds the link used. Raises LinkInvalid or AnswerError."""
    with transaction.atomic():
        link = link_from_token(token, for_update=True)
        response = response_record(
            actor=patient_actor(link.patient, client_address=client_address, path=path),
            patient=link.patient,
            instrument=link.instrument,
            answers=answers,
            course=link.course,
            session=session_for_link(link),
            source=Source.PATIENT_LINK,
            language=language,
        )
        link.used_at = timezone.now()
        link.response = response
        link.save(update_fields=["used_at", "response"])
    return response
