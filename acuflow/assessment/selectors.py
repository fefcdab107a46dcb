"""Reads of assessments: scoped to the actor's clinic (404 outside it), clinical staff
only, every read of one assessment audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from acuflow.assessment.models import Assessment, Referral, ScreenOffer
from acuflow.core.access import get_for_actor

if TYPE_CHECKING:
    from acuflow.core.actor import Actor
    from acuflow.patients.models import Patient


def _base() -> QuerySet[Assessment]:
    return Assessment.objects.select_related(
        "patient", "patient__clinic", "practitioner__user", "author"
    ).prefetch_related("referrals")


def assessment_get_for_actor(
    *, actor: Actor, assessment_id: int | str, audit: str | None = "read", for_update: bool = False
) -> Assessment:
    return get_for_actor(
        _base(),
        actor=actor,
        pk=assessment_id,
        what="assessment",
        audit=audit,
        for_update=for_update,
    )


def assessments_for_patient(*, actor: Actor, patient: Patient) -> QuerySet[Assessment]:
    """The patient's assessments (the caller fetched the patient through the access helper)."""
    actor.require_clinical()
    return _base().filter(patient=patient, patient__clinic=actor.clinic)


def referral_get_for_actor(
    *, actor: Actor, referral_id: int | str, audit: str | None = "read"
) -> Referral:
    return get_for_actor(
        Referral.objects.select_related(
            "assessment__patient__clinic", "assessment__practitioner__user", "author"
        ),
        actor=actor,
        pk=referral_id,
        what="referral",
        scope="assessment__patient__clinic",
        patient=lambda referral: referral.assessment.patient,
        audit=audit,
    )


def screen_offer_for(patient: Patient) -> ScreenOffer | None:
    """The patient's newest red-flag answers not yet used by a screen."""
    return (
        ScreenOffer.objects.filter(patient=patient, used_by=None).order_by("-answered_at").first()
    )
