"""Changing a booked appointment: move, cancel (the freed slot goes to the waitlist),
no-show, arrival, treatment and done. Each is one transaction with its audit row."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acuflow.accounts.models import Practitioner, Room
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.charting.selectors import session_ids_for_appointments
from acuflow.scheduling import rules, selectors
from acuflow.scheduling.models import Appointment, Reminder, Status
from acuflow.scheduling.services.booking import (
    SchedulingError,
    check_start,
    check_type,
    place,
    save_guarded,
)
from acuflow.scheduling.services.reminders import reminders_schedule
from acuflow.scheduling.services.waitlist import waitlist_offer

if TYPE_CHECKING:
    from acuflow.core.actor import Actor


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
    check_start(start, now)
    practitioner = practitioner or appointment.practitioner
    if practitioner.clinic_id != actor.clinic.pk:
        raise ValidationError(_("Patient and practitioner must belong to this clinic."))
    practitioner.clinic = actor.clinic  # proved above
    check_type(appointment.type, practitioner)
    with transaction.atomic():
        end, busy_until, location_id, room = place(
            practitioner=practitioner,
            type=appointment.type,
            start=start,
            room=room,
            exclude_id=appointment.pk,
            patient_id=appointment.patient_id,
        )
        appointment.practitioner = practitioner
        appointment.start, appointment.end, appointment.busy_until = start, end, busy_until
        appointment.location_id, appointment.room = location_id, room
        appointment.updated_at = now
        appointment.full_clean()
        save_guarded(
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
        reminders_schedule(appointment, now=now)
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


DAY_MESSAGES = {
    "invalid_transition": gettext_lazy(
        "An appointment that is %(current)s cannot become %(wanted)s."
    ),
    "not_today": gettext_lazy("A patient can only arrive on the day of the appointment."),
    "not_started": gettext_lazy("This appointment has not started yet."),
    "session_required": gettext_lazy(
        "Chart the session of this appointment before marking it done (it is a treatment)."
    ),
}


def appointment_set_status(
    *, actor: Actor, appointment: Appointment, status: str, now: dt.datetime | None = None
) -> Appointment:
    """One step of the appointment's day: booked -> arrived -> in_treatment -> done, or
    no_show / late_cancelled (rules.DAY_FLOW says which step may follow which; `booked`
    undoes an arrival or a no-show)."""
    now = now or timezone.now()
    if status not in {*rules.DAY_FLOW, "late_cancelled"} or status == Status.CANCELLED:
        raise SchedulingError("invalid_status", _("Unknown status."), "status")
    if appointment.status == Status.CANCELLED:
        raise SchedulingError("not_booked", _("This appointment was cancelled."), "status")
    if status == "late_cancelled":
        if (
            appointment.status not in rules.DAY_FLOW
            or "late_cancelled" not in rules.DAY_FLOW[appointment.status]
        ):
            raise SchedulingError(
                "invalid_transition",
                DAY_MESSAGES["invalid_transition"]
                % {"current": appointment.get_status_display(), "wanted": _("late cancelled")},
                "status",
            )
        return appointment_cancel(
            actor=actor,
            appointment=appointment,
            reason=_("Late cancellation"),
            late_cancel=True,
            now=now,
        )
    charted = bool(session_ids_for_appointments([appointment.pk]))
    problem = rules.day_flow_problem(
        current=appointment.status,
        wanted=status,
        start=appointment.start,
        now=now,
        zone=selectors.clinic_zone(actor.clinic),
        needs_session=appointment.type.needs_session,
        charted=charted,
    )
    if problem is not None:
        raise SchedulingError(
            problem,
            DAY_MESSAGES[problem]
            % {
                "current": appointment.get_status_display(),
                "wanted": Status(status).label,
            },
            "status",
        )
    if status == appointment.status:
        return appointment
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
