from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from acuflow.accounts.api_auth import api_actor
from acuflow.accounts.models import Modality, Practitioner
from acuflow.assessment import catalogue as assessment_catalogue
from acuflow.assessment.models import Assessment
from acuflow.core.api.answers import json_answer
from acuflow.core.api.errors import ApiError
from acuflow.core.api.schemas import (
    ClinicalDate,
    ErrorOut,
    Limit,
    Offset,
    SafeLine,
    SafeStr,
    StrictIn,
    paged,
)
from acuflow.patients.selectors import patient_get_for_actor
from acuflow.protocols import selectors, services
from acuflow.protocols.models import Course, Protocol

router = Router(tags=["protocols"])

LangText = dict[str, str]


class SourceOut(Schema):
    citation: str
    supports: str = ""
    kind: str = Field(
        default="research", description="research, clinic (a clinic's experience) or default"
    )


class ProtocolOut(Schema):
    id: int
    key: str
    name: str
    condition: str
    modality: str
    cadence_days: int
    cadence_max_days: int | None
    expected_sessions: int
    onset_session: int
    lasting_session: int | None
    review_session: int
    max_sessions: int
    single_session_onset_days: int | None
    onset_days: int | None
    review_days: int | None
    other_instrument: str
    home_care: str
    expectations: str
    sources: list[SourceOut]
    point_set: list[str]
    notes: str
    shipped: bool
    based_on: int | None


class ProtocolList(Schema):
    items: list[ProtocolOut]
    count: int


class SourceIn(StrictIn):
    citation: SafeStr = Field(min_length=3, max_length=500)
    supports: SafeStr = Field(default="", max_length=1000)
    kind: Literal["research", "clinic", "default"] = "research"


class ProtocolPatchIn(StrictIn):
    name: dict[str, SafeLine] | None = None
    cadence_days: int | None = Field(default=None, ge=1, le=90)
    cadence_max_days: int | None = Field(default=None, ge=1, le=180)
    expected_sessions: int | None = Field(default=None, ge=1, le=60)
    onset_session: int | None = Field(default=None, ge=1, le=60)
    lasting_session: int | None = Field(default=None, ge=1, le=60)
    review_session: int | None = Field(default=None, ge=1, le=60)
    max_sessions: int | None = Field(default=None, ge=1, le=100)
    single_session_onset_days: int | None = Field(default=None, ge=1, le=365)
    onset_days: int | None = Field(default=None, ge=1, le=365)
    review_days: int | None = Field(default=None, ge=1, le=730)
    other_instrument: Literal["", "psfs", "ms_diary", "peg"] | None = None
    home_care: dict[str, SafeStr] | None = None
    expectations: dict[str, SafeStr] | None = None
    sources: list[SourceIn] | None = Field(default=None, min_length=1, max_length=20)
    point_set: list[SafeLine] | None = Field(default=None, max_length=60)
    notes: SafeStr | None = Field(default=None, max_length=2000)
    active: bool | None = None


def protocol_out(p: Protocol) -> dict[str, Any]:
    return {
        "id": p.pk,
        "key": p.key,
        "name": p.label(),
        "condition": p.condition,
        "modality": p.modality,
        "cadence_days": p.cadence_days,
        "cadence_max_days": p.cadence_max_days,
        "expected_sessions": p.expected_sessions,
        "onset_session": p.onset_session,
        "lasting_session": p.lasting_session,
        "review_session": p.review_session,
        "max_sessions": p.max_sessions,
        "single_session_onset_days": p.single_session_onset_days,
        "onset_days": p.onset_days,
        "review_days": p.review_days,
        "other_instrument": p.other_instrument,
        "home_care": assessment_catalogue.text(p.home_care),
        "expectations": assessment_catalogue.text(p.expectations),
        "sources": p.sources,
        "point_set": p.point_set,
        "notes": p.notes,
        "shipped": p.shipped,
        "based_on": p.based_on_id,
    }


