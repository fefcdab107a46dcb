from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from acuflow.accounts.models import ApiToken, Clinic, Location, Practitioner
from acuflow.core.access import refusal_record
from acuflow.core.actor import Actor
from acuflow.core.prepared import MARKER_ID, Prepared


def practitioner_list(*, actor: Actor) -> QuerySet[Practitioner]:
    return Practitioner.objects.filter(clinic=actor.clinic).select_related("user")


# The calendars and the booking read a clinic's practitioners and locations on every
# request: compiled once (acuflow.core.prepared), in the models' order.
_PRACTITIONERS = Prepared(
    Practitioner,
    lambda: Practitioner.objects.filter(clinic_id=MARKER_ID).select_related("user"),
    clinic=MARKER_ID,
)
_LOCATIONS = Prepared(
    Location, lambda: Location.objects.filter(clinic_id=MARKER_ID), clinic=MARKER_ID
)


def practitioners_of(clinic: Clinic) -> list[Practitioner]:
    """The clinic's practitioners with their users, by name."""
    found: list[Practitioner] = _PRACTITIONERS.rows(clinic=clinic.pk)
    return found


def locations_of(clinic: Clinic) -> list[Location]:
    """The clinic's locations, by name."""
    found: list[Location] = _LOCATIONS.rows(clinic=clinic.pk)
    return found


def practitioner_get_for_actor(*, actor: Actor, practitioner_id: int | str) -> Practitioner:
    """The practitioner with this id in the actor's clinic, or Http404."""
    try:
        pk = int(practitioner_id)
    except (TypeError, ValueError):
        raise Http404("practitioner not found")
    practitioner = practitioner_list(actor=actor).filter(pk=pk).first()
    if practitioner is None:
        raise Http404("practitioner not found")
    return practitioner


def api_token_list(*, actor: Actor) -> QuerySet[ApiToken]:
    """The actor's own API tokens; an owner sees every token of their clinic."""
    tokens = ApiToken.objects.select_related("user")
    if actor.is_owner:
        return tokens.filter(user__membership__clinic=actor.clinic)
    return tokens.filter(user=actor.user)


def api_token_get_for_actor(*, actor: Actor, token_id: int | str) -> ApiToken:
    """One token the actor may see (see api_token_list), or Http404 (written as a
    refused access)."""
    try:
        pk = int(token_id)
    except (TypeError, ValueError):
        pk = None
    token = api_token_list(actor=actor).filter(pk=pk).first() if pk is not None else None
    if token is None:
        refusal_record(
            actor=actor,
            reason="not_found",
            target_type="accounts.apitoken",
            target_id=token_id,
            patient_id=None,
        )
        raise Http404("token not found")
    return token
