"""Reads of protocols and courses, scoped to the actor's clinic (404 outside it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404

from acuflow.core.access import get_for_actor, object_id
from acuflow.core.prepared import MARKER_ID, MARKER_OTHER_ID, Prepared
from acuflow.protocols import catalogue, outcome
from acuflow.protocols.models import (
    ClinicOutcomeThresholds,
    Course,
    CourseObservation,
    PlannedSession,
    Protocol,
)

if TYPE_CHECKING:
    from acuflow.core.actor import Actor
    from acuflow.patients.models import Patient


def protocol_list(
    *, actor: Actor, condition: str | None = None, modality: str | None = None
) -> QuerySet[Protocol]:
    """Shipped defaults and the clinic's own copies (copies first within a pair)."""
    qs = Protocol.objects.available_to(actor.clinic)
    if condition:
        qs = qs.filter(condition=condition)
    if modality:
        qs = qs.filter(modality=modality)
    return qs.order_by("condition", "modality", F("clinic").asc(nulls_last=True), "id")


def protocol_get_for_actor(
    *, actor: Actor, protocol_id: int | str, include_inactive: bool = False
) -> Protocol:
    qs = Protocol.objects.filter(Q(clinic__isnull=True) | Q(clinic=actor.clinic))
    if not include_inactive:
        qs = qs.filter(active=True)
    protocol = qs.filter(pk=object_id(protocol_id, "protocol")).first()
    if protocol is None:
        raise Http404("protocol not found")
    return protocol


def _course_qs() -> QuerySet[Course]:
    return Course.objects.select_related(
        "patient",
        "patient__clinic",
        "assessment",
        "protocol",
        "practitioner__user",
        "closed_by",
    ).prefetch_related(
        Prefetch("planned_sessions", queryset=PlannedSession.objects.order_by("number"))
    )


def course_get_for_actor(
    *,
    actor: Actor,
    course_id: int | str,
    audit: str | None = "read",
    for_update: bool = False,
    plan_and_status: bool = False,
    planned_sessions: bool = True,
) -> Course:
    """plan_and_status: only what the course's plan and status need (the API's read of
    a course): no practitioner, closer or clinic rows joined, each of which costs the
    planner more than its row costs to read. planned_sessions=False: no planned sessions
    loaded (a page that does not list them; a 1,000-session course has 1,000)."""
    qs = _course_qs()
    if plan_and_status:
        qs = qs.select_related(None).select_related("patient", "assessment", "protocol")
    if not planned_sessions:
        qs = qs.prefetch_related(None)
    course = get_for_actor(
        qs, actor=actor, pk=course_id, what="course", audit=audit, for_update=for_update
    )
    course.patient.clinic = actor.clinic  # the scope filter proved it
    return course


def courses_to_record() -> QuerySet[Course]:
    """The queryset of `course_to_record`, for a caller that compiles its own lookup
    from it (with an annotation of its own): markers `clinic` and `pk`."""
    return (
        Course.objects.select_related("patient", "assessment")
        .filter(patient__clinic_id=MARKER_ID, pk=MARKER_OTHER_ID)
        .order_by()
    )


# Every charted session reads its course first: compiled once (acuflow.core.prepared).
_COURSE_TO_RECORD = Prepared(Course, courses_to_record, clinic=MARKER_ID, pk=MARKER_OTHER_ID)


def course_to_record(
    *,
    actor: Actor,
    course_id: int | str,
    lookup: Prepared[Course] = _COURSE_TO_RECORD,
    marked: dict[str, int | str] | None = None,
) -> Course:
    """A course to record a session in (charting's save): the course with its patient
    and assessment, which the checks, the status refresh and the session need; no
    protocol (its JSON is ~2.7 KB), practitioner or planned sessions. Scoped to the
    actor's clinic (404) and clinical roles (403); not audited: the write's own audit
    row records it. `lookup`: one compiled from `courses_to_record()` with more
    columns, `marked` the values of its other markers."""
    course = get_for_actor(
        lookup, actor=actor, pk=course_id, what="course", audit=None, marked=marked
    )
    course.patient.clinic = actor.clinic  # the scope filter proved it
    return course


