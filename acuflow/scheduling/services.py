"""Writes for scheduling: each is one transaction with its audit row.

Double booking: the overlap check and the insert run in one transaction. On SQLite the
transaction is IMMEDIATE (settings), so it holds the write lock from its first
statement and a second booking waits for the first to commit, then sees it. On
PostgreSQL two transactions can both pass the check; the exclusion constraints then
let exactly one insert commit and the other fails with an IntegrityError, which is
answered as slot_taken.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acuflow.accounts.models import Practitioner, Room
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core.errors import DomainError
from acuflow.patients.models import Consent, ConsentKind, Patient
from acuflow.scheduling import rules, selectors
from acuflow.scheduling.models import (
    Appointment,
    AppointmentType,
    Holiday,
    Reminder,
    ScheduleException,
    ScheduleSettings,
    Source,
    Status,
    WaitlistEntry,
    WaitlistOffer,
    WorkingHours,
)

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


def _check_start(start: dt.datetime, now: dt.datetime) -> None:
    if timezone.is_naive(start):
        raise SchedulingError(
            "invalid_time", _("Give the time with its UTC offset, e.g. 2026-03-30T09:00+02:00.")
        )
    if start < now:
        raise SchedulingError("past_start", _("That time has passed."))
    if start > now + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise SchedulingError("too_far_ahead", _("That date is too far ahead."))


def _check_type(type: AppointmentType, practitioner: Practitioner) -> None:
    if not type.active:
        raise SchedulingError("unknown_type", _("This appointment type is not offered."), "type")
    if type.modality and not practitioner.is_qualified_for(type.modality):
        raise SchedulingError(
            "not_qualified",
            _("This practitioner is not qualified for this kind of appointment."),
            "practitioner",
        )


def _place(
    *,
    practitioner: Practitioner,
    type: AppointmentType,
    start: dt.datetime,
    room: Room | None,
    exclude_id: int | None = None,
    check_hours: bool = True,
) -> tuple[dt.datetime, dt.datetime, int | None, Room | None]:
    """End, busy-until, location and room for a booking; raises if it cannot be placed.
    Runs inside the booking transaction (the room and overlap reads must be fresh)."""
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
    taken = Appointment.objects.active().filter(practitioner=practitioner)
    taken = taken.overlapping(start, busy_until)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    if taken.exists():
        raise SlotTaken()
    if room is None and location_id is not None:
        rooms = list(Room.objects.filter(location_id=location_id).order_by("name", "id"))
        if rooms:
            busy_rooms = set(
                Appointment.objects.active()
                .filter(room__in=rooms)
                .overlapping(start, busy_until)
                .exclude(pk=exclude_id or 0)
                .values_list("room_id", flat=True)
            )
            free = [r for r in rooms if r.pk not in busy_rooms]
            if not free:
                raise SlotTaken(_("No room is free at that time."))
            room = free[0]
    elif room is not None:
        clash = Appointment.objects.active().filter(room=room).overlapping(start, busy_until)
        if clash.exclude(pk=exclude_id or 0).exists():
            raise SlotTaken(_("That room is taken at that time."))
        location_id = location_id or room.location_id
    return end, busy_until, location_id, room


def _check_patient_free(
    *, patient_id: int, start: dt.datetime, end: dt.datetime, exclude_id: int | None = None
) -> None:
    """A patient is in one appointment at a time, whoever the practitioner. The
    treatment time counts (start to end), not the practitioner's buffer after it.
    PostgreSQL also refuses it (scheduling_no_patient_overlap, migration 0004)."""
    clash = Appointment.objects.active().filter(patient_id=patient_id, start__lt=end, end__gt=start)
    if clash.exclude(pk=exclude_id or 0).exists():
        raise SchedulingError(
            "patient_busy", _("This patient already has an appointment at that time.")
        )


def _save_guarded(appointment: Appointment, **kwargs: Any) -> None:
    """Save; an exclusion-constraint violation (PostgreSQL, a racing booking) is slot_taken,
    or patient_busy when it is the patient's own overlap."""
    try:
        with transaction.atomic():
            appointment.save(**kwargs)
    except IntegrityError as exc:
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
    _check_start(start, now)
    if patient.clinic_id != actor.clinic.pk or practitioner.clinic_id != actor.clinic.pk:
        raise ValidationError(_("Patient and practitioner must belong to this clinic."))
    practitioner.clinic = actor.clinic  # proved above; one clinic object (and its settings)
    if type.clinic_id != actor.clinic.pk:
        raise SchedulingError("unknown_type", _("Unknown appointment type."), "type")
    _check_type(type, practitioner)
    with transaction.atomic():
        end, busy_until, location_id, room = _place(
            practitioner=practitioner, type=type, start=start, room=room
        )
        _check_patient_free(patient_id=patient.pk, start=start, end=end)
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
        appointment.full_clean()
        _save_guarded(appointment)
        audit_record(actor=actor, action=Action.CREATE, patient=patient, obj=appointment)
        _schedule_reminders(appointment, now=now)
    return appointment


