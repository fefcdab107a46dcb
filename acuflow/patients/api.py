from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import EmailStr, field_validator

from acuflow.accounts.api_auth import api_actor
from acuflow.audit.models import Action
from acuflow.audit.selectors import audit_events_for_patient, security_events_for_patient
from acuflow.audit.services import audit_record, audit_shown
from acuflow.core.api.answers import json_answer
from acuflow.core.api.errors import ApiError
from acuflow.core.api.schemas import (
    WINDOW_TOTAL,
    ErrorOut,
    LanguageCode,
    Limit,
    Offset,
    SafeLine,
    SafeStr,
    StrictIn,
    paged,
)
from acuflow.core.errors import domain_status
from acuflow.patients import selectors, services
from acuflow.patients.models import GeneralPractitioner

router = Router(tags=["patients"])

SexCode = Literal["female", "male", "other", "unknown"]
Phone = Field(default="", max_length=32, pattern=r"^(\+?[0-9 ()\-]{6,20})?$")
IdentifierSystem = Literal["bsn", "no-fnr", "es-dni", "es-nie", "us-ssn"]
# One line of printable text: no control characters (a NUL, an escape, a line break).
ONE_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"


def _check_birth_date(value: dt.date | None) -> dt.date | None:
    if value is not None and not (dt.date(1900, 1, 1) <= value <= dt.date.today()):
        raise ValueError("birth date must be between 1900-01-01 and today")
    return value


class IdentifierIn(StrictIn):
    system: IdentifierSystem
    value: str = Field(min_length=1, max_length=32, pattern=ONE_LINE)


class IdentifierOut(Schema):
    system: str
    value: str = Field(description="Masked (e.g. •••••1234); see /identifiers?reveal=true")


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
    identifiers: list[IdentifierOut] = []
    insurer: str = ""
    policy_number: str = ""
    gp: int | None = None
    merged_into: int | None = Field(None, description="Set when merged into that record")


class PatientCreateIn(StrictIn):
    given_name: SafeLine = Field(min_length=1, max_length=100)
    family_name: SafeLine = Field(min_length=1, max_length=100)
    birth_date: dt.date
    sex: SexCode
    language: LanguageCode
    email: EmailStr | Literal[""] = ""
    phone: str = Phone
    address: SafeStr = Field(default="", max_length=500)
    notes: SafeStr = Field(default="", max_length=5000)
    identifiers: list[IdentifierIn] = Field(default=[], max_length=5)
    insurer: str = Field(default="", max_length=100, pattern=ONE_LINE)
    policy_number: str = Field(default="", max_length=40, pattern=ONE_LINE)
    gp: int | None = Field(default=None, ge=1, description="Id of a GP record of this clinic")
    confirm_new: bool = Field(
        default=False, description="Create even though possible duplicates were found"
    )

    _birth = field_validator("birth_date")(_check_birth_date)


class PatientPatchIn(StrictIn):
    given_name: SafeLine | None = Field(default=None, min_length=1, max_length=100)
    family_name: SafeLine | None = Field(default=None, min_length=1, max_length=100)
    birth_date: dt.date | None = None
    sex: SexCode | None = None
    language: LanguageCode | None = None
    email: EmailStr | Literal[""] | None = None
    phone: str | None = Field(default=None, max_length=32, pattern=r"^(\+?[0-9 ()\-]{6,20})?$")
    address: SafeStr | None = Field(default=None, max_length=500)
    notes: SafeStr | None = Field(default=None, max_length=5000)
    identifiers: list[IdentifierIn] | None = Field(
        default=None, max_length=5, description="Replaces all identifiers"
    )
    insurer: str | None = Field(default=None, max_length=100, pattern=ONE_LINE)
    policy_number: str | None = Field(default=None, max_length=40, pattern=ONE_LINE)
    gp: int | None = Field(default=None, ge=1, description="null removes the GP")

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


class DuplicateOut(Schema):
    error: str = "possible_duplicate"
    detail: str
    candidates: list[PatientOut]


class RevealedIdentifierOut(Schema):
    system: str
    value: str = Field(description="In full only with reveal=true (audited), else masked")
    masked: str


class IdentifierList(Schema):
    items: list[RevealedIdentifierOut]
    revealed: bool


class GpIn(StrictIn):
    name: str = Field(min_length=1, max_length=200, pattern=ONE_LINE)
    practice: str = Field(default="", max_length=200, pattern=ONE_LINE)
    address: str = Field(
        default="", max_length=500, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
    )
    phone: str = Phone
    email: EmailStr | Literal[""] = ""
    agb_code: str = Field(default="", pattern=r"^([0-9]{8})?$", description="NL: 8 digits")
    her_id: str = Field(default="", pattern=r"^([0-9]{1,9})?$", description="NO: HER-id")
    language: LanguageCode | Literal[""] = ""


class GpOut(Schema):
    id: int
    name: str
    practice: str
    address: str
    phone: str
    email: str
    agb_code: str
    her_id: str
    language: str


