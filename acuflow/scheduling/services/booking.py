"""Placing one appointment: the checks every booking and move share, and the booking.

Double booking: the overlap check and the insert run in one transaction. On SQLite the
transaction is IMMEDIATE (settings), so it holds the write lock from its first
statement and a second booking waits for the first to commit, then sees it. On
PostgreSQL two transactions can both pass the check; the exclusion constraints then
let exactly one insert commit and the other fails with an IntegrityError, which is
answered as slot_taken.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from acuflow.accounts.models import Practitioner, Room
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core.errors import DomainError
from acuflow.patients.models import Patient
from acuflow.scheduling import rules, selectors
from acuflow.scheduling.models import Appointment, AppointmentType, Source
from acuflow.scheduling.services.reminders import reminders_schedule

if TYPE_CHECKING:
    from acuflow.core.actor import Actor

# How far ahead anything can be booked; beyond it a date is taken as a typing error.
MAX_DAYS_AHEAD = 2 * 365


class SchedulingError(DomainError):
    """A booking that cannot be made. Pages show `detail`; the API answers with it
    (the status comes from the code, `acuflow.core.errors.DOMAIN_STATUS`)."""

    def __init__(self, code: str, detail: str, field: str = "start") -> None:
        super().__init__(code, detail, field or None)


class SlotTaken(SchedulingError):
    def __init__(self, detail: str = "") -> None:
        super().__init__("slot_taken", detail or _("This time is already taken."), field="")


def check_start(start: dt.datetime, now: dt.datetime) -> None:
    if timezone.is_naive(start):
        raise SchedulingError(
            "invalid_time", _("Give the time with its UTC offset, e.g. 2026-03-30T09:00+02:00.")
        )
    if start < now:
        raise SchedulingError("past_start", _("That time has passed."))
    if start > now + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise SchedulingError("too_far_ahead", _("That date is too far ahead."))


def check_type(type: AppointmentType, practitioner: Practitioner) -> None:
    if not type.active:
        raise SchedulingError("unknown_type", _("This appointment type is not offered."), "type")
    if type.modality and not practitioner.is_qualified_for(type.modality):
        raise SchedulingError(
            "not_qualified",
            _("This practitioner is not qualified for this kind of appointment."),
            "practitioner",
        )


def place(
    *,
    practitioner: Practitioner,
    type: AppointmentType,
    start: dt.datetime,
    room: Room | None,
    exclude_id: int | None = None,
    check_hours: bool = True,
    patient_id: int | None = None,
) -> tuple[dt.datetime, dt.datetime, int | None, Room | None]:
    """End, busy-until, location and room for a booking; raises if it cannot be placed.
    Runs inside the booking transaction (the room and overlap reads must be fresh).
    With `patient_id`, also `check_patient_free` (after the practitioner and the room,
    as before), from the same read.

    One query reads every active appointment that could be in the way (the
    practitioner's, the location's rooms', the patient's) and the checks run over its
    rows: three overlap queries cost more to build than their answers."""
    clinic = practitioner.clinic
    zone = selectors.clinic_zone(clinic)
    end = start + dt.timedelta(minutes=type.duration_minutes)
    busy_until = end + dt.timedelta(minutes=type.buffer_minutes)
    day = start.astimezone(zone).date()
    location_id: int | None = None
    if check_hours:
        windows = selectors.practitioner_windows(practitioner, day, day, zone=zone)
        window = rules.fits_working_hours(start, end, windows)
        if window is None:
            raise SchedulingError(
                "outside_working_hours", _("The practitioner does not work at that time.")
            )
        location_id = window.location_id
        step = selectors.schedule_settings(clinic).slot_step_minutes
        local = start.astimezone(zone)
        if (local.hour * 60 + local.minute) % step or local.second or local.microsecond:
            raise SchedulingError(
                "off_grid",
                _("Appointments start on the %(step)s-minute grid.") % {"step": step},
            )
    if room is not None and location_id is not None and room.location_id != location_id:
        raise SchedulingError("wrong_room", _("That room is at another location."), "room")
    rooms: list[Room] = []
    if room is None and location_id is not None:
        rooms = list(Room.objects.filter(location_id=location_id).order_by("name", "id"))
    overlap = Q(start__lt=busy_until, busy_until__gt=start)
    near = Q(practitioner=practitioner)
    if rooms:
        near |= Q(room__in=rooms)
    elif room is not None:
        near |= Q(room=room)
    in_the_way = overlap & near
    if patient_id is not None:
        in_the_way |= Q(patient_id=patient_id, start__lt=end, end__gt=start)
    others = list(
        Appointment.objects.active()
        .filter(in_the_way)
        .exclude(pk=exclude_id or 0)
        .values_list("practitioner_id", "room_id", "patient_id", "start", "end", "busy_until")
    )

    def overlaps(row: tuple[Any, ...]) -> bool:
        return bool(row[3] < busy_until and row[5] > start)

    if any(row[0] == practitioner.pk and overlaps(row) for row in others):
        raise SlotTaken()
    if rooms:
        busy_rooms = {row[1] for row in others if overlaps(row)}
        free = [r for r in rooms if r.pk not in busy_rooms]
        if not free:
            raise SlotTaken(_("No room is free at that time."))
        room = free[0]
    elif room is not None:
        if any(row[1] == room.pk and overlaps(row) for row in others):
            raise SlotTaken(_("That room is taken at that time."))
        location_id = location_id or room.location_id
    if patient_id is not None and any(
        row[2] == patient_id and row[3] < end and row[4] > start for row in others
    ):
        raise _patient_busy()
    return end, busy_until, location_id, room


def _patient_busy() -> SchedulingError:
    return SchedulingError(
        "patient_busy", _("This patient already has an appointment at that time.")
    )


def check_patient_free(
    *, patient_id: int, start: dt.datetime, end: dt.datetime, exclude_id: int | None = None
) -> None:
    """A patient is in one appointment at a time, whoever the practitioner. The
    treatment time counts (start to end), not the practitioner's buffer after it.
    PostgreSQL also refuses it (scheduling_no_patient_overlap, migration 0004)."""
    clash = Appointment.objects.active().filter(patient_id=patient_id, start__lt=end, end__gt=start)
    if clash.exclude(pk=exclude_id or 0).exists():
        raise _patient_busy()


def save_guarded(appointment: Appointment, **kwargs: Any) -> None:
    """Save; an exclusion-constraint violation (PostgreSQL, a racing booking) is slot_taken,
    or patient_busy when it is the patient's own overlap.

    No savepoint of its own (two round trips on every booking): a refused insert marks
    the caller's transaction for rollback, and the error it becomes ends that
    transaction. appointment_book and appointment_move each run in their own atomic
    block (a savepoint when nested), so a caller that catches the refusal (the
    waitlist, course booking) continues in a sound transaction."""
    try:
        with transaction.atomic(savepoint=False):
            appointment.save(**kwargs)
    except IntegrityError as exc:
        if "scheduling_appointment_times_ordered" in str(exc):
            raise SchedulingError("invalid_time", _("The end must be after the start."))
        if "scheduling_no_patient_overlap" in str(exc):
            raise SchedulingError(
                "patient_busy", _("This patient already has an appointment at that time.")
            )
        if "scheduling_no_" in str(exc):
            raise SlotTaken()
        raise


def appointment_book(
    *,
    actor: Actor,
    patient: Patient,
    practitioner: Practitioner,
    type: AppointmentType,
    start: dt.datetime,
    room: Room | None = None,
    source: str = Source.STAFF,
    note: str = "",
    course_id: int | None = None,
    course_session: int | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    now = now or timezone.now()
    check_start(start, now)
    if patient.clinic_id != actor.clinic.pk or practitioner.clinic_id != actor.clinic.pk:
        raise ValidationError(_("Patient and practitioner must belong to this clinic."))
    practitioner.clinic = actor.clinic  # proved above; one clinic object (and its settings)
    if type.clinic_id != actor.clinic.pk:
        raise SchedulingError("unknown_type", _("Unknown appointment type."), "type")
    check_type(type, practitioner)
    with transaction.atomic():
        end, busy_until, location_id, room = place(
            practitioner=practitioner, type=type, start=start, room=room, patient_id=patient.pk
        )
        appointment = Appointment(
            clinic=actor.clinic,
            patient=patient,
            practitioner=practitioner,
            type=type,
            start=start,
            end=end,
            busy_until=busy_until,
            location_id=location_id,
            room=room,
            source=source,
            note=note,
            course_id=course_id,
            course_session=course_session,
            created_by=actor.user,
        )
        # Field checks only, no round trips: the location id is the working-hours row's
        # just read and the course id the caller's course (both guarded by their foreign
        # keys), Appointment has nothing unique, and the times are ordered by
        # construction (the check constraint guards that; save_guarded maps it).
        appointment.full_clean(
            exclude=["location", "course"], validate_unique=False, validate_constraints=False
        )
        save_guarded(appointment)
        audit_record(actor=actor, action=Action.CREATE, patient=patient, obj=appointment)
        reminders_schedule(appointment, now=now)
    return appointment
