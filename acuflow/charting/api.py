from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from acuflow.accounts.api_auth import api_actor
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.charting import catalogue, selectors, services
from acuflow.charting.models import Session
from acuflow.charting.schemas import PointList, SessionIn, SessionList, SessionOut
from acuflow.core.api.errors import ApiError
from acuflow.core.api.schemas import ErrorOut, Limit, Offset, paged
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


def _warnings(
    sites: list[dict[str, Any]], pregnant: bool, memo: dict[Any, Any]
) -> list[dict[str, str]]:
    """`session_warnings`, once per distinct set of points in a list (most sessions of a
    course repeat their points)."""
    key = (tuple(str(site.get("point")) for site in sites if "point" in site), pregnant)
    if key not in memo:
        memo[key] = services.session_warnings(sites=sites, pregnant=pregnant)
    found: list[dict[str, str]] = memo[key]
    return found


def row_out(row: dict[str, Any], memo: dict[Any, Any] | None = None) -> dict[str, Any]:
    """A session's answer from its `SESSION_COLUMNS` values."""
    out = dict(row)
    out["appointment_id"] = out.pop("appointment_ref")
    out["practitioner"] = out.pop("practitioner__user__full_name")
    out["warnings"] = _warnings(row["sites"], row["pregnant"], {} if memo is None else memo)
    return out


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
    course = selectors.course_get_for_actor(
        actor=actor, course_id=course_id, audit=False, plan_and_status=True
    )
    session = services.session_create(actor=actor, course=course, **payload.service_kwargs())
    session.practitioner = actor.practitioner  # type: ignore[assignment]
    return Status(201, session_out(session))


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
) -> dict[str, Any]:
    actor = api_actor(request)
    patient = patient_get_for_actor(actor=actor, patient_id=patient_id, clinical=True, audit=None)
    audit_record(actor=actor, action=Action.READ, patient=patient, object_type="charting.sessions")
    rows = (
        selectors.session_list_for_patient(actor=actor, patient=patient)
        .select_related(None)
        .values(*SESSION_COLUMNS)
    )
    items, count = paged(rows, limit, offset)
    memo: dict[Any, Any] = {}
    return {"items": [row_out(row, memo) for row in items], "count": count}


@router.get("/sessions/{session_id}", response=SessionOut, summary="One charted session")
def get_session(request: HttpRequest, session_id: int) -> dict[str, Any]:
    actor = api_actor(request)
    return session_out(selectors.session_get_for_actor(actor=actor, session_id=session_id))