def course_with_plan(*, actor: Actor, course_id: int | str) -> tuple[Course, list[dict[str, Any]]]:
    """The API's read of a course: the course with what its plan and status need
    (patient, assessment, protocol joined) and its planned sessions as plain rows
    (number, date), scoped and audited like every read. No prefetch: one plain query
    for the plan costs a third of what the prefetch machinery does."""
    qs = Course.objects.select_related("patient", "assessment", "protocol")
    course = get_for_actor(qs, actor=actor, pk=course_id, what="course")
    course.patient.clinic = actor.clinic  # the scope filter proved it
    rows = PlannedSession.objects.filter(course_id=course.pk).order_by("number")
    planned = [{"number": n, "date": d} for n, d in rows.values_list("number", "date")]
    return course, planned


def course_for_booking(*, actor: Actor, course_id: int | str, audit: str | None = "read") -> Course:
    """A course to plan appointments for (reception books courses: not clinical), with
    its patient, practitioner and planned sessions. Scoped and audited like every read."""
    qs = Course.objects.select_related(
        "patient", "practitioner__user", "protocol"
    ).prefetch_related(
        Prefetch("planned_sessions", queryset=PlannedSession.objects.order_by("number"))
    )
    course = get_for_actor(
        qs, actor=actor, pk=course_id, what="course", audit=audit, clinical=False
    )
    course.patient.clinic = actor.clinic  # the scope filter proved it
    return course


def course_sessions_observed(course: Course) -> list[dict[str, Any]]:
    """The course's sessions as charting reported them, oldest first: time and usual
    pain before needling."""
    rows = (
        CourseObservation.objects.filter(course=course, source="session")
        .order_by("at", "id")
        .values_list("at", "nrs")
    )
    return [{"at": at, "nrs": nrs} for at, nrs in rows]


def courses_for_patient(*, actor: Actor, patient: Patient) -> QuerySet[Course]:
    actor.require_clinical()
    return _course_qs().filter(patient=patient, patient__clinic=actor.clinic)


PAGE_COURSES = 20  # courses shown on the patient page


def courses_on_patient_page(*, request: Any, actor: Actor, patient: Patient) -> list[Course]:
    """The patient's latest courses, loaded once per request for all sections of the
    patient page (courses, booking, charting, outcomes) instead of once by each. Not
    clinical by itself: reception books courses; the clinical sections check the role."""
    memo = request.__dict__.setdefault("_courses_on_patient_page", {})
    if patient.pk not in memo:
        memo[patient.pk] = list(
            Course.objects.select_related("protocol")  # the sections show the protocol only
            .filter(patient=patient, patient__clinic=actor.clinic)
            .order_by("-start_date", "-id")[:PAGE_COURSES]
        )
    return memo[patient.pk]


def courses_needing_attention(*, actor: Actor) -> QuerySet[Course]:
    """Active courses of the clinic whose recommendation is review or stop_or_refer."""
    actor.require_clinical()
    return (
        Course.objects.select_related("patient", "protocol")
        .filter(
            patient__clinic=actor.clinic,
            state="active",
            recommendation__in=["review", "stop_or_refer"],
        )
        .order_by("-status_updated_at", "-id")
    )


def shipped_thresholds() -> outcome.Thresholds:
    return outcome.Thresholds(**catalogue.outcome_thresholds()["values"])


# Read by every charted session's status refresh: compiled once. One row at most per
# clinic (a one-to-one): no ORDER BY.
_THRESHOLDS = Prepared(
    ClinicOutcomeThresholds,
    lambda: ClinicOutcomeThresholds.objects.filter(clinic_id=MARKER_ID).order_by(),
    clinic=MARKER_ID,
)


def thresholds_for(clinic_id: int) -> outcome.Thresholds:
    """The clinic's responder thresholds, or the shipped ones."""
    row = _THRESHOLDS.first(clinic=clinic_id)
    return row.value() if row is not None else shipped_thresholds()


def thresholds_overview(*, clinic_id: int) -> dict[str, Any]:
    """The clinic's values beside the shipped default and its sources."""
    row = ClinicOutcomeThresholds.objects.filter(clinic_id=clinic_id).first()
    shipped = catalogue.outcome_thresholds()
    values = row.value() if row is not None else shipped_thresholds()
    return {
        "values": {f: getattr(values, f) for f in outcome.Thresholds.FIELDS},
        "default": dict(shipped["values"]),
        "sources": list(shipped["sources"]),
        "customised": row is not None,
        "note": row.note if row is not None else "",
        "updated_at": row.updated_at if row is not None else None,
    }
