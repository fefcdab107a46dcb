from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from acuflow.accounts.api import PractitionerOut, practitioner_out
from acuflow.accounts.api_auth import api_actor
from acuflow.accounts.models import Clinic, Room
from acuflow.accounts.selectors import practitioner_get_for_actor
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record, audit_shown
from acuflow.core import timezones
from acuflow.core.api.answers import instant, json_answer
from acuflow.core.api.errors import ApiError
from acuflow.core.api.schemas import (
    AwareDatetime,
    ErrorOut,
    Limit,
    Offset,
    SafeLine,
    SafeStr,
    StrictIn,
    paged,
)
from acuflow.core.validators import check_clinical_date, check_clinical_datetime
from acuflow.patients.selectors import patient_get_for_actor
from acuflow.scheduling import selectors, services
from acuflow.scheduling.models import Appointment, AppointmentType
from acuflow.scheduling.rules import local_instant

router = Router(tags=["scheduling"])

MAX_RANGE_DAYS = 62
LOCAL_TIME_NOTE = (
    "A query date-time without offset is the clinic's wall clock: 422 "
    "`nonexistent_local_time` in the spring-forward gap, `ambiguous_local_time` in the "
    "autumn overlap. Instants in a body need their UTC offset (422 otherwise)."
)


class SlotOut(Schema):
    start: dt.datetime
    end: dt.datetime


class AppointmentOut(Schema):
    id: int
    patient: int
    patient_name: str
    practitioner: int
    practitioner_name: str
    type: str
    type_name: str
    start: dt.datetime
    end: dt.datetime
    location: int | None
    room: int | None
    status: str
    source: str
    cancel_reason: str
    late_cancel: bool
    course: int | None
    note: str


class AppointmentList(Schema):
    items: list[AppointmentOut]
    count: int


class AppointmentIn(StrictIn):
    patient: int = Field(ge=1)
    practitioner: int = Field(ge=1)
    start: AwareDatetime
    type: SafeLine = Field(min_length=1, max_length=40)
    room: int | None = Field(default=None, ge=1)
    note: SafeStr = Field(default="", max_length=300)


class AppointmentPatchIn(StrictIn):
    start: AwareDatetime | None = None
    practitioner: int | None = Field(default=None, ge=1)
    room: int | None = Field(default=None, ge=1)
    status: Literal["booked", "arrived", "in_treatment", "done", "no_show"] | None = None
    note: SafeStr | None = Field(default=None, max_length=300)


def appointment_out(a: Appointment) -> dict[str, Any]:
    zone = selectors.clinic_zone(a.clinic)
    return {
        "id": a.pk,
        "patient": a.patient_id,
        "patient_name": a.patient.full_name,
        "practitioner": a.practitioner_id,
        "practitioner_name": a.practitioner.user.full_name,
        "type": a.type.code,
        "type_name": a.type.label(),
        "start": a.start.astimezone(zone),
        "end": a.end.astimezone(zone),
        "location": a.location_id,
        "room": a.room_id,
        "status": a.status,
        "source": a.source,
        "cancel_reason": a.cancel_reason,
        "late_cancel": a.late_cancel,
        "course": a.course_id,
        "note": a.note,
    }


def _aware(value: dt.datetime, clinic: Clinic, field: str) -> dt.datetime:
    """An instant; a time without offset (only the query's `from`/`to` may be one: a
    body's instants carry their offset) is read as the clinic's wall clock (422
    `nonexistent_local_time` / `ambiguous_local_time` on a daylight-saving change)."""
    return timezones.aware(value, selectors.clinic_zone(clinic), field=field)


