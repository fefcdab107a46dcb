from django.contrib import admin

from acuflow.accounts.admin import ClinicScopedAdmin
from acuflow.public.models import ClinicProfile, ContactMessage, OpeningHours


@admin.register(ClinicProfile)
class ClinicProfileAdmin(ClinicScopedAdmin):
    list_display = ["clinic", "published"]


@admin.register(OpeningHours)
class OpeningHoursAdmin(ClinicScopedAdmin):
    list_display = ["clinic", "weekday", "opens", "closes"]
    list_filter = ["clinic"]


@admin.register(ContactMessage)
class ContactMessageAdmin(ClinicScopedAdmin):
    list_display = ["clinic", "name", "received_at", "handled_at"]
    list_filter = ["clinic"]
