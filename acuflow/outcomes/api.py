from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Router, Schema, Status

from acuflow.accounts.api_auth import api_actor
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core import timezones
from acuflow.core.api.errors import ApiError
from acuflow.core.api.schemas import (
    AwareDatetime,
    ErrorOut,
    Limit,
    Offset,
    SafeJson,
    SafeLine,
    StrictIn,
)
from acuflow.outcomes import catalog, selectors, services
from acuflow.outcomes.models import Response
from acuflow.outcomes.scoring import AnswerError
from acuflow.patients.selectors import patient_get_for_actor
from acuflow.protocols.api import ResponseCode, StatusOut, status_out

router = Router(tags=["outcomes"])


class InstrumentOut(Schema):
    code: str
    name: str
    names: dict[str, str]
    short_name: str
    languages: list[str]
    licence: dict[str, Any]
    audience: list[str]
    direction: str
    range: list[float]
    responder: dict[str, Any]
    items: list[dict[str, Any]]
    source: str


class InstrumentList(Schema):
    items: list[InstrumentOut]
    count: int


class ResponseIn(StrictIn):
    instrument: SafeLine = Field(min_length=1, max_length=32)
    answers: SafeJson
    course: int | None = Field(default=None, ge=1)
    session: int | None = Field(default=None, ge=1)
    recorded_at: AwareDatetime | None = None


class ResponseOut(Schema):
    id: int
    patient: int
    instrument: str
    instrument_version: str
    course: int | None
    session: int | None
    answers: dict[str, Any]
    score: float
    subscores: dict[str, Any]
    interpretation: str
    interpretation_label: str
    language: str
    source: str
    recorded_at: dt.datetime


def response_out(response: Response, language: str) -> dict[str, Any]:
    return {
        "id": response.pk,
        "patient": response.patient_id,
        "instrument": response.instrument,
        "instrument_version": response.instrument_version,
        "course": response.course_id,
        "session": response.session_ref,
        "answers": response.answers,
        "score": response.score,
        "subscores": response.subscores,
        "interpretation": response.interpretation,
        "interpretation_label": response.interpretation_label(language),
        "language": response.language,
        "source": response.source,
        "recorded_at": response.recorded_at,
    }