class GpList(Schema):
    items: list[GpOut]
    count: int


class MergeIn(StrictIn):
    duplicate: int = Field(ge=1, description="Id of the record merged into this one")


class MergeOut(Schema):
    id: int
    kept: int
    duplicate: int
    moved: dict[str, int] = Field(description="Rows moved per relation")
    merged_at: dt.datetime
    undo_until: dt.datetime
    undone_at: dt.datetime | None


def _out(patient, *, clinical: bool) -> dict:  # type: ignore[no-untyped-def]
    row = {column: getattr(patient, column) for column in selectors.ROW_COLUMNS}
    identifiers = selectors.masked_identifiers([patient.pk])[patient.pk]
    return _row_out(row, identifiers, clinical)


def _row_out(
    row: dict[str, Any], identifiers: list[dict[str, str]], clinical: bool
) -> dict[str, Any]:
    """`_out` of a `selectors.patient_rows` row, keys in PatientOut's order."""
    return {
        "id": row["id"],
        "given_name": row["given_name"],
        "family_name": row["family_name"],
        "birth_date": row["birth_date"],
        "sex": row["sex"],
        "language": row["language"],
        "email": row["email"],
        "phone": row["phone"],
        "address": row["address"],
        "notes": row["notes"] if clinical else None,  # reception: demographics only
        "identifiers": identifiers,
        "insurer": row["insurer"],
        "policy_number": row["policy_number"],
        "gp": row["gp_id"],
        "merged_into": row["merged_into_id"],
    }


def _merge_out(merge) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": merge.pk,
        "kept": merge.kept_id,
        "duplicate": merge.duplicate_id,
        "moved": {k: len(v) for k, v in merge.moved.items()},
        "merged_at": merge.merged_at,
        "undo_until": merge.undo_until(),
        "undone_at": merge.undone_at,
    }


@router.get("/patients", response={200: PatientList, 422: ErrorOut}, summary="Search patients")
def list_patients(
    request: HttpRequest,
    q: str = Query("", max_length=100),
    limit: Limit = 50,
    offset: Offset = 0,
) -> HttpResponse:
    actor = api_actor(request)
    # A search sorts all its matches to take a page: the count comes with them.
    rows, count = paged(selectors.patient_rows(actor=actor, q=q), limit, offset, total=WINDOW_TOTAL)
    ids = [row["id"] for row in rows]
    identifiers = selectors.masked_identifiers(ids)
    audit_shown(
        actor=actor,
        object_type="patients.search",
        patient_ids=ids,
        detail={"q": q, "offset": offset},
    )
    clinical = actor.sees_clinical
    # Plain values of PatientOut's types: rendered without validating them again
    # (test_api's test_search_answer_is_the_schema_answer holds the two together).
    return json_answer(
        {"items": [_row_out(r, identifiers[r["id"]], clinical) for r in rows], "count": count}
    )


@router.post(
    "/patients",
    response={201: PatientOut, 409: DuplicateOut | ErrorOut, 422: ErrorOut},
    summary="Create a patient",
    description="409 possible_duplicate lists the candidates (same birth date and a similar "
    'name, or the same identifier); send "confirm_new": true to create anyway. '
    "422 invalid_identifier for a number that fails its country's check; 409 "
    "identifier_in_use when another patient has it; 422 unknown_gp.",
)
def create_patient(request: HttpRequest, payload: PatientCreateIn) -> Status[dict]:
    actor = api_actor(request)
    data = payload.dict()
    confirm_new = data.pop("confirm_new")
    data["gp"] = selectors.gp_for_field(actor=actor, gp_id=data.pop("gp"))
    try:
        patient = services.patient_create(actor=actor, warn_duplicates=not confirm_new, **data)
    except services.PossibleDuplicate as exc:
        with transaction.atomic():
            audit_record(
                actor=actor, action=Action.READ, patient=None, object_type="patients.duplicates"
            )
        return Status(
            domain_status(exc.code),
            {
                "error": exc.code,
                "detail": exc.message,
                "candidates": [_out(p, clinical=actor.sees_clinical) for p in exc.candidates],
            },
        )
    return Status(201, _out(patient, clinical=actor.sees_clinical))


@router.get(
    "/patients/duplicates",
    response={200: PatientList, 422: ErrorOut},
    summary="Patients who may be this one",
    description="Same birth date and a similar name (typos, accents, a Dutch prefix left "
    "out, given and family name swapped).",
)
def patient_duplicates(
    request: HttpRequest,
    birth_date: dt.date,
    given_name: str = Query(..., min_length=1, max_length=100),
    family_name: str = Query(..., min_length=1, max_length=100),
) -> dict:
    actor = api_actor(request)
    items = selectors.patient_duplicates(
        clinic=actor.clinic, given_name=given_name, family_name=family_name, birth_date=birth_date
    )
    audit_record(actor=actor, action=Action.READ, patient=None, object_type="patients.duplicates")
    return {"items": [_out(p, clinical=actor.sees_clinical) for p in items], "count": len(items)}