def appointment_move(
    *,
    actor: Actor,
    appointment: Appointment,
    start: dt.datetime,
    practitioner: Practitioner | None = None,
    room: Room | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Move one appointment (and only it: other sessions of its course stay put)."""
    now = now or timezone.now()
    if appointment.status != Status.BOOKED:
        raise SchedulingError("not_movable", _("Only booked appointments can be moved."), "status")
    _check_start(start, now)
    practitioner = practitioner or appointment.practitioner
    if practitioner.clinic_id != actor.clinic.pk:
        raise ValidationError(_("Patient and practitioner must belong to this clinic."))
    practitioner.clinic = actor.clinic  # proved above
    _check_type(appointment.type, practitioner)
    with transaction.atomic():
        end, busy_until, location_id, room = _place(
            practitioner=practitioner,
            type=appointment.type,
            start=start,
            room=room,
            exclude_id=appointment.pk,
        )
        _check_patient_free(
            patient_id=appointment.patient_id, start=start, end=end, exclude_id=appointment.pk
        )
        appointment.practitioner = practitioner
        appointment.start, appointment.end, appointment.busy_until = start, end, busy_until
        appointment.location_id, appointment.room = location_id, room
        appointment.updated_at = now
        appointment.full_clean()
        _save_guarded(
            appointment,
            update_fields=[
                "practitioner",
                "start",
                "end",
                "busy_until",
                "location",
                "room",
                "updated_at",
            ],
        )
        audit_record(
            actor=actor, action=Action.UPDATE, patient=appointment.patient, obj=appointment
        )
        appointment.reminders.filter(status=Reminder.State.PENDING).update(
            status=Reminder.State.CANCELLED
        )
        _schedule_reminders(appointment, now=now)
    return appointment


def appointment_cancel(
    *,
    actor: Actor,
    appointment: Appointment,
    reason: str,
    late_cancel: bool | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Cancel one appointment, flag it late by the clinic's rule unless told, and offer
    the freed slot to the waitlist."""
    now = now or timezone.now()
    if appointment.status != Status.BOOKED:
        raise SchedulingError("not_cancellable", _("This appointment is not booked."), "status")
    reason = (reason or "").strip()
    if not reason:
        raise SchedulingError("reason_required", _("Give a reason."), "reason")
    hours = selectors.schedule_settings(actor.clinic).late_cancel_hours
    appointment.status = Status.CANCELLED
    appointment.cancel_reason = reason[:300]
    appointment.late_cancel = (
        rules.is_late_cancel(start=appointment.start, now=now, hours=hours)
        if late_cancel is None
        else late_cancel
    )
    appointment.cancelled_at = now
    appointment.updated_at = now
    appointment.full_clean()
    with transaction.atomic():
        appointment.save(
            update_fields=["status", "cancel_reason", "late_cancel", "cancelled_at", "updated_at"]
        )
        audit_record(
            actor=actor, action=Action.UPDATE, patient=appointment.patient, obj=appointment
        )
        appointment.reminders.filter(status=Reminder.State.PENDING).update(
            status=Reminder.State.CANCELLED
        )
        if appointment.start > now:
            waitlist_offer(
                clinic_actor=actor,
                practitioner=appointment.practitioner,
                start=appointment.start,
                now=now,
            )
    return appointment


def appointment_set_status(
    *, actor: Actor, appointment: Appointment, status: str, now: dt.datetime | None = None
) -> Appointment:
    """No-show or completed; both only once the appointment has started."""
    now = now or timezone.now()
    if status not in {Status.NO_SHOW, Status.COMPLETED, Status.BOOKED}:
        raise SchedulingError("invalid_status", _("Unknown status."), "status")
    if appointment.status == Status.CANCELLED:
        raise SchedulingError("not_booked", _("This appointment was cancelled."), "status")
    if status != Status.BOOKED and appointment.start > now:
        raise SchedulingError("not_started", _("This appointment has not started yet."), "status")
    appointment.status = status
    appointment.updated_at = now
    with transaction.atomic():
        appointment.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor, action=Action.UPDATE, patient=appointment.patient, obj=appointment
        )
        if status != Status.BOOKED:
            appointment.reminders.filter(status=Reminder.State.PENDING).update(
                status=Reminder.State.CANCELLED
            )
    return appointment


