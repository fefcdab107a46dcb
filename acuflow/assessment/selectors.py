"""Reads of assessments: scoped to the actor's clinic (404 outside it), clinical staff
only, every read of one assessment audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from acuflow.assessment.models import Assessment, Referral
from acuflow.audit.services import audit_record

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
    try:
        pk = int(assessment_id)
    except (TypeError, ValueError):
        raise Http404("assessment not found")
    qs = _base().filter(patient__clinic=actor.clinic, pk=pk)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    assessment = qs.first()
    if assessment is None:
        raise Http404("assessment not found")
    actor.require_clinical()
    if audit:
        with transaction.atomic():
            audit_record(actor=actor, action=audit, patient=assessment.patient, obj=assessment)
    return assessment


def assessments_for_patient(*, actor: Actor, patient: Patient) -> QuerySet[Assessment]:
    """The patient's assessments (the caller fetched the patient through the access helper)."""
    actor.require_clinical()
    return _base().filter(patient=patient, patient__clinic=actor.clinic)


def referral_get_for_actor(
    *, actor: Actor, referral_id: int | str, audit: str | None = "read"
) -> Referral:
    try:
        pk = int(referral_id)
    except (TypeError, ValueError):
        raise Http404("referral not found")
    referral = (
        Referral.objects.select_related(
            "assessment__patient__clinic", "assessment__practitioner__user", "author"
        )
        .filter(assessment__patient__clinic=actor.clinic, pk=pk)
        .first()
    )
    if referral is None:
        raise Http404("referral not found")
    actor.require_clinical()
    if audit:
        with transaction.atomic():
            audit_record(
                actor=actor, action=audit, patient=referral.assessment.patient, obj=referral
            )
    return referral