@router.get("/gps", response={200: GpList, 422: ErrorOut}, summary="The clinic's GPs")
def list_gps(
    request: HttpRequest,
    q: str = Query("", max_length=100, description="Name, practice, AGB code or HER-id"),
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict:
    actor = api_actor(request)
    items, count = paged(selectors.gp_list(actor=actor, q=q), limit, offset)
    return {"items": items, "count": count}


@router.post("/gps", response={201: GpOut, 422: ErrorOut}, summary="Add a GP")
def create_gp(request: HttpRequest, payload: GpIn) -> Status[GeneralPractitioner]:
    actor = api_actor(request)
    return Status(201, services.gp_create(actor=actor, **payload.dict()))


@router.get("/gps/{gp_id}", response={200: GpOut, 404: ErrorOut}, summary="One GP")
def get_gp(request: HttpRequest, gp_id: int) -> GeneralPractitioner:
    actor = api_actor(request)
    return selectors.gp_get_for_actor(actor=actor, gp_id=gp_id)


@router.get(
    "/patients/{patient_id}/identifiers",
    response={200: IdentifierList, 404: ErrorOut, 422: ErrorOut},
    summary="A patient's national identifiers",
    description="Masked unless reveal=true; a reveal is written to the audit trail.",
)
def patient_identifiers(request: HttpRequest, patient_id: int, reveal: bool = False) -> dict:
    actor = api_actor(request)
    with transaction.atomic():
        patient = selectors.patient_get_for_actor(
            actor=actor, patient_id=patient_id, audit=None if reveal else Action.READ
        )
        if reveal:
            rows = services.identifiers_reveal(actor=actor, patient=patient)
        else:
            rows = list(patient.identifiers.all())
    return {
        "items": [
            {"system": r.system, "value": r.value if reveal else r.masked, "masked": r.masked}
            for r in rows
        ],
        "revealed": reveal,
    }


@router.post(
    "/patients/{patient_id}/merge",
    response={201: MergeOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Merge a duplicate into this patient (owners)",
    description="Every row of the duplicate moves to this record; the duplicate is hidden. "
    "Undo within 30 days with POST /patient-merges/{merge_id}/undo.",
)
def merge_patient(request: HttpRequest, patient_id: int, payload: MergeIn) -> Status[dict]:
    actor = api_actor(request)
    kept = selectors.patient_get_for_actor(actor=actor, patient_id=patient_id, audit=None)
    duplicate = selectors.patient_get_for_actor(
        actor=actor, patient_id=payload.duplicate, audit=None
    )
    merge = services.patient_merge(actor=actor, kept=kept, duplicate=duplicate)
    return Status(201, _merge_out(merge))


@router.post(
    "/patient-merges/{merge_id}/undo",
    response={200: MergeOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Undo a merge (owners, within 30 days)",
)
def undo_merge(request: HttpRequest, merge_id: int) -> dict:
    actor = api_actor(request)
    merge = selectors.merge_get_for_actor(actor=actor, merge_id=merge_id)
    return _merge_out(services.patient_merge_undo(actor=actor, merge=merge))


@router.get(
    "/patients/{patient_id}", response={200: PatientOut, 404: ErrorOut}, summary="One patient"
)
def get_patient(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = api_actor(request)
    patient = selectors.patient_get_for_actor(actor=actor, patient_id=patient_id)
    # Plain values of PatientOut's types, rendered without validating them again
    # (test_api's test_patient_answer_is_the_schema_answer holds the two together).
    return json_answer(_out(patient, clinical=actor.sees_clinical))


@router.patch(
    "/patients/{patient_id}",
    response={200: PatientOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Change a patient",
    description="422 invalid_identifier, unknown_gp or validation_error; 409 "
    "identifier_in_use when another patient has that number.",
)
def patch_patient(request: HttpRequest, patient_id: int, payload: PatientPatchIn) -> dict:
    actor = api_actor(request)
    data = payload.dict(exclude_unset=True)
    identifiers = data.pop("identifiers", None) if "identifiers" in data else None
    if "gp" in data:
        data["gp"] = selectors.gp_for_field(actor=actor, gp_id=data["gp"])
    if any(data.get(k) is None for k in data if k != "gp"):
        nulls = sorted(k for k in data if data[k] is None and k != "gp")
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
        if data or identifiers is not None:
            patient = services.patient_update(
                actor=actor, patient=patient, data=data, identifiers=identifiers
            )
    return _out(patient, clinical=actor.sees_clinical)


@router.get(
    "/patients/{patient_id}/audit",
    response={200: AuditList, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Who accessed the record",
)
def patient_audit(
    request: HttpRequest,
    patient_id: int,
    limit: Limit = 100,
    offset: Offset = 0,
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