@router.get("/protocols", response=ProtocolList, summary="Protocol catalogue")
def list_protocols(
    request: HttpRequest,
    condition: str | None = Query(None, max_length=40),
    modality: str | None = Query(None, max_length=24),
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    actor = api_actor(request)
    if condition and condition not in assessment_catalogue.condition_codes():
        raise ApiError(
            422,
            "validation_error",
            "condition: unknown condition",
            {"condition": ["unknown condition"]},
        )
    if modality and modality not in Modality.values:
        raise ApiError(
            422,
            "validation_error",
            "modality: unknown modality",
            {"modality": ["unknown modality"]},
        )
    qs = selectors.protocol_list(actor=actor, condition=condition, modality=modality)
    items, count = paged(qs, limit, offset)
    return {"items": [protocol_out(p) for p in items], "count": count}


@router.get("/protocols/{protocol_id}", response=ProtocolOut, summary="One protocol")
def get_protocol(request: HttpRequest, protocol_id: int) -> dict[str, Any]:
    actor = api_actor(request)
    return protocol_out(selectors.protocol_get_for_actor(actor=actor, protocol_id=protocol_id))


@router.post(
    "/protocols/{protocol_id}/copy",
    response={201: ProtocolOut},
    summary="Copy a protocol into the clinic's own, editable catalogue (owner)",
)
def copy_protocol(request: HttpRequest, protocol_id: int) -> Status[dict[str, Any]]:
    actor = api_actor(request)
    protocol = selectors.protocol_get_for_actor(actor=actor, protocol_id=protocol_id)
    return Status(201, protocol_out(services.protocol_copy(actor=actor, protocol=protocol)))


@router.patch(
    "/protocols/{protocol_id}",
    response={200: ProtocolOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Edit the clinic's copy (owner)",
    description="409 `shipped_protocol`: copy a shipped protocol (POST .../copy) first.",
)
def patch_protocol(
    request: HttpRequest, protocol_id: int, payload: ProtocolPatchIn
) -> dict[str, Any]:
    actor = api_actor(request)
    data = payload.dict(exclude_unset=True)
    nullable = {
        "cadence_max_days",
        "lasting_session",
        "single_session_onset_days",
        "onset_days",
        "review_days",
    }
    nulls = sorted(k for k, v in data.items() if v is None and k not in nullable)
    if nulls:
        raise ApiError(
            422,
            "validation_error",
            f"{', '.join(nulls)}: may not be null",
            {k: ["may not be null"] for k in nulls},
        )
    for key in ("notes",):
        if key in data and data[key] is None:
            data[key] = ""
    with transaction.atomic():
        protocol = selectors.protocol_get_for_actor(
            actor=actor, protocol_id=protocol_id, include_inactive=True
        )
        protocol = services.protocol_update(actor=actor, protocol=protocol, data=data)
    return protocol_out(protocol)


# -- courses -------------------------------------------------------------------------
class CourseIn(StrictIn):
    assessment: int
    protocol: int
    practitioner: int | None = None
    start_date: ClinicalDate | None = None


class PlannedOut(Schema):
    number: int
    date: dt.date


ResponseCode = Literal[
    "not_measured",
    "not_assessable_by_nrs",
    "worse",
    "none",
    "minimal",
    "moderate",
    "substantial",
]
RecommendationCode = Literal["measure", "continue", "review", "stop_or_refer", "complete"]


class StatusOut(Schema):
    sessions_done: int
    expected_sessions: int
    first_session_at: dt.datetime | None
    baseline_nrs: int
    latest_nrs: int | None = Field(
        description="Newest usual-pain score before needling at a session after the first, "
        "or an NRS questionnaire after the first session; null when none"
    )
    latest_nrs_at: dt.datetime | None
    latest_nrs_stale: bool = Field(
        description="The score is older than the protocol's longest interval before the "
        "latest session"
    )
    change_points: int | None = Field(description="baseline - latest (positive is better)")
    change_pct: float | None = Field(description="change_points / baseline x 100")
    response: ResponseCode
    recommendation: RecommendationCode
    reason: str
    reason_text: str
    patient_text: str
    source: str


def status_out(c: Course, language: str | None = None) -> dict[str, Any]:
    """The course status as every channel shows it (course API, outcomes API)."""
    return {
        "sessions_done": c.sessions_done,
        "expected_sessions": c.expected_sessions,
        "first_session_at": c.first_session_at,
        "baseline_nrs": c.assessment.baseline_nrs,
        "latest_nrs": c.latest_nrs,
        "latest_nrs_at": c.latest_nrs_at,
        "latest_nrs_stale": c.latest_nrs_stale,
        "change_points": c.change_points,
        "change_pct": c.change_pct,
        "response": c.response,
        "recommendation": c.recommendation,
        "reason": c.reason,
        "reason_text": c.reason_text(language),
        "patient_text": c.patient_text(language),
        "source": c.rule_source(language),
    }


class CourseOut(Schema):
    id: int
    patient: int
    assessment: int
    protocol: int
    protocol_name: str
    practitioner: int
    start_date: dt.date
    state: str
    closed_at: dt.datetime | None
    close_note: str
    modality: str
    cadence_days: int
    cadence_max_days: int | None
    expected_sessions: int
    onset_session: int
    lasting_session: int | None
    review_session: int
    max_sessions: int
    onset_days: int | None
    review_days: int | None
    single_session: bool
    other_instrument: str
    planned_sessions: list[PlannedOut]
    status: StatusOut


class CourseList(Schema):
    items: list[CourseOut]
    count: int


def course_out(c: Course, planned: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The course's answer; `planned` the planned sessions as (number, date) rows when
    the caller read them so (`selectors.course_with_plan`), else the prefetched ones."""
    if planned is None:
        planned = [{"number": p.number, "date": p.date} for p in c.planned_sessions.all()]
    return {
        "id": c.pk,
        "patient": c.patient_id,
        "assessment": c.assessment_id,
        "protocol": c.protocol_id,
        "protocol_name": c.protocol.label(),
        "practitioner": c.practitioner_id,
        "start_date": c.start_date,
        "state": c.state,
        "closed_at": c.closed_at,
        "close_note": c.close_note,
        "modality": c.modality,
        "cadence_days": c.cadence_days,
        "cadence_max_days": c.cadence_max_days,
        "expected_sessions": c.expected_sessions,
        "onset_session": c.onset_session,
        "lasting_session": c.lasting_session,
        "review_session": c.review_session,
        "max_sessions": c.max_sessions,
        "onset_days": c.onset_days,
        "review_days": c.review_days,
        "single_session": c.single_session,
        "other_instrument": c.other_instrument,
        "planned_sessions": planned,
        "status": status_out(c),
    }


def _unknown(field: str, what: str) -> ApiError:
    return ApiError(
        422, "validation_error", f"{field}: unknown {what}", {field: [f"unknown {what}"]}
    )


@router.post(
    "/courses",
    response={201: CourseOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Start a treatment course",
    description=(
        '409 `{"error": "red_flags_not_screened"}` until the assessment\'s red-flag screen '
        "is saved; 409 `red_flags_unresolved` while a red flag has no referral that "
        'cleared it; 403 `{"error": "practitioner_not_qualified"}` for a practitioner '
        "without the protocol's modality; 403 `registration_expired`."
    ),
)
def create_course(request: HttpRequest, payload: CourseIn) -> Status[dict[str, Any]]:
    actor = api_actor(request)
    actor.require_clinical()
    with transaction.atomic():
        assessment = (
            Assessment.objects.select_related("patient")
            .filter(pk=payload.assessment, patient__clinic=actor.clinic)
            .first()
        )
        if assessment is None:
            raise _unknown("assessment", "assessment")
        protocol = Protocol.objects.available_to(actor.clinic).filter(pk=payload.protocol).first()
        if protocol is None:
            raise _unknown("protocol", "protocol")
        practitioner = None
        if payload.practitioner is not None:
            practitioner = (
                Practitioner.objects.select_related("user")
                .filter(pk=payload.practitioner, clinic=actor.clinic)
                .first()
            )
            if practitioner is None:
                raise _unknown("practitioner", "practitioner")
        course = services.course_create(
            actor=actor,
            assessment=assessment,
            protocol=protocol,
            practitioner=practitioner,
            start_date=payload.start_date,
        )
    course = selectors.course_get_for_actor(actor=actor, course_id=course.pk, audit=None)
    return Status(201, course_out(course))


@router.get(
    "/courses/{course_id}",
    response={200: CourseOut, 404: ErrorOut},
    summary="A course: plan and status",
)
def get_course(request: HttpRequest, course_id: int) -> HttpResponse:
    actor = api_actor(request)
    course, planned = selectors.course_with_plan(actor=actor, course_id=course_id)
    # Plain values of CourseOut's types: rendered without validating them again
    # (test_api's test_course_answer_is_the_schema_answer holds the two together).
    return json_answer(course_out(course, planned))


class CourseCloseIn(StrictIn):
    state: SafeLine = Field(max_length=12, description="completed, stopped or referred")
    note: SafeStr = Field(default="", max_length=2000)


@router.post(
    "/courses/{course_id}/close",
    response={200: CourseOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Close a course (completed, stopped or referred)",
    description=(
        "422 for an unknown state; 409 `course_closed` when the course is already closed. "
        "A closed course takes no new sessions."
    ),
)
def close_course(request: HttpRequest, course_id: int, payload: CourseCloseIn) -> dict[str, Any]:
    actor = api_actor(request)
    course = selectors.course_get_for_actor(actor=actor, course_id=course_id, audit=None)
    services.course_close(actor=actor, course=course, state=payload.state, note=payload.note)
    return course_out(course)


@router.get("/patients/{patient_id}/courses", response=CourseList, summary="A patient's courses")
def list_courses(
    request: HttpRequest,
    patient_id: int,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    actor = api_actor(request)
    patient = patient_get_for_actor(
        actor=actor, patient_id=patient_id, clinical=True, object_type="protocols.course_list"
    )
    items, count = paged(selectors.courses_for_patient(actor=actor, patient=patient), limit, offset)
    return {"items": [course_out(c) for c in items], "count": count}


class ThresholdValues(Schema):
    minimal_pct: int
    moderate_pct: int
    substantial_pct: int
    important_points: int
    worse_points: int
    worse_pct: int
    assessable_from: int


class ThresholdsOut(Schema):
    values: ThresholdValues = Field(description="What the clinic's courses are judged by")
    default: ThresholdValues = Field(description="The shipped default")
    sources: list[SourceOut]
    customised: bool
    note: str
    updated_at: dt.datetime | None


class ThresholdsPatchIn(StrictIn):
    minimal_pct: int | None = Field(default=None, ge=1, le=100)
    moderate_pct: int | None = Field(default=None, ge=1, le=100)
    substantial_pct: int | None = Field(default=None, ge=1, le=100)
    important_points: int | None = Field(default=None, ge=1, le=10)
    worse_points: int | None = Field(default=None, ge=1, le=10)
    worse_pct: int | None = Field(default=None, ge=1, le=100)
    assessable_from: int | None = Field(default=None, ge=1, le=10)
    note: SafeStr = Field(default="", max_length=2000)


@router.get(
    "/outcome-thresholds",
    response={200: ThresholdsOut},
    summary="The responder thresholds of the clinic, with the shipped default and its source",
)
def get_thresholds(request: HttpRequest) -> dict[str, Any]:
    actor = api_actor(request)
    return selectors.thresholds_overview(clinic_id=actor.clinic.pk)


@router.patch(
    "/outcome-thresholds",
    response={200: ThresholdsOut, 403: ErrorOut, 422: ErrorOut},
    summary="Set the clinic's responder thresholds (owners); active courses are rejudged",
)
def patch_thresholds(request: HttpRequest, payload: ThresholdsPatchIn) -> dict[str, Any]:
    actor = api_actor(request)
    data = payload.dict(exclude_unset=True)
    note = data.pop("note", "")
    values = {k: v for k, v in data.items() if v is not None}
    services.outcome_thresholds_update(actor=actor, values=values, note=note)
    return selectors.thresholds_overview(clinic_id=actor.clinic.pk)
