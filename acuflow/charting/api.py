from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from acuflow.accounts.api_auth import api_actor
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.charting import catalogue, selectors, services
from acuflow.charting.models import Session
from acuflow.charting.schemas import PointList, SessionIn, SessionList, SessionOut
from acuflow.core.api.answers import instant, json_answer
from acuflow.core.api.errors import ApiError
from acuflow.core.api.schemas import (
    TOTAL,
    ErrorOut,
    Limit,
    Offset,
    count_of,
    with_total,
)
from acuflow.core.prepared import MARKER_ID, MARKER_OTHER_ID, Prepared
from acuflow.patients.selectors import patient_get_for_actor

router = Router(tags=["charting"])


# The list reads these columns only (values(), no model instances, no course or
# protocol joined: a protocol's JSON is ~2.7 KB per row); one session is the same dict.
SESSION_COLUMNS = (
    "id",
    "course_id",
    "patient_id",
    "appointment_ref",
    "unbooked_reason",
    "practitioner_id",
    "practitioner__user__full_name",
    "started_at",
    "nrs_before",
    "nrs_after",
    "pregnant",
    "sites",
    "needles_in",
    "needles_out",
    "needle_discrepancy_note",
    "stimulation",
    "electro_frequency_hz",
    "retention_minutes",
    "adjuncts",
    "adverse_events",
    "subjective",
    "objective",
    "assessment",
    "plan",
    "home_care",
    "created_at",
)


# The list reads its JSON columns as text and decodes the whole page's in one call: a
# JSONField decodes each value on its own (four per row), most of a long list's time.
JSON_COLUMNS = ("sites", "adjuncts", "adverse_events", "home_care")
PLAIN_COLUMNS = tuple(c for c in SESSION_COLUMNS if c not in JSON_COLUMNS)
JSON_AS_TEXT = {f"{c}__text": Cast(c, TextField()) for c in JSON_COLUMNS}


def _decode_json_columns(rows: list[dict[str, Any]]) -> None:
    """Replace each row's `<column>__text` by the column's decoded value, as the
    JSONField would have given it."""
    names = [f"{c}__text" for c in JSON_COLUMNS]
    texts = [row.pop(name) for row in rows for name in names]
    values = iter(json.loads("[" + ",".join("null" if t is None else t for t in texts) + "]"))
    for row in rows:
        for column in JSON_COLUMNS:
            row[column] = next(values)


def _warnings(
    sites: list[dict[str, Any]], pregnant: bool, memo: dict[Any, Any]
) -> list[dict[str, str]]:
    """`session_warnings`, once per distinct set of points that carry a caution in a
    list: the others never add a warning, and most sessions share the few that do.
    Each point is looked up in the catalogue once per list."""
    marked: list[str] = []
    for site in sites:
        if "point" not in site:
            continue
        code = site["point"]
        if not isinstance(code, str):  # not what charting stores: no shortcut
            return services.session_warnings(sites=sites, pregnant=pregnant)
        cautious = memo.get(("point", code))
        if cautious is None:
            found = catalogue.point(code)
            cautious = memo["point", code] = found is not None and bool(found.cautions)
        if cautious:
            marked.append(code)
    key = (tuple(marked), pregnant)
    if key not in memo:
        memo[key] = services.session_warnings(
            sites=[{"point": code} for code in marked], pregnant=pregnant
        )
    found_warnings: list[dict[str, str]] = memo[key]
    return found_warnings


def row_out(row: dict[str, Any], memo: dict[Any, Any] | None = None) -> dict[str, Any]:
    """A session's answer from its `SESSION_COLUMNS` values, keys in SessionOut's order
    (the order ninja's validation writes them)."""
    return {
        "id": row["id"],
        "course_id": row["course_id"],
        "patient_id": row["patient_id"],
        "appointment_id": row["appointment_ref"],
        "unbooked_reason": row["unbooked_reason"],
        "practitioner_id": row["practitioner_id"],
        "practitioner": row["practitioner__user__full_name"],
        "started_at": row["started_at"],
        "nrs_before": row["nrs_before"],
        "nrs_after": row["nrs_after"],
        "pregnant": row["pregnant"],
        "sites": row["sites"],
        "needles_in": row["needles_in"],
        "needles_out": row["needles_out"],
        "needle_discrepancy_note": row["needle_discrepancy_note"],
        "stimulation": row["stimulation"],
        "electro_frequency_hz": row["electro_frequency_hz"],
        "retention_minutes": row["retention_minutes"],
        "adjuncts": row["adjuncts"],
        "adverse_events": row["adverse_events"],
        "subjective": row["subjective"],
        "objective": row["objective"],
        "assessment": row["assessment"],
        "plan": row["plan"],
        "home_care": row["home_care"],
        "warnings": _warnings(row["sites"], row["pregnant"], {} if memo is None else memo),
        "created_at": row["created_at"],
    }


