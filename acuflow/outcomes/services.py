"""Writes: a questionnaire response (scored on save, audited, course status refreshed in
the same transaction) and a clinic's licensed instrument text."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core.errors import DomainError
from acuflow.outcomes import catalog, scoring
from acuflow.outcomes.models import InstrumentText, Response, Source
from acuflow.protocols.services import course_lock_open, course_observation_recorded

if TYPE_CHECKING:
    from acuflow.core.actor import Actor
    from acuflow.patients.models import Patient
    from acuflow.protocols.models import Course

# Instruments whose score is the usual pain NRS that drives the course status.
NRS_INSTRUMENTS = {"nrs"}


def usual_pain(instrument: str, answers: dict[str, Any]) -> int | None:
    """The usual-pain score (0..10) of an NRS questionnaire, the course's measure."""
    if instrument not in NRS_INSTRUMENTS or "usual" not in answers:
        return None
    return int(answers["usual"])


def response_record(
    *,
    actor: Actor,
    patient: Patient,
    instrument: str,
    answers: Any,
    course: Course | None = None,
    session: Any = None,
    recorded_at: dt.datetime | None = None,
    source: str = Source.STAFF,
    language: str | None = None,
) -> Response:
    """Score and save one response. Raises scoring.AnswerError for answers that cannot be
    scored, catalog.UnknownInstrument, or ValidationError for a course/session that does
    not belong to the patient."""
    definition = catalog.get(instrument)
    if session is not None:
        if course is None:
            course = session.course
        if session.course_id != course.pk or session.patient_id != patient.pk:
            raise ValidationError({"session": [_("The session belongs to another course.")]})
    if course is not None and course.patient_id != patient.pk:
        raise ValidationError({"course": [_("The course belongs to another patient.")]})
    if source == Source.PATIENT_LINK and "patient" not in definition["audience"]:
        raise ValidationError({"instrument": [_("This checklist is for the practitioner.")]})
    now = timezone.now()
    if recorded_at is not None and recorded_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"recorded_at": [_("The time cannot be in the future.")]})
    result = scoring.score(definition, answers)
    response = Response(
        patient=patient,
        course=course,
        session_ref=session.pk if session is not None else None,
        instrument=instrument,
        instrument_version=definition["version"],
        language=language or patient.language,
        answers=result.answers,
        score=float(result.score),
        subscores=result.subscores,
        interpretation=result.interpretation,
        source=source,
        entered_by=actor.user,
        recorded_at=recorded_at or now,
    )
    response.full_clean()
    pain = usual_pain(instrument, result.answers)
    with transaction.atomic():
        if course is not None and pain is not None:
            # A pain score changes the course: lock it first (a closed course keeps its
            # final status and takes the score as a record only).
            course_locked = _lock_course(course)
        response.save()
        audit_record(actor=actor, action=Action.CREATE, patient=patient, obj=response)
        if course is not None and pain is not None and course_locked:
            course_observation_recorded(
                course=course,
                at=response.recorded_at,
                nrs=pain,
                source="questionnaire",
                ref=response.pk,
            )
    return response


def _lock_course(course: Course) -> bool:
    """Lock the course row; True when it is open (its status follows new scores)."""
    try:
        course_lock_open(course)
    except DomainError:
        return False
    return True


def instrument_text_load(
    *,
    actor: Actor,
    instrument: str,
    language: str,
    content: Any,
    licence_reference: str = "",
) -> InstrumentText:
    """Store (or replace) the clinic's licensed text of an instrument in one language.
    Only the owner may; ValueError for a file that does not fit the instrument."""
    actor.require_owner()
    definition = catalog.get(instrument)
    if not catalog.is_licensed(definition):
        raise ValueError(_("This instrument ships its own text."))
    if language not in catalog.LANGUAGES:
        raise ValueError(_("Unknown language."))
    cleaned = catalog.validate_clinic_text(definition, content)
    with transaction.atomic():
        text, created = InstrumentText.objects.select_for_update().get_or_create(
            clinic=actor.clinic,
            instrument=instrument,
            language=language,
            defaults={"content": cleaned},
        )
        text.content = cleaned
        text.licence_reference = licence_reference[:200]
        text.loaded_by = actor.user
        text.loaded_at = timezone.now()
        text.full_clean()
        text.save()
        audit_record(
            actor=actor,
            action=Action.CREATE if created else Action.UPDATE,
            patient=None,
            obj=text,
        )
    return text
