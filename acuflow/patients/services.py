"""Writes to patient records: one transaction, validated, audited."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.patients.models import Consent, Patient

if TYPE_CHECKING:
    from acuflow.core.actor import Actor

PATIENT_FIELDS = (
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "language",
    "email",
    "phone",
    "address",
    "notes",
)


def patient_create(
    *,
    actor: Actor,
    given_name: str,
    family_name: str,
    birth_date: dt.date,
    sex: str,
    language: str,
    email: str = "",
    phone: str = "",
    address: str = "",
    notes: str = "",
) -> Patient:
    patient = Patient(
        clinic=actor.clinic,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        birth_date=birth_date,
        sex=sex,
        language=language,
        email=email.strip().lower(),
        phone=phone.strip(),
        address=address,
        notes=notes,
    )
    patient.set_derived_fields()
    patient.full_clean()
    with transaction.atomic():
        patient.save()
        audit_record(actor=actor, action=Action.CREATE, patient=patient, obj=patient)
    return patient


def patient_update(*, actor: Actor, patient: Patient, data: dict[str, Any]) -> Patient:
    unknown = set(data) - set(PATIENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    for field, value in data.items():
        setattr(
            patient, field, value.strip() if isinstance(value, str) and field != "notes" else value
        )
    patient.set_derived_fields()
    patient.updated_at = timezone.now()
    patient.full_clean()
    with transaction.atomic():
        patient.save(update_fields=[*data.keys(), "phone_digits", "family_sort", "updated_at"])
        audit_record(actor=actor, action=Action.UPDATE, patient=patient, obj=patient)
    return patient


def consent_record(
    *, actor: Actor, patient: Patient, kind: str, given: bool, note: str = ""
) -> Consent:
    consent = Consent(patient=patient, kind=kind, given=given, note=note, recorded_by=actor.user)
    consent.full_clean()
    with transaction.atomic():
        consent.save()
        audit_record(actor=actor, action=Action.CREATE, patient=patient, obj=consent)
    return consent