def _range(clinic: Clinic, start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    """from/to as dates (whole days in the clinic's zone, `to` inclusive) or datetimes."""
    zone = selectors.clinic_zone(clinic)

    def parse(text: str, field: str, *, is_end: bool) -> dt.datetime:
        text = (text or "").strip()
        if not text:
            raise ApiError(422, "validation_error", f"{field}: required", {field: ["required"]})
        try:
            if len(text) == 10:
                day = check_clinical_date(dt.date.fromisoformat(text))
                if is_end:
                    day += dt.timedelta(days=1)
                return local_instant(day, dt.time(0), zone)
            return _aware(check_clinical_datetime(dt.datetime.fromisoformat(text)), clinic, field)
        except ValueError:
            raise ApiError(
                422,
                "validation_error",
                f"{field}: not a date or date-time (YYYY-MM-DD or ISO 8601)",
                {field: ["not a valid date"]},
            )

    first = parse(start, "from", is_end=False)
    last = parse(end, "to", is_end=True)
    if last <= first:
        raise ApiError(422, "validation_error", "to: must be after from", {"to": ["before from"]})
    if last - first > dt.timedelta(days=MAX_RANGE_DAYS):
        raise ApiError(
            422,
            "validation_error",
            f"to: at most {MAX_RANGE_DAYS} days after from",
            {"to": ["range too long"]},
        )
    return first, last


def _type(clinic: Clinic, code: str) -> AppointmentType:
    found = selectors.appointment_type_by_code(clinic, code)
    if found is None:
        raise ApiError(
            422, "unknown_type", f"type: unknown appointment type {code!r}", {"type": ["unknown"]}
        )
    return found


@router.get(
    "/availability",
    response={200: list[SlotOut], 404: ErrorOut, 422: ErrorOut},
    summary="Free slots of a practitioner",
    description=LOCAL_TIME_NOTE,
)
def availability(
    request: HttpRequest,
    practitioner: int = Query(..., ge=1),
    type: str = Query(..., min_length=1, max_length=40),
    start: str = Query(..., alias="from", max_length=40),
    end: str = Query(..., alias="to", max_length=40),
) -> HttpResponse:
    actor = api_actor(request)
    who = selectors.practitioner_in_clinic(actor.clinic, practitioner)
    kind = _type(actor.clinic, type)
    first, last = _range(actor.clinic, start, end)
    zone = selectors.clinic_zone(actor.clinic)
    slots = selectors.free_slots(
        clinic=actor.clinic, practitioner=who, type=kind, start=first, end=last
    )
    # Plain values of SlotOut's types: rendered without validating them again
    # (test_api's test_availability_answer_is_the_schema_answer holds the two together).
    return json_answer(
        [
            {"start": instant(s.start.astimezone(zone)), "end": instant(s.end.astimezone(zone))}
            for s in slots
        ]
    )


@router.get(
    "/appointments",
    response={200: AppointmentList, 404: ErrorOut, 422: ErrorOut},
    summary="Appointments in a period",
    description=LOCAL_TIME_NOTE,
)
def list_appointments(
    request: HttpRequest,
    start: str = Query(..., alias="from", max_length=40),
    end: str = Query(..., alias="to", max_length=40),
    practitioner: int | None = Query(None, ge=1),
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    actor = api_actor(request)
    first, last = _range(actor.clinic, start, end)
    if practitioner is not None:
        selectors.practitioner_in_clinic(actor.clinic, practitioner)
    qs = selectors.appointment_list(
        actor=actor, start=first, end=last, practitioner_id=practitioner
    )
    items, count = paged(qs, limit, offset)
    for appointment in items:
        appointment.clinic = actor.clinic
    audit_shown(
        actor=actor,
        object_type="scheduling.calendar",
        patient_ids=[a.patient_id for a in items],
        object_ids=[str(a.pk) for a in items],
        detail={"from": start, "to": end, "offset": offset},
    )
    return {"items": [appointment_out(a) for a in items], "count": count}


@router.post(
    "/appointments",
    response={201: AppointmentOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Book an appointment",
)
def create_appointment(request: HttpRequest, payload: AppointmentIn) -> Status[dict[str, Any]]:
    actor = api_actor(request)
    patient = patient_get_for_actor(actor=actor, patient_id=payload.patient, audit=None)
    practitioner = selectors.practitioner_in_clinic(actor.clinic, payload.practitioner)
    kind = _type(actor.clinic, payload.type)
    room = _room(actor.clinic, payload.room)
    appointment = services.appointment_book(
        actor=actor,
        patient=patient,
        practitioner=practitioner,
        type=kind,
        start=_aware(payload.start, actor.clinic, "start"),
        room=room,
        note=payload.note,
        source="api",
    )
    return Status(201, appointment_out(appointment))


def _room(clinic: Clinic, room_id: int | None) -> Room | None:
    if room_id is None:
        return None
    room = Room.objects.filter(pk=room_id, location__clinic=clinic).first()
    if room is None:
        raise ApiError(
            422, "unknown_room", "room: not a room of this clinic", {"room": ["unknown"]}
        )
    return room


@router.get("/appointments/{appointment_id}", response=AppointmentOut, summary="One appointment")
def get_appointment(request: HttpRequest, appointment_id: int) -> dict[str, Any]:
    actor = api_actor(request)
    return appointment_out(
        selectors.appointment_get_for_actor(actor=actor, appointment_id=appointment_id)
    )


@router.patch(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Move an appointment or set its status",
    description=LOCAL_TIME_NOTE,
)
def patch_appointment(
    request: HttpRequest, appointment_id: int, payload: AppointmentPatchIn
) -> dict[str, Any]:
    actor = api_actor(request)
    data = payload.dict(exclude_unset=True)
    nulls = sorted(k for k, v in data.items() if v is None and k != "room")
    if nulls:
        raise ApiError(
            422,
            "validation_error",
            f"{', '.join(nulls)}: may not be null",
            {k: ["may not be null"] for k in nulls},
        )
    with transaction.atomic():
        appointment = selectors.appointment_get_for_actor(
            actor=actor, appointment_id=appointment_id, for_update=True, audit=None
        )
        if {"start", "practitioner", "room"} & set(data):
            practitioner = (
                selectors.practitioner_in_clinic(actor.clinic, data["practitioner"])
                if "practitioner" in data
                else None
            )
            start = _aware(data["start"], actor.clinic, "start") if "start" in data else None
            appointment = services.appointment_move(
                actor=actor,
                appointment=appointment,
                start=start or appointment.start,
                practitioner=practitioner,
                room=_room(actor.clinic, data.get("room")),
            )
        if "status" in data and data["status"] != appointment.status:
            appointment = services.appointment_set_status(
                actor=actor, appointment=appointment, status=data["status"]
            )
        if "note" in data and data["note"] != appointment.note:
            appointment.note = data["note"]
            appointment.save(update_fields=["note"])
            audit_record(
                actor=actor, action=Action.UPDATE, patient=appointment.patient, obj=appointment
            )
    return appointment_out(appointment)


@router.delete(
    "/appointments/{appointment_id}",
    response=AppointmentOut,
    summary="Cancel an appointment (kept, with its reason and late-cancel flag)",
)
def cancel_appointment(
    request: HttpRequest,
    appointment_id: int,
    reason: str = Query("cancelled", min_length=1, max_length=300),
    late_cancel: bool | None = Query(None),
) -> dict[str, Any]:
    actor = api_actor(request)
    with transaction.atomic():
        appointment = selectors.appointment_get_for_actor(
            actor=actor, appointment_id=appointment_id, for_update=True, audit=None
        )
        appointment = services.appointment_cancel(
            actor=actor, appointment=appointment, reason=reason, late_cancel=late_cancel
        )
    return appointment_out(appointment)


class StatusIn(StrictIn):
    status: Literal["booked", "arrived", "in_treatment", "done", "no_show", "late_cancelled"] = (
        Field(description="The next step of the appointment's day; booked undoes one")
    )


class TodayItem(AppointmentOut):
    day_status: str = Field(description="status, or late_cancelled for a late cancellation")
    session_id: int | None = Field(description="The session charted for it, once charted")
    needs_session: bool = Field(description="A treatment: done only once charted")


class TodayOut(Schema):
    date: dt.date
    items: list[TodayItem]
    count: int


class HolidayOut(Schema):
    date: dt.date
    name: str


@router.post(
    "/appointments/{appointment_id}/status",
    response={200: AppointmentOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="The next step of an appointment's day",
    description=(
        "booked -> arrived -> in_treatment -> done, or no_show / late_cancelled. "
        "409 `invalid_transition` for a step that cannot follow the current one, 409 "
        "`session_required` for done before the treatment is charted, 422 `not_today` "
        "(arrival before the day), 422 `not_started` (no-show or done before the start), "
        "422 `not_booked` for a cancelled appointment."
    ),
)
def set_status(request: HttpRequest, appointment_id: int, payload: StatusIn) -> dict[str, Any]:
    actor = api_actor(request)
    with transaction.atomic():
        appointment = selectors.appointment_get_for_actor(
            actor=actor, appointment_id=appointment_id, for_update=True, audit=None
        )
        appointment = services.appointment_set_status(
            actor=actor, appointment=appointment, status=payload.status
        )
    return appointment_out(appointment)


def _date(text: str, field: str) -> dt.date:
    try:
        return check_clinical_date(dt.date.fromisoformat(text.strip()))
    except ValueError:
        raise ApiError(
            422,
            "validation_error",
            f"{field}: not a date (YYYY-MM-DD, 1900..2100)",
            {field: ["not a date"]},
        )


@router.get(
    "/today",
    response={200: TodayOut, 404: ErrorOut, 422: ErrorOut},
    summary="Today's appointments in order, with their status and charted session",
)
def today(
    request: HttpRequest,
    practitioner: int | None = Query(None, ge=1, description="Default: the caller, if one"),
    location: int | None = Query(None, ge=1),
    date: str = Query("", max_length=10, description="Another day (YYYY-MM-DD); default today"),
) -> dict[str, Any]:
    actor = api_actor(request)
    if practitioner is not None:
        selectors.practitioner_in_clinic(actor.clinic, practitioner)
    if location is not None and not actor.clinic.locations.filter(pk=location).exists():
        raise ApiError(
            422,
            "unknown_location",
            "location: not a location of this clinic",
            {"location": ["unknown"]},
        )
    day = (
        _date(date, "date")
        if date
        else timezone.now().astimezone(selectors.clinic_zone(actor.clinic)).date()
    )
    rows = selectors.today_list(
        actor=actor, day=day, practitioner_id=practitioner, location_id=location
    )
    audit_record(actor=actor, action=Action.READ, patient=None, object_type="scheduling.today")
    items = [
        {
            **appointment_out(row.appointment),
            "day_status": row.day_status,
            "session_id": row.session_id if actor.sees_clinical else None,
            "needs_session": row.appointment.type.needs_session,
        }
        for row in rows
    ]
    return {"date": day, "items": items, "count": len(items)}


@router.get(
    "/holidays",
    response={200: list[HolidayOut], 422: ErrorOut},
    summary="Days the clinic is closed: public holidays and its own closures",
)
def list_holidays(
    request: HttpRequest,
    start: str = Query(..., alias="from", max_length=10, description="YYYY-MM-DD"),
    end: str = Query(..., alias="to", max_length=10, description="YYYY-MM-DD, inclusive"),
) -> list[dict[str, Any]]:
    actor = api_actor(request)
    first, last = _date(start, "from"), _date(end, "to")
    if last < first or (last - first).days > 3 * 366:
        raise ApiError(
            422,
            "validation_error",
            "to: on or after from, at most three years later",
            {"to": ["out of range"]},
        )
    days = selectors.closed_days(actor.clinic, first, last)
    return [{"date": day, "name": name} for day, name in days.items()]


# Served here rather than in accounts: the calendar feed is scheduling's, and accounts
# (kernel) may not reach up into scheduling for it.
@router.get(
    "/practitioners/{practitioner_id}",
    response=PractitionerOut,
    summary="One practitioner",
    tags=["clinic"],
)
def get_practitioner(request: HttpRequest, practitioner_id: int) -> dict[str, Any]:
    actor = api_actor(request)
    practitioner = practitioner_get_for_actor(actor=actor, practitioner_id=practitioner_id)
    data = practitioner_out(practitioner)
    data["calendar_url"] = selectors.calendar_url_for(
        actor=actor, practitioner=practitioner, request=request
    )
    return data
