"""Admin for the clinic's scheduling configuration, scoped to the owner's clinic.

Appointments, waitlist entries, online requests and reminders carry patient data and are
deliberately not here: the admin reads around the audit trail. Staff use the calendar."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest

from acuflow.accounts.admin import ClinicScopedAdmin
from acuflow.accounts.models import Clinic, Location, Practitioner
from acuflow.scheduling.models import (
    AppointmentType,
    Holiday,
    ScheduleException,
    ScheduleSettings,
    WorkingHours,
)


class SchedulingAdmin(ClinicScopedAdmin):
    """Choices of clinic, practitioner and location limited to the owner's clinic, so
    that an owner cannot file a row under another clinic."""

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        membership = getattr(request.user, "membership", None)
        if not request.user.is_superuser:
            clinic_id: int = membership.clinic_id if membership is not None else 0
            scoped: dict[type, QuerySet[Any]] = {
                Clinic: Clinic.objects.filter(pk=clinic_id),
                Practitioner: Practitioner.objects.filter(clinic_id=clinic_id),
                Location: Location.objects.filter(clinic_id=clinic_id),
            }
            if db_field.related_model in scoped:
                kwargs["queryset"] = scoped[db_field.related_model]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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
