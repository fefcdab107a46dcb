"""Reads of patients. `patient_get_for_actor` is THE access helper for a patient's
record: it scopes to the actor's clinic (404 outside it) and audits the read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from acuflow.audit.models import Action
from acuflow.audit.services import audit_record

if TYPE_CHECKING:
    from acuflow.core.actor import Actor
    from acuflow.patients.models import Patient


def patient_list(*, actor: Actor, q: str = "") -> QuerySet[Patient]:
    from acuflow.patients.models import Patient

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

    clinical=True also demands a clinical role (reception gets 403). The read is
    written to the audit trail unless audit=None (callers that audit a write instead).
    """
    from acuflow.patients.models import Patient

    try:
        pk = int(patient_id)
    except (TypeError, ValueError):
        raise Http404("patient not found")
    qs = Patient.objects.filter(clinic=actor.clinic, pk=pk)
    if for_update:
        qs = qs.select_for_update()
    patient = qs.first()
    if patient is None:
        raise Http404("patient not found")
    patient.clinic = actor.clinic  # the filter above proved it; saves a query per use
    if clinical:
        actor.require_clinical()
    if audit:
        # No savepoint inside a caller's transaction: one INSERT is atomic by itself.
        with transaction.atomic(savepoint=False):
            audit_record(
                actor=actor,
                action=audit,
                patient=patient,
                object_type=object_type,
                object_id=object_id or str(patient.pk),
            )
    return patient