# -- reminders ---------------------------------------------------------------------------


def _wants_reminders(patient: Patient) -> bool:
    """Unless the patient has said no to reminders (latest consent record wins)."""
    latest = (
        Consent.objects.filter(patient=patient, kind=ConsentKind.REMINDERS)
        .order_by("-recorded_at", "-id")
        .first()
    )
    return latest is None or latest.given


def _schedule_reminders(appointment: Appointment, *, now: dt.datetime) -> None:
    from acuflow.scheduling.channels import channels_for

    patient = appointment.patient
    if appointment.start <= now or not _wants_reminders(patient):
        return
    hours = selectors.schedule_settings(appointment.clinic).reminder_hours_before
    due = rules.reminder_due(start=appointment.start, hours_before=hours, now=now)
    for channel in channels_for(patient):
        reminder = Reminder.objects.create(
            appointment=appointment, channel=channel, due_at=due, next_attempt_at=due
        )
        reminder_enqueue(reminder, now=now)


def reminder_enqueue(reminder: Reminder, *, now: dt.datetime) -> None:
    """Queue the send task for the reminder's next attempt (in the caller's transaction:
    the task row commits, or not, together with the reminder)."""
    from acuflow.scheduling.tasks import send_reminder

    result = send_reminder.using(run_after=reminder.next_attempt_at).enqueue(reminder.pk)
    Reminder.objects.filter(pk=reminder.pk).update(task_id=str(result.id), enqueued_at=now)


# -- waitlist -----------------------------------------------------------------------------


def waitlist_join(
    *,
    actor: Actor,
    patient: Patient,
    practitioner: Practitioner,
    type: AppointmentType,
    earliest: dt.date,
    latest: dt.date,
    day_start: dt.time | None = None,
    day_end: dt.time | None = None,
) -> WaitlistEntry:
    entry = WaitlistEntry(
        clinic=actor.clinic,
        patient=patient,
        practitioner=practitioner,
        type=type,
        earliest=earliest,
        latest=latest,
        day_start=day_start,
        day_end=day_end,
    )
    entry.full_clean()
    if practitioner.clinic_id != actor.clinic.pk or patient.clinic_id != actor.clinic.pk:
        raise ValidationError(_("Patient and practitioner must belong to this clinic."))
    with transaction.atomic():
        entry.save()
        audit_record(actor=actor, action=Action.CREATE, patient=patient, obj=entry)
    return entry


def _entry_fits(entry: WaitlistEntry, start: dt.datetime, zone: Any) -> bool:
    local = start.astimezone(zone)
    end = local + dt.timedelta(minutes=entry.type.duration_minutes)
    if not (entry.earliest <= local.date() <= entry.latest):
        return False
    if entry.day_start and local.time() < entry.day_start:
        return False
    if entry.day_end and end.time() > entry.day_end:
        return False
    return True


