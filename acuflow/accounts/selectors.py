from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from acuflow.accounts.models import Practitioner
from acuflow.core.actor import Actor


def practitioner_list(*, actor: Actor) -> QuerySet[Practitioner]:
    return Practitioner.objects.filter(clinic=actor.clinic).select_related("user")


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