def session_out(session: Session) -> dict[str, Any]:
    row = {c: getattr(session, c) for c in SESSION_COLUMNS if "__" not in c}
    row["practitioner__user__full_name"] = session.practitioner.user.full_name
    return row_out(row)


@router.get("/points", response=PointList, summary="Search the point catalogue")
def list_points(
    request: HttpRequest,
    q: str = Query("", max_length=100, description="Code in any spelling, pinyin, name, region"),
    meridian: str = Query("", max_length=40, description="LU, LI, ST ... GV, CV (or UB, TW ...)"),
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    api_actor(request)  # staff only; the catalogue holds no patient data
    code = None
    if meridian:
        code = catalogue.meridian_code(meridian)
        if code is None:
            raise ApiError(
                422,
                "validation_error",
                f"meridian: unknown meridian {meridian!r}",
                {"meridian": ["use one of " + ", ".join(catalogue.MERIDIANS)]},
            )
    found = catalogue.search(q, meridian=code)
    page = found[offset : offset + limit]
    return {"items": [catalogue.as_dict(p) for p in page], "count": len(found)}


@router.post(
    "/courses/{course_id}/sessions",
    response={201: SessionOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Chart a session of a course",
    description=(
        "Give `appointment_id` (same patient, same day; 422 `appointment_other_patient` / "
        "`appointment_other_day`, 409 `appointment_not_chartable` for a cancelled or missed "
        "one, 409 `appointment_charted`) or `unbooked_reason` (422 "
        "`unbooked_reason_required`). 422 `before_course_start` for a day before the course."
    ),
)
def create_session(
    request: HttpRequest, course_id: int, payload: SessionIn
) -> Status[dict[str, Any]]:
    actor = api_actor(request)
    course = selectors.course_to_chart(actor=actor, course_id=course_id)
    session = services.session_create(actor=actor, course=course, **payload.service_kwargs())
    session.practitioner = actor.practitioner  # type: ignore[assignment]
    return Status(201, session_out(session))


def _page_rows(clinic_id: int, patient_id: int) -> QuerySet[Session, dict[str, Any]]:
    """The list's rows: `SESSION_COLUMNS` (the JSON ones as text), newest first, each
    with the total, counted over the sessions alone (the page joins the practitioner's
    name; the count needs no join but the clinic's)."""
    sessions = selectors.sessions_of(clinic_id=clinic_id, patient_id=patient_id)
    rows = sessions.with_people().select_related(None).values(*PLAIN_COLUMNS, **JSON_AS_TEXT)
    return rows.annotate(**{TOTAL: count_of(sessions)})


# Compiled once: building and compiling this query was a third of a short page's time.
_PAGE = Prepared(
    Session,
    lambda: _page_rows(MARKER_OTHER_ID, MARKER_ID),
    clinic=MARKER_OTHER_ID,
    patient=MARKER_ID,
)


@router.get(
    "/patients/{patient_id}/sessions",
    response=SessionList,
    summary="A patient's charted sessions, newest first",
)
def list_sessions(
    request: HttpRequest,
    patient_id: int,
    limit: Limit = 50,
    offset: Offset = 0,
) -> HttpResponse:
    actor = api_actor(request)
    patient = patient_get_for_actor(actor=actor, patient_id=patient_id, clinical=True, audit=None)
    audit_record(actor=actor, action=Action.READ, patient=patient, object_type="charting.sessions")
    # Scoped twice: the patient was read in the actor's clinic, the page filters on it.
    page = _PAGE.rows(clinic=actor.clinic.pk, patient=patient.pk, limit=limit, offset=offset)
    items, count = with_total(page, offset, lambda: _page_rows(actor.clinic.pk, patient.pk).count())
    _decode_json_columns(items)
    memo: dict[Any, Any] = {}
    # Plain values of SessionOut's types already: rendered without validating them
    # again (test_api's test_list_answer_is_the_schema_answer holds the two together).
    answers = [row_out(row, memo) for row in items]
    for answer in answers:
        answer["started_at"] = instant(answer["started_at"])
        answer["created_at"] = instant(answer["created_at"])
    return json_answer({"items": answers, "count": count})


@router.get("/sessions/{session_id}", response=SessionOut, summary="One charted session")
def get_session(request: HttpRequest, session_id: int) -> dict[str, Any]:
    actor = api_actor(request)
    return session_out(selectors.session_get_for_actor(actor=actor, session_id=session_id))
