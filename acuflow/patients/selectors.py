"""Reads of patients. `patient_get_for_actor` is THE access helper for a patient's
record: it scopes to the actor's clinic (404 outside it) and audits the read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from acuflow.audit.models import Action
from acuflow.core.access import get_for_actor
from acuflow.patients.models import Patient

if TYPE_CHECKING:
    from acuflow.core.actor import Actor


def patient_list(*, actor: Actor, q: str = "") -> QuerySet[Patient]:
    return Patient.objects.for_clinic(actor.clinic).search(q)


def patient_get_for_actor(
    *,
    actor: Actor,
    patient_id: int | str,
    clinical: bool = False,
    audit: str | None = Action.READ,
    object_type: str = "patients.patient",
    object_id: str = "",
    for_update: bool = False,
) -> Patient:
    """The patient with this id in the actor's clinic, or Http404.

    `core.access.get_for_actor` with the patient as its own record. clinical=True also
    demands a clinical role (reception gets 403). The read is written to the audit trail
    unless audit=None (callers that audit a write instead); object_type and object_id
    name what was read when it is a part of the record (the course list, the trail).
    """
    patient = get_for_actor(
        Patient.objects.all(),
        actor=actor,
        pk=patient_id,
        what="patient",
        scope="clinic",
        patient=lambda patient: patient,
        clinical=clinical,
        audit=audit,
        audit_as=(object_type, object_id),
        for_update=for_update,
    )
    patient.clinic = actor.clinic  # the scope proved it; saves a query per use
    return patient


def consent_latest(*, patient: Patient, kind: str) -> bool | None:
    """The patient's latest answer for one kind of consent; None when none is recorded."""
    latest = patient.consents.filter(kind=kind).order_by("-recorded_at", "-id").first()
    return None if latest is None else latest.given
