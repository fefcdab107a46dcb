"""Reads of responses and course outcomes. Objects are always found through the actor's
clinic (404 outside it) and reads of a patient's data are audited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404

from acuflow.audit.models import Action
from acuflow.charting.models import Session
from acuflow.outcomes import catalog
from acuflow.outcomes.models import InstrumentText, Response
from acuflow.outcomes.scoring import responder_class
from acuflow.protocols import selectors as protocol_selectors

if TYPE_CHECKING:
    from acuflow.core.actor import Actor
    from acuflow.patients.models import Patient
    from acuflow.protocols import outcome
    from acuflow.protocols.models import Course

NRS_INSTRUMENTS = {"nrs"}


def course_get_for_actor(
    *,
    actor: Actor,
    course_id: int | str,
    audit: str | None = Action.READ,
    plan_and_status: bool = False,
) -> Course:
    """The course in the actor's clinic, or Http404; clinical roles only (403 otherwise).
    plan_and_status: patient, assessment, protocol and plan only (the outcome page; its
    planned sessions are not shown, so not loaded)."""
    return protocol_selectors.course_get_for_actor(
        actor=actor,
        course_id=course_id,
        audit=audit,
        plan_and_status=plan_and_status,
        planned_sessions=not plan_and_status,
    )


def session_get_for_course(*, course: Course, session_id: int) -> Session:
    """A charted session of this course, or Http404."""
    session = Session.objects.filter(pk=session_id, course=course).first()
    if session is None:
        raise Http404("session not found")
    return session


def responses_for_patient(*, patient: Patient) -> QuerySet[Response]:
    return Response.objects.filter(patient=patient).select_related("course")


def responses_for_course(course: Course) -> list[Response]:
    return list(Response.objects.filter(course=course).order_by("recorded_at", "id"))


def course_sessions(course: Course) -> list[dict[str, Any]]:
    """The charted sessions of the course in order, numbered from 1."""
    rows = (
        Session.objects.filter(course=course)
        .order_by("started_at", "id")
        .values_list("id", "started_at", "nrs_before", "nrs_after")
    )
    # Tuples made into the dicts here: one dict per session, not a values() dict copied.
    return [
        {"number": i, "id": pk, "started_at": at, "nrs_before": before, "nrs_after": after}
        for i, (pk, at, before, after) in enumerate(rows, start=1)
    ]


def psfs_activities(*, patient: Patient, course: Course | None) -> list[str]:
    """The PSFS activities named last (in the course, else for the patient): the same
    activities are rated again at every PSFS of a course."""
    qs = Response.objects.filter(patient=patient, instrument="psfs")
    if course is not None:
        qs = qs.filter(course=course)
    latest = qs.order_by("-recorded_at", "-id").first()
    if latest is None:
        return []
    return [a["name"] for a in latest.answers.get("activities", [])]


def clinic_texts(*, clinic: Any) -> dict[tuple[str, str], InstrumentText]:
    return {(t.instrument, t.language): t for t in InstrumentText.objects.filter(clinic=clinic)}


def _x_position(response: Response, sessions: list[dict[str, Any]]) -> float:
    """Where a response sits on the session axis: at its session when linked; otherwise
    half-way after the last session started before it (0.5 = before session 1)."""
    for session in sessions:
        if response.session_ref == session["id"]:
            return float(session["number"])
    started = [s for s in sessions if s["started_at"] <= response.recorded_at]
    return len(started) + 0.5 if sessions else 0.5


def course_outcomes(
    course: Course, *, language: str, thresholds: outcome.Thresholds | None = None
) -> dict[str, Any]:
    """Everything the outcome page, the API, the chart and the reports show of a course,
    in a constant number of queries (sessions, responses; the clinic's thresholds unless
    given)."""
    sessions = course_sessions(course)
    responses = responses_for_course(course)
    baseline = course.assessment.baseline_nrs
    t = thresholds or protocol_selectors.thresholds_for(course.patient.clinic_id)
    instruments: dict[str, dict[str, Any]] = {}
    for response in responses:
        definition = catalog.get(response.instrument)
        entry = instruments.setdefault(
            response.instrument,
            {
                "code": response.instrument,
                "name": catalog.localized(definition, language)["name"],
                "short_name": definition.get("short_name", response.instrument),
                "range": definition["scoring"]["range"],
                "direction": definition.get("direction", "lower_is_better"),
                "points": [],
            },
        )
        entry["points"].append(
            {
                "id": response.pk,
                "recorded_at": response.recorded_at,
                "score": response.score,
                "subscores": response.subscores,
                "interpretation": response.interpretation,
                "interpretation_label": catalog.band_label(
                    definition, response.interpretation, language
                ),
                "session_ref": response.session_ref,
                "x": _x_position(response, sessions),
            }
        )
    for code, entry in instruments.items():
        points = entry["points"]
        first, last = points[0]["score"], points[-1]["score"]
        entry["baseline"] = first
        entry["latest"] = last
        entry["change"] = round(last - first, 1)
        if code in NRS_INSTRUMENTS:
            # The course's pain response: one definition (protocols.outcome), judged
            # against the assessment's baseline with every follow-up score.
            entry["responder"] = course.response
        else:
            entry["responder"] = (
                responder_class(catalog.get(code), first, last) if len(points) > 1 else ""
            )
    return {
        "course": course,
        "baseline_nrs": baseline,
        # The clinic's moderate and substantial thresholds (the outcome model's numbers);
        # the NRS must also drop by `important_points`, so a line never sits above that.
        "responder_lines": {
            str(pct): round(
                max(0.0, min(baseline * (1 - pct / 100), baseline - t.important_points)), 2
            )
            for pct in (t.moderate_pct, t.substantial_pct)
        },
        "onset_session": course.onset_session,
        "review_session": course.review_session,
        "expected_sessions": course.expected_sessions,
        "sessions": sessions,
        "instruments": list(instruments.values()),
        "responses": responses,
    }
