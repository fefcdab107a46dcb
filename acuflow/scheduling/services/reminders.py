"""Putting an appointment's reminders in the outbox when it is booked or moved (sending
them, exactly once, is `acuflow.scheduling.reminders`, run by `acuflow worker`)."""

from __future__ import annotations

import datetime as dt

from acuflow.patients.models import Consent, ConsentKind, Patient
from acuflow.scheduling import rules, selectors
from acuflow.scheduling.channels import channels_for
from acuflow.scheduling.models import Appointment, Reminder


def _wants_reminders(patient: Patient) -> bool:
    """Unless the patient has said no to reminders (latest consent record wins)."""
    latest = (
        Consent.objects.filter(patient=patient, kind=ConsentKind.REMINDERS)
        .order_by("-recorded_at", "-id")
        .values_list("given", flat=True)
        .first()
    )
    return latest is None or latest


def reminders_schedule(appointment: Appointment, *, now: dt.datetime) -> None:
    patient = appointment.patient
    if appointment.start <= now or not _wants_reminders(patient):
        return
    hours = selectors.schedule_settings(appointment.clinic).reminder_hours_before
    due = rules.reminder_due(start=appointment.start, hours_before=hours, now=now)
    for channel in channels_for(patient):
        Reminder.objects.create(
            appointment=appointment, channel=channel, due_at=due, next_attempt_at=due
        )
