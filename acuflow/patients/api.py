from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import EmailStr, field_validator

from acuflow.accounts.api_auth import api_actor
from acuflow.audit.models import Action
from acuflow.audit.selectors import audit_events_for_patient, security_events_for_patient
from acuflow.audit.services import audit_record, audit_shown
from acuflow.core.api.errors import ApiError
from acuflow.core.api.schemas import LanguageCode, StrictIn, paged
from acuflow.patients import selectors, services

router = Router(tags=["patients"])

SexCode = Literal["female", "male", "other", "unknown"]
Phone = Field(default="", max_length=32, pattern=r"^(\+?[0-9 ()\-]{6,20})?$")


def _check_birth_date(value: dt.date | None) -> dt.date | None:
    if value is not None and not (dt.date(1900, 1, 1) <= value <= dt.date.today()):
        raise ValueError("birth date must be between 1900-01-01 and today")
    return value


class PatientOut(Schema):
    id: int
    given_name: str
    family_name: str
    birth_date: dt.date
    sex: str
    language: str
    email: str
    phone: str
    address: str
    notes: str | None = None


class PatientCreateIn(StrictIn):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    birth_date: dt.date
    sex: SexCode
    language: LanguageCode
    email: EmailStr | Literal[""] = ""
    phone: str = Phone
    address: str = Field(default="", max_length=500)
    notes: str = Field(default="", max_length=5000)

    _birth = field_validator("birth_date")(_check_birth_date)


class PatientPatchIn(StrictIn):
    given_name: str | None = Field(default=None, min_length=1, max_length=100)
    family_name: str | None = Field(default=None, min_length=1, max_length=100)
    birth_date: dt.date | None = None
    sex: SexCode | None = None
    language: LanguageCode | None = None
    email: EmailStr | Literal[""] | None = None
    phone: str | None = Field(default=None, max_length=32, pattern=r"^(\+?[0-9 ()\-]{6,20})?$")
    address: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=5000)

    _birth = field_validator("birth_date")(_check_birth_date)


class PatientList(Schema):
    items: list[PatientOut]
    count: int


class AuditEventOut(Schema):
    id: int
    at: dt.datetime
    user: str | None
    actor: str
    on_behalf_of: str
    action: str
    object_type: str
    object_id: str
    channel: str
    client_address: str | None


class RefusedOut(Schema):
    id: int
    at: dt.datetime
    kind: str
    reason: str
    actor: str
    clinic_id: int | None  # the clinic of whoever tried: another clinic's staff too
    target_type: str
    target_id: str
    channel: str
    client_address: str | None


class AuditList(Schema):
    items: list[AuditEventOut]
    count: int
    refused: list[RefusedOut]  # refused attempts on the record, newest first (at most 100)
    refused_count: int


def _out(patient, *, clinical: bool) -> dict:  # type: ignore[no-untyped-def]
    data = PatientOut.from_orm(patient).dict()
    if not clinical:
        data["notes"] = None  # reception: demographics only
    return data


@router.get("/patients", response=PatientList, summary="Search patients")
def list_patients(
    request: HttpRequest,
    q: str = Query("", max_length=100),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict:
    actor = api_actor(request)
    items, count = paged(selectors.patient_list(actor=actor, q=q), limit, offset)
    audit_shown(
        actor=actor,
        object_type="patients.search",
        patient_ids=[p.pk for p in items],
        detail={"q": q, "offset": offset},
    )
    return {"items": [_out(p, clinical=actor.sees_clinical) for p in items], "count": count}


@router.post("/patients", response={201: PatientOut}, summary="Create a patient")
def create_patient(request: HttpRequest, payload: PatientCreateIn) -> Status[dict]:
    actor = api_actor(request)
    patient = services.patient_create(actor=actor, **payload.dict())
    return Status(201, _out(patient, clinical=actor.sees_clinical))


@router.get("/patients/{patient_id}", response=PatientOut, summary="One patient")
def get_patient(request: HttpRequest, patient_id: int) -> dict:
    actor = api_actor(request)
    patient = selectors.patient_get_for_actor(actor=actor, patient_id=patient_id)
    return _out(patient, clinical=actor.sees_clinical)


@router.patch("/patients/{patient_id}", response=PatientOut, summary="Change a patient")
def patch_patient(request: HttpRequest, patient_id: int, payload: PatientPatchIn) -> dict:
    actor = api_actor(request)
    data = payload.dict(exclude_unset=True)
    if any(data.get(k) is None for k in data):
        nulls = sorted(k for k in data if data[k] is None)
        raise ApiError(
            422,
            "validation_error",
            f"{', '.join(nulls)}: may not be null",
            {k: ["may not be null"] for k in nulls},
        )
    if "notes" in data:
        actor.require_clinical()
    with transaction.atomic():
        patient = selectors.patient_get_for_actor(
            actor=actor, patient_id=patient_id, audit=None, for_update=True
        )
        if data:
            patient = services.patient_update(actor=actor, patient=patient, data=data)
    return _out(patient, clinical=actor.sees_clinical)


@router.get("/patients/{patient_id}/audit", response=AuditList, summary="Who accessed the record")
def patient_audit(
    request: HttpRequest,
    patient_id: int,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict:
    actor = api_actor(request)
    patient = selectors.patient_get_for_actor(actor=actor, patient_id=patient_id, audit=None)
    actor.require_owner()
    audit_record(actor=actor, action=Action.READ, patient=patient, object_type="audit.trail")
    items, count = paged(audit_events_for_patient(patient=patient), limit, offset)
    refused = security_events_for_patient(patient=patient)
    return {
        "items": [
            {
                "id": e.id,
                "at": e.at,
                "user": e.user.email if e.user else None,
                "actor": e.actor_label,
                "on_behalf_of": e.on_behalf_of,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "channel": e.channel,
                "client_address": e.client_address,
            }
            for e in items
        ],
        "count": count,
        "refused": [
            {
                "id": r.id,
                "at": r.at,
                "kind": r.kind,
                "reason": r.reason,
                "actor": r.actor_label,
                "clinic_id": r.clinic_id,
                "target_type": r.target_type,
                "target_id": r.target_id,
                "channel": r.channel,
                "client_address": r.client_address,
            }
            for r in refused[:100]
        ],
        "refused_count": refused.count(),
    }
