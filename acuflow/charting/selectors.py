"""Reads of charted sessions. Every read is scoped to the actor's clinic (404 outside it)
and audited; `home_care_for_patient` serves the portal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from acuflow.audit.models import Action
from acuflow.charting import catalogue
from acuflow.charting.models import Session, SessionDraft, SessionQuerySet
from acuflow.core.access import get_for_actor
from acuflow.core.prepared import MARKER_ID, MARKER_OTHER_ID, MARKER_THIRD_ID, Prepared
from acuflow.protocols import selectors as protocol_selectors
from acuflow.protocols.models import Course

if TYPE_CHECKING:
    from acuflow.core.actor import Actor
    from acuflow.patients.models import Patient


def course_get_for_actor(*, actor: Actor, course_id: int | str, audit: bool = True) -> Course:
    """The course in the actor's clinic (404 otherwise); clinical roles only (403)."""
    return protocol_selectors.course_get_for_actor(
        actor=actor, course_id=course_id, audit=Action.READ if audit else None
    )


def _courses_to_chart() -> QuerySet[Course]:
    drafts = SessionDraft.objects.filter(course=OuterRef("pk"), user_id=MARKER_THIRD_ID)
    return protocol_selectors.courses_to_record().annotate(has_draft=Exists(drafts))


# The API's save reads its course with this on every call: compiled once.
_COURSE_TO_CHART = Prepared(
    Course, _courses_to_chart, clinic=MARKER_ID, pk=MARKER_OTHER_ID, user=MARKER_THIRD_ID
)


def course_to_chart(*, actor: Actor, course_id: int | str) -> Course:
    """The course a session is charted in (the API's save): scoped (404) and for
    clinical roles (403) like `course_get_for_actor`, with only what the save needs
    (patient and assessment), not audited (the session's own audit row is).
    `has_draft`: whether the actor has a draft of this course's screen, which the save
    then deletes (most saves have none: no DELETE for them)."""
    return protocol_selectors.course_to_record(
        actor=actor,
        course_id=course_id,
        lookup=_COURSE_TO_CHART,
        marked={"user": actor.user.pk if actor.user is not None else 0},
    )


def session_list_for_patient(*, actor: Actor, patient: Patient) -> QuerySet[Session]:
    """Newest first. The caller fetched `patient` through patient_get_for_actor."""
    if patient.clinic_id != actor.clinic.pk:
        raise Http404("patient not found")
    return sessions_of(clinic_id=actor.clinic.pk, patient_id=patient.pk).with_people()


def sessions_of(*, clinic_id: int, patient_id: int) -> SessionQuerySet:
    """The sessions `session_list_for_patient` lists, by ids (a lookup compiled once
    builds it with markers)."""
    return Session.objects.for_clinic(clinic_id).filter(patient_id=patient_id)


def session_get_for_actor(*, actor: Actor, session_id: int | str) -> Session:
    return get_for_actor(
        Session.objects.for_clinic(actor.clinic)
        .with_people()
        .select_related("patient", "course__practitioner__user"),
        actor=actor,
        pk=session_id,
        what="session",
    )


def previous_session(*, course: Course) -> Session | None:
    """The patient's latest session (any course), to copy from."""
    return (
        Session.objects.filter(patient_id=course.patient_id).order_by("-started_at", "-id").first()
    )


def draft_for(*, course: Course, user: Any) -> SessionDraft | None:
    return SessionDraft.objects.filter(course=course, user=user).first()


def home_care_for_patient(patient: Patient) -> list[dict[str, Any]]:
    """The acupressure a patient was given to do at home, latest instruction per point:
    point code, plain-words location, duration (minutes), frequency, instructions.

    For the portal (the patient's own data): no actor, no audit here; the caller audits.
    """
    seen: dict[str, dict[str, Any]] = {}
    rows = (
        Session.objects.filter(patient=patient)
        .exclude(home_care=[])
        .order_by("-started_at", "-id")
        .values_list("started_at", "home_care")[:50]
    )
    for started_at, items in rows:
        for item in items or []:
            code = item.get("point")
            if not code or code in seen:
                continue
            found = catalogue.point(code)
            location = item.get("location") or (
                ", ".join(found.region_labels(patient.language)) if found else ""
            )
            seen[code] = {
                "point": code,
                "name": found.pinyin if found and found.kind != "ashi" else "",
                "location": location,
                "duration_minutes": item.get("duration_minutes"),
                "frequency": item.get("frequency", ""),
                "instructions": item.get("instructions", ""),
                "given_at": started_at,
            }
    return list(seen.values())


def session_ids_for_appointments(appointment_ids: list[int]) -> dict[int, int]:
    """appointment id -> the session charted for it (one query for a whole day's list).
    For scheduling, which holds the appointments (and scoped them to the clinic)."""
    if not appointment_ids:
        return {}
    rows = (
        Session.objects.filter(appointment_ref__in=appointment_ids)
        .order_by("started_at", "id")
        .values_list("appointment_ref", "id")
    )
    found: dict[int, int] = {}
    for appointment_id, session_id in rows:
        if appointment_id is not None:
            found.setdefault(appointment_id, session_id)
    return found
