from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from acuflow.accounts.models import Clinic, Practitioner
from acuflow.public.models import ClinicProfile, ContactMessage, OpeningHours

if TYPE_CHECKING:
    from acuflow.core.actor import Actor


def clinic_for_public(*, slug: str) -> Clinic:
    """A clinic whose public page is published (a clinic without a profile row is)."""
    clinic = Clinic.objects.filter(slug=slug).select_related("public_profile").first()
    if clinic is None:
        raise Http404("no such clinic")
    profile = getattr(clinic, "public_profile", None)
    if profile is not None and not profile.published:
        raise Http404("clinic page not published")
    return clinic


def profile_of(clinic: Clinic) -> ClinicProfile | None:
    try:
        return clinic.public_profile
    except ClinicProfile.DoesNotExist:
        return None


def practitioners_for_public(*, clinic: Clinic) -> list[Practitioner]:
    return list(
        Practitioner.objects.filter(clinic=clinic, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name")
    )


def opening_hours_for_public(*, clinic: Clinic) -> list[OpeningHours]:
    return list(OpeningHours.objects.filter(clinic=clinic).order_by("weekday", "opens"))


def inbox_for_actor(*, actor: Actor) -> QuerySet[ContactMessage]:
    return (
        ContactMessage.objects.filter(clinic=actor.clinic)
        .select_related("handled_by")
        .order_by("handled_at", "-received_at", "-id")
    )


def message_get_for_actor(*, actor: Actor, message_id: int | str) -> ContactMessage:
    try:
        pk = int(message_id)
    except (TypeError, ValueError):
        raise Http404("message not found")
    message = ContactMessage.objects.filter(clinic=actor.clinic, pk=pk).first()
    if message is None:
        raise Http404("message not found")
    return message