def waitlist_offer(
    *,
    clinic_actor: Actor,
    practitioner: Practitioner,
    start: dt.datetime,
    now: dt.datetime,
    skip_entry_ids: set[int] | None = None,
) -> WaitlistOffer | None:
    """Offer a freed slot to the first waiting patient it suits (in order of joining)."""
    from acuflow.scheduling.channels import send_offer

    zone = selectors.clinic_zone(practitioner.clinic)
    hours = selectors.schedule_settings(practitioner.clinic).offer_hours
    entries = (
        WaitlistEntry.objects.filter(practitioner=practitioner, status=WaitlistEntry.State.WAITING)
        .exclude(pk__in=skip_entry_ids or set())
        .select_related("patient", "type", "practitioner__user", "clinic")
        .order_by("created_at", "id")
    )
    for entry in entries:
        if not _entry_fits(entry, start, zone):
            continue
        end = start + dt.timedelta(minutes=entry.type.duration_minutes)
        busy = selectors.busy_intervals(practitioner, start, end + dt.timedelta(hours=1))
        buffer_end = end + dt.timedelta(minutes=entry.type.buffer_minutes)
        if any(rules.overlaps(start, buffer_end, s, e) for s, e in busy):
            continue
        offer = WaitlistOffer.objects.create(
            entry=entry,
            start=start,
            expires_at=min(now + dt.timedelta(hours=hours), start),
        )
        entry.status = WaitlistEntry.State.OFFERED
        entry.save(update_fields=["status"])
        audit_record(actor=clinic_actor, action=Action.CREATE, patient=entry.patient, obj=offer)
        transaction.on_commit(partial(send_offer, offer.pk))
        return offer
    return None


def waitlist_answer(
    *, offer: WaitlistOffer, accept: bool, now: dt.datetime | None = None
) -> WaitlistOffer:
    """The patient accepts (booked if the slot is still free) or declines (next in line)."""
    from acuflow.core.actor import Actor

    now = now or timezone.now()
    entry = offer.entry
    actor = Actor(
        user=None,
        clinic=entry.clinic,
        role="system",
        channel="online",
        on_behalf_of=f"patient {entry.patient_id}",
    )
    with transaction.atomic():
        offer = WaitlistOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.status != WaitlistOffer.State.OPEN or offer.expires_at <= now:
            raise SchedulingError("offer_closed", _("This offer is no longer open."), "")
        if accept:
            try:
                with transaction.atomic():
                    appointment = appointment_book(
                        actor=actor,
                        patient=entry.patient,
                        practitioner=entry.practitioner,
                        type=entry.type,
                        start=offer.start,
                        source=Source.WAITLIST,
                        now=now,
                    )
            except SchedulingError:
                # Booked by someone else in the meantime: the patient keeps waiting.
                offer.status = WaitlistOffer.State.TAKEN
                offer.save(update_fields=["status"])
                entry.status = WaitlistEntry.State.WAITING
                entry.save(update_fields=["status"])
                audit_record(actor=actor, action=Action.UPDATE, patient=entry.patient, obj=offer)
                return offer
            offer.status, offer.appointment = WaitlistOffer.State.ACCEPTED, appointment
            offer.save(update_fields=["status", "appointment"])
            entry.status = WaitlistEntry.State.BOOKED
            entry.save(update_fields=["status"])
        else:
            offer.status = WaitlistOffer.State.DECLINED
            offer.save(update_fields=["status"])
            entry.status = WaitlistEntry.State.WAITING
            entry.save(update_fields=["status"])
            waitlist_offer(
                clinic_actor=actor,
                practitioner=entry.practitioner,
                start=offer.start,
                now=now,
                skip_entry_ids=_offered_entries(offer.start, entry.practitioner),
            )
        audit_record(actor=actor, action=Action.UPDATE, patient=entry.patient, obj=offer)
    return offer


def _offered_entries(start: dt.datetime, practitioner: Practitioner) -> set[int]:
    return set(
        WaitlistOffer.objects.filter(start=start, entry__practitioner=practitioner).values_list(
            "entry_id", flat=True
        )
    )


def waitlist_expire(*, now: dt.datetime | None = None) -> int:
    """Close open offers past their time and pass each slot to the next in line."""
    from acuflow.core.actor import Actor

    now = now or timezone.now()
    count = 0
    for offer in WaitlistOffer.objects.filter(
        status=WaitlistOffer.State.OPEN, expires_at__lte=now
    ).select_related("entry__clinic", "entry__practitioner__clinic"):
        with transaction.atomic():
            updated = WaitlistOffer.objects.filter(
                pk=offer.pk, status=WaitlistOffer.State.OPEN
            ).update(status=WaitlistOffer.State.EXPIRED)
            if not updated:
                continue
            WaitlistEntry.objects.filter(pk=offer.entry_id).update(
                status=WaitlistEntry.State.WAITING
            )
            if offer.start > now:
                waitlist_offer(
                    clinic_actor=Actor.system(offer.entry.clinic, label="waitlist"),
                    practitioner=offer.entry.practitioner,
                    start=offer.start,
                    now=now,
                    skip_entry_ids=_offered_entries(offer.start, offer.entry.practitioner),
                )
            count += 1
    return count


