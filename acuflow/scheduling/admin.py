"""Admin for the clinic's scheduling configuration, scoped to the owner's clinic.

Appointments, waitlist entries, online requests and reminders carry patient data and are
deliberately not here: the admin reads around the audit trail. Staff use the calendar."""

from __future__ import annotations

from django.contrib import admin

from acuflow.accounts.admin import ClinicScopedAdmin
from acuflow.scheduling.models import (
    AppointmentType,
    Holiday,
    ScheduleException,
    ScheduleSettings,
    WorkingHours,
)


class SchedulingAdmin(ClinicScopedAdmin):
    """Choices of clinic, practitioner and location come scoped from ClinicScopedAdmin."""


@admin.register(ScheduleSettings)
class ScheduleSettingsAdmin(SchedulingAdmin):
    list_display = [
        "clinic",
        "reminder_hours_before",
        "late_cancel_hours",
        "slot_step_minutes",
        "online_booking",
    ]


@admin.register(AppointmentType)
class AppointmentTypeAdmin(SchedulingAdmin):
    list_display = ["name", "code", "duration_minutes", "buffer_minutes", "online", "active"]
    list_filter = ["active", "online"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(SchedulingAdmin):
    clinic_path = "practitioner__clinic"
    list_display = ["practitioner", "location", "weekday", "start", "end"]
    list_select_related = ["practitioner__user", "location"]


@admin.register(ScheduleException)
class ScheduleExceptionAdmin(SchedulingAdmin):
    clinic_path = "practitioner__clinic"
    list_display = ["practitioner", "date", "kind", "start", "end", "note"]
    list_select_related = ["practitioner__user"]


@admin.register(Holiday)
class HolidayAdmin(SchedulingAdmin):
    list_display = ["date", "name", "clinic"]
    date_hierarchy = "date"