@router.get("/instruments", response=InstrumentList, summary="Questionnaire instruments")
def list_instruments(
    request: HttpRequest,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    actor = api_actor(request)
    language = translation.get_language() or "en"
    loaded: dict[str, set[str]] = {}
    for instrument, lang in selectors.clinic_texts(clinic=actor.clinic):
        loaded.setdefault(instrument, set()).add(lang)
    items = []
    for code, definition in catalog.instruments().items():
        items.append(
            {
                "code": code,
                "name": catalog.localized(definition, language)["name"],
                "names": definition["name"],
                "short_name": definition.get("short_name", code),
                "languages": catalog.text_languages(definition, loaded.get(code)),
                "licence": {
                    "kind": definition["licence"]["kind"],
                    "note": catalog.localized(definition, language)["licence_note"],
                    "text_shipped": definition["text_shipped"],
                },
                "audience": definition.get("audience", ["staff"]),
                "direction": definition.get("direction", "lower_is_better"),
                "range": definition["scoring"]["range"],
                "responder": definition.get("responder", {}),
                "items": [
                    {k: item[k] for k in ("key", "type", "min", "max", "required") if k in item}
                    for item in definition["items"]
                ],
                "source": definition["source"],
            }
        )
    return {"items": items[offset : offset + limit], "count": len(items)}


@router.post(
    "/patients/{patient_id}/responses",
    response={201: ResponseOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Record a questionnaire response (scored on save)",
    description=(
        "`recorded_at` needs its UTC offset (422 `validation_error` without one) and a "
        "date between 1900 and 2100."
    ),
)
def create_response(
    request: HttpRequest, patient_id: int, payload: ResponseIn
) -> Status[dict[str, Any]]:
    actor = api_actor(request)
    patient = patient_get_for_actor(actor=actor, patient_id=patient_id, clinical=True, audit=None)
    if payload.instrument not in catalog.codes():
        raise ApiError(
            422,
            "validation_error",
            f"instrument: unknown, one of {', '.join(catalog.codes())}",
            {"instrument": [f"unknown instrument, one of {', '.join(catalog.codes())}"]},
        )
    course = session = None
    if payload.course is not None:
        course = selectors.course_get_for_actor(actor=actor, course_id=payload.course, audit=None)
        if course.patient_id != patient.pk:
            raise ApiError(
                422,
                "validation_error",
                "course: belongs to another patient",
                {"course": ["belongs to another patient"]},
            )
    if payload.session is not None:
        if course is None:
            raise ApiError(
                422,
                "validation_error",
                "session: give the course too",
                {"course": ["required with a session"]},
            )
        session = selectors.session_get_for_course(course=course, session_id=payload.session)
    try:
        with transaction.atomic():
            response = services.response_record(
                actor=actor,
                patient=patient,
                instrument=payload.instrument,
                answers=payload.answers,
                course=course,
                session=session,
                # Without offset: the clinic's wall clock (422 on a clock-change night).
                recorded_at=(
                    timezones.aware(payload.recorded_at, actor.clinic.timezone, field="recorded_at")
                    if payload.recorded_at is not None
                    else None
                ),
            )
    except AnswerError as exc:
        fields = {f"answers.{key}": problems for key, problems in exc.fields.items()}
        raise ApiError(422, "validation_error", str(exc), fields)
    return Status(201, response_out(response, translation.get_language() or patient.language))


class OutcomesOut(Schema):
    course: dict[str, Any]
    status: StatusOut = Field(description="The course status, as GET /courses/{id} gives it")
    response: ResponseCode = Field(description="The pain (NRS) response of the course")
    baseline_nrs: int
    responder_lines: dict[str, float]
    onset_session: int
    review_session: int
    expected_sessions: int
    sessions: list[dict[str, Any]]
    instruments: list[dict[str, Any]]
    nrs_observations: list[dict[str, Any]]


@router.get(
    "/courses/{course_id}/outcomes",
    response={200: OutcomesOut, 404: ErrorOut},
    summary="A course's outcomes: NRS per session, questionnaire scores, thresholds",
)
def course_outcomes(request: HttpRequest, course_id: int) -> dict[str, Any]:
    actor = api_actor(request)
    course = selectors.course_get_for_actor(actor=actor, course_id=course_id, audit=None)
    language = translation.get_language() or "en"
    data = selectors.course_outcomes(course, language=language)
    audit_record(actor=actor, action=Action.READ, patient=course.patient, obj=course)
    return {
        "course": {
            "id": course.pk,
            "patient": course.patient_id,
            "protocol": course.protocol.label(language),
            "state": course.state,
            "start_date": course.start_date,
            "sessions_done": course.sessions_done,
            "expected_sessions": course.expected_sessions,
            "latest_nrs": course.latest_nrs,
            "change_pct": course.change_pct,
            "response": course.response,
            "recommendation": course.recommendation,
            "reason": course.reason,
        },
        "status": status_out(course, language),
        "response": course.response,
        "baseline_nrs": data["baseline_nrs"],
        "responder_lines": data["responder_lines"],
        "onset_session": data["onset_session"],
        "review_session": data["review_session"],
        "expected_sessions": data["expected_sessions"],
        "sessions": [
            {k: s[k] for k in ("id", "number", "started_at", "nrs_before", "nrs_after")}
            for s in data["sessions"]
        ],
        "instruments": [
            {
                "code": i["code"],
                "name": i["name"],
                "baseline": i["baseline"],
                "latest": i["latest"],
                "change": i["change"],
                "responder": i["responder"],
                "points": [
                    {
                        "id": p["id"],
                        "recorded_at": p["recorded_at"],
                        "score": p["score"],
                        "subscores": p["subscores"],
                        "interpretation": p["interpretation"],
                        "session": p["session_ref"],
                    }
                    for p in i["points"]
                ],
            }
            for i in data["instruments"]
        ],
        "nrs_observations": [
            {"recorded_at": p["recorded_at"], "nrs": p["subscores"].get("usual", p["score"])}
            for i in data["instruments"]
            if i["code"] == "nrs"
            for p in i["points"]
        ],
    }