# -- working hours and types ------------------------------------------------------------


def working_hours_set(
    *,
    actor: Actor,
    practitioner: Practitioner,
    rows: list[dict[str, Any]],
) -> list[WorkingHours]:
    """Replace a practitioner's weekly pattern (owner, or the practitioner themself)."""
    own = actor.practitioner is not None and actor.practitioner.pk == practitioner.pk
    if not (own or actor.is_owner):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("only the owner or the practitioner may change working hours")
    items = [WorkingHours(practitioner=practitioner, **row) for row in rows]
    for item in items:
        item.full_clean()
    with transaction.atomic():
        WorkingHours.objects.filter(practitioner=practitioner).delete()
        WorkingHours.objects.bulk_create(items)
        audit_record(actor=actor, action=Action.UPDATE, patient=None, obj=practitioner)
    return items


def schedule_exception_add(
    *, actor: Actor, practitioner: Practitioner, **fields: Any
) -> ScheduleException:
    own = actor.practitioner is not None and actor.practitioner.pk == practitioner.pk
    if not (own or actor.is_owner):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("only the owner or the practitioner may change working hours")
    exception = ScheduleException(practitioner=practitioner, **fields)
    exception.full_clean()
    with transaction.atomic():
        exception.save()
        audit_record(actor=actor, action=Action.CREATE, patient=None, obj=exception)
    return exception


def appointment_type_update(
    *, actor: Actor, type: AppointmentType, data: dict[str, Any]
) -> AppointmentType:
    actor.require_owner()
    allowed = {"name", "duration_minutes", "buffer_minutes", "online", "active"}
    for key, value in data.items():
        if key not in allowed:
            raise ValueError(f"unknown field {key}")
        setattr(type, key, value)
    type.full_clean()
    with transaction.atomic():
        type.save(update_fields=list(data))
        audit_record(actor=actor, action=Action.UPDATE, patient=None, obj=type)
    return type


# -- clinic settings and holidays (owner) -------------------------------------------------

SETTINGS_FIELDS = (
    "reminder_hours_before",
    "late_cancel_hours",
    "slot_step_minutes",
    "online_booking",
    "online_days_ahead",
    "offer_hours",
)


def schedule_settings_update(*, actor: Actor, data: dict[str, Any]) -> ScheduleSettings:
    """Change the clinic's scheduling settings (owner). Reminders already queued keep
    their time; new bookings use the new settings."""
    actor.require_owner()
    unknown = set(data) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    with transaction.atomic():
        current = selectors.schedule_settings(actor.clinic)
        found = ScheduleSettings.objects.select_for_update().get(pk=current.pk)
        for key, value in data.items():
            setattr(found, key, value)
        found.full_clean()
        found.save(update_fields=list(data) or None)
        audit_record(actor=actor, action=Action.UPDATE, patient=None, obj=found)
        selectors.remember_schedule_settings(actor.clinic, found)
    return found


def holiday_add(*, actor: Actor, date: dt.date, name: str) -> Holiday:
    """The whole clinic is closed that day (no free slots, no online booking)."""
    actor.require_owner()
    holiday = Holiday(clinic=actor.clinic, date=date, name=name.strip())
    holiday.full_clean()
    try:
        with transaction.atomic():
            holiday.save()
            audit_record(actor=actor, action=Action.CREATE, patient=None, obj=holiday)
    except IntegrityError:  # the same date added at the same moment
        raise ValidationError({"date": [_("This date is already a holiday.")]})
    return holiday


def holiday_delete(*, actor: Actor, holiday: Holiday) -> None:
    actor.require_owner()
    if holiday.clinic_id != actor.clinic.pk:
        raise ValueError("holiday of another clinic")
    with transaction.atomic():
        audit_record(actor=actor, action=Action.DELETE, patient=None, obj=holiday)
        holiday.delete()
