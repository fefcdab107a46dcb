"""Admin pages for clinic owners (is_staff), scoped to their own clinic."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import ForeignKey, Q, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from acuflow.accounts.models import Clinic, Location, Membership, Practitioner, Room, User
from acuflow.accounts.services import password_link_send
from acuflow.core.forms import LanguageAdminMixin


class ClinicScopedAdmin(LanguageAdminMixin, admin.ModelAdmin):
    clinic_path = "clinic"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        membership = getattr(request.user, "membership", None)
        if membership is None or membership.role != "owner":
            return qs.none()
        return qs.filter(**{self.clinic_path: membership.clinic})

    def has_module_permission(self, request: HttpRequest) -> bool:
        membership = getattr(request.user, "membership", None)
        return request.user.is_superuser or (membership is not None and membership.role == "owner")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    has_change_permission = has_view_permission
    has_add_permission = has_view_permission  # type: ignore[assignment]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        """Choices of clinic, location, room, practitioner and user limited to the owner's
        clinic, so that an owner cannot file a row under another clinic."""
        if not request.user.is_superuser:
            membership = getattr(request.user, "membership", None)
            clinic_id: int = membership.clinic_id if membership is not None else 0
            scoped: dict[type, QuerySet[Any]] = {
                Clinic: Clinic.objects.filter(pk=clinic_id),
                Location: Location.objects.filter(clinic_id=clinic_id),
                Room: Room.objects.filter(location__clinic_id=clinic_id),
                Practitioner: Practitioner.objects.filter(clinic_id=clinic_id),
                # staff of this clinic, and new accounts not yet in any clinic
                User: User.objects.filter(
                    Q(membership__clinic_id=clinic_id) | Q(membership__isnull=True)
                ),
            }
            if db_field.related_model in scoped:
                kwargs["queryset"] = scoped[db_field.related_model]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Clinic)
class ClinicAdmin(ClinicScopedAdmin):
    clinic_path = "pk"
    list_display = ["name", "slug", "country", "language", "timezone"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return qs
        membership = getattr(request.user, "membership", None)
        return qs.filter(pk=membership.clinic_id) if membership else qs.none()

    def has_add_permission(self, request: HttpRequest) -> bool:  # type: ignore[override]
        return request.user.is_superuser


@admin.register(Location)
class LocationAdmin(ClinicScopedAdmin):
    list_display = ["name", "clinic"]


@admin.register(Room)
class RoomAdmin(ClinicScopedAdmin):
    clinic_path = "location__clinic"
    list_display = ["name", "location"]


@admin.register(Membership)
class MembershipAdmin(ClinicScopedAdmin):
    list_display = ["user", "role", "clinic"]


@admin.register(Practitioner)
class PractitionerAdmin(ClinicScopedAdmin):
    list_display = [
        "user",
        "profession",
        "professional_body",
        "registration_number",
        "registration_expires",
    ]


@admin.register(User)
class UserAdmin(ClinicScopedAdmin):
    clinic_path = "membership__clinic"
    list_display = ["email", "full_name", "is_active"]
    fields = ["email", "full_name", "language", "is_active"]
    search_fields = ["email", "full_name"]
    actions = ["send_password_link"]

    @admin.action(description=_("Send a link to set their password (invitation)"))
    def send_password_link(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Staff created here have no password yet: this mails each selected (active)
        account a one-time link to set one. The queryset is already the owner's clinic."""
        sent = 0
        for user in queryset.select_related("membership__clinic"):
            sent += password_link_send(
                user=user, base_url=request.build_absolute_uri("/"), invitation=True
            )
        self.message_user(
            request,
            ngettext("%(count)d link sent.", "%(count)d links sent.", sent) % {"count": sent},
            messages.SUCCESS,
        )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change and not obj.password:
            obj.set_unusable_password()  # new staff set their own through the link
        super().save_model(request, obj, form, change)
