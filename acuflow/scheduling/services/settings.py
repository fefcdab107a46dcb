"""The clinic's scheduling set-up: working hours and exceptions, appointment types, the
clinic's settings and holidays."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from acuflow.accounts.models import Practitioner
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.scheduling import selectors
from acuflow.scheduling.models import (
    AppointmentType,
    Holiday,
    ScheduleException,
    ScheduleSettings,
    WorkingHours,
)

if TYPE_CHECKING:
    from acuflow.core.actor import Actor


def working_hours_set(
    *,
    actor: Actor,
    practitioner: Practitioner,
    rows: list[dict[str, Any]],
) -> list[WorkingHours]:
    """Replace a practitioner's weekly pattern (owner, or the practitioner themself)."""
    own = actor.practitioner is not None and actor.practitioner.pk == practitioner.pk
    if not (own or actor.is_owner):
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
    allowed = {
        "name",
        "names",
        "duration_minutes",
        "buffer_minutes",
        "online",
        "needs_session",
        "active",
    }
    for key, value in data.items():
        if key not in allowed:
            raise ValueError(f"unknown field {key}")
        setattr(type, key, value)
    type.full_clean()
    with transaction.atomic():
        type.save(update_fields=list(data))
        audit_record(actor=actor, action=Action.UPDATE, patient=None, obj=type)
    return type


SETTINGS_FIELDS = (
    "reminder_hours_before",
    "late_cancel_hours",
    "slot_step_minutes",
    "online_booking",
    "online_days_ahead",
    "offer_hours",
    "holiday_region",
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
