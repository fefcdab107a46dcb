from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from acuflow.accounts.api_auth import api_actor
from acuflow.assessment import catalogue, selectors, services
from acuflow.assessment.letters import referral_letter_response
from acuflow.assessment.models import Assessment, Referral
from acuflow.core.api.schemas import (
    ClinicalDate,
    ErrorOut,
    LanguageCode,
    Limit,
    Offset,
    SafeLine,
    SafeStr,
    StrictIn,
    paged,
)
from acuflow.patients.selectors import patient_get_for_actor

router = Router(tags=["assessment"])

Text = Field(default="", max_length=5000)


def _codes(allowed: set[str], values: list[str]) -> list[str]:
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ValueError(f"unknown code(s): {', '.join(unknown)}")
    return values


class AssessmentIn(StrictIn):
    complaint: SafeStr = Field(min_length=1, max_length=2000)
    condition: SafeLine = Field(max_length=40)
    onset_date: dt.date
    baseline_nrs: int = Field(ge=0, le=10, strict=True)
    assessed_on: ClinicalDate | None = None
    body_regions: list[SafeLine] = Field(default_factory=list, max_length=20)
    contributing_factors: list[SafeLine] = Field(default_factory=list, max_length=20)
    other_care: list[SafeLine] = Field(default_factory=list, max_length=20)
    findings: SafeStr = Text
    gunn_signs: list[SafeLine] = Field(default_factory=list, max_length=20)
    affected_segments: list[SafeLine] = Field(default_factory=list, max_length=40)
    ms_domains: list[SafeLine] = Field(default_factory=list, max_length=10)
    # Omitted (or null): the screen is still to be done (`not_screened`). A list, even
    # empty, records the screen with the intake.
    red_flags: list[SafeLine] | None = Field(default=None, max_length=10)
    red_flag_notes: SafeStr = Field(default="", max_length=2000)

    @field_validator("condition")
    @classmethod
    def _condition(cls, value: str) -> str:
        if value not in catalogue.condition_codes():
            raise ValueError(f"unknown condition {value!r}")
        return value

    @field_validator("onset_date")
    @classmethod
    def _onset(cls, value: dt.date) -> dt.date:
        # A day of slack for clinics east of the server; the model checks exactly.
        if value > dt.date.today() + dt.timedelta(days=1):
            raise ValueError("the onset date cannot be in the future")
        if value < dt.date(1900, 1, 1):
            raise ValueError("the onset date is too far in the past")
        return value

    @field_validator("body_regions")
    @classmethod
    def _regions(cls, v: list[str]) -> list[str]:
        return _codes(catalogue.body_region_codes(), v)

    @field_validator("contributing_factors")
    @classmethod
    def _factors(cls, v: list[str]) -> list[str]:
        return _codes(catalogue.contributing_factor_codes(), v)

    @field_validator("other_care")
    @classmethod
    def _care(cls, v: list[str]) -> list[str]:
        return _codes(catalogue.other_care_codes(), v)

    @field_validator("gunn_signs")
    @classmethod
    def _gunn(cls, v: list[str]) -> list[str]:
        return _codes(catalogue.gunn_sign_codes(), v)

    @field_validator("affected_segments")
    @classmethod
    def _segments(cls, v: list[str]) -> list[str]:
        return _codes(set(catalogue.SEGMENTS), v)

    @field_validator("ms_domains")
    @classmethod
    def _ms(cls, v: list[str]) -> list[str]:
        return _codes(catalogue.ms_domain_codes(), v)

    @field_validator("red_flags")
    @classmethod
    def _flags(cls, v: list[str]) -> list[str]:
        return _codes(catalogue.red_flag_codes(), v)


class RedFlagsIn(StrictIn):
    red_flags: list[SafeLine] = Field(max_length=10)
    notes: SafeStr = Field(default="", max_length=2000)

    @field_validator("red_flags")
    @classmethod
    def _flags(cls, v: list[str]) -> list[str]:
        return _codes(catalogue.red_flag_codes(), v)


class ReferralIn(StrictIn):
    to: SafeLine = Field(min_length=1, max_length=200)
    reason: SafeStr = Field(min_length=1, max_length=2000)
    date: dt.date
    urgency: Literal["routine", "urgent", "emergency"] = "urgent"

    @field_validator("date")
    @classmethod
    def _date(cls, value: dt.date) -> dt.date:
        if value > dt.date.today() + dt.timedelta(days=1):
            raise ValueError("the referral date cannot be in the future")
        if value < dt.date(1900, 1, 1):
            raise ValueError("the referral date is too far in the past")
        return value


class ReferralOutcomeIn(StrictIn):
    outcome: Literal["cleared", "treated_elsewhere", "declined"]
    note: SafeStr = Field(default="", max_length=2000)


class ReferralOut(Schema):
    id: int
    assessment: int
    to: str
    reason: str
    date: dt.date
    urgency: str
    state: Literal["pending", "cleared", "treated_elsewhere", "declined"]
    outcome: str | None
    outcome_note: str
    decided_at: dt.datetime | None
    red_flags: list[str]
    letter_url: str


class AssessmentOut(Schema):
    id: int
    patient: int
    practitioner: int | None
    assessed_on: dt.date
    complaint: str
    condition: str
    condition_label: str
    icd10: str
    icd11: str
    onset_date: dt.date
    chronicity: str
    baseline_nrs: int
    body_regions: list[str]
    contributing_factors: list[str]
    other_care: list[str]
    findings: str
    gunn_signs: list[str]
    affected_segments: list[str]
    ms_domains: list[str]
    red_flags: list[str]
    red_flag_notes: str
    red_flag_state: Literal["not_screened", "none_found", "flagged", "referred", "cleared"]
    red_flags_screened_at: dt.datetime | None
    cleared: bool
    referrals: list[ReferralOut]


class AssessmentList(Schema):
    items: list[AssessmentOut]
    count: int


class QuestionOut(Schema):
    staff: str
    patient: str


class RedFlagOut(Schema):
    code: str
    label: str
    urgency: str
    refer: str
    questions: list[QuestionOut]


class ConditionOut(Schema):
    code: str
    label: str
    icd10: str
    icd11: str


def _referral_out(r: Referral) -> dict[str, Any]:
    return {
        "id": r.pk,
        "assessment": r.assessment_id,
        "to": r.to,
        "reason": r.reason,
        "date": r.date,
        "urgency": r.urgency,
        "state": r.state,
        "outcome": r.outcome or None,
        "outcome_note": r.outcome_note,
        "decided_at": r.decided_at,
        "red_flags": r.red_flags,
        "letter_url": f"/api/v1/referrals/{r.pk}/letter",
    }


def assessment_out(a: Assessment) -> dict[str, Any]:
    referrals = list(a.referrals.all())
    return {
        "id": a.pk,
        "patient": a.patient_id,
        "practitioner": a.practitioner_id,
        "assessed_on": a.assessed_on,
        "complaint": a.complaint,
        "condition": a.condition,
        "condition_label": a.condition_label,
        "icd10": a.icd10,
        "icd11": a.icd11,
        "onset_date": a.onset_date,
        "chronicity": a.chronicity,
        "baseline_nrs": a.baseline_nrs,
        "body_regions": a.body_regions,
        "contributing_factors": a.contributing_factors,
        "other_care": a.other_care,
        "findings": a.findings,
        "gunn_signs": a.gunn_signs,
        "affected_segments": a.affected_segments,
        "ms_domains": a.ms_domains,
        "red_flags": a.red_flags,
        "red_flag_notes": a.red_flag_notes,
        "red_flag_state": a.red_flag_state,
        "red_flags_screened_at": a.red_flags_screened_at,
        "cleared": a.cleared,
        "referrals": [_referral_out(r) for r in referrals],
    }


@router.get("/conditions", response=list[ConditionOut], summary="Condition codes (ICD-10/11)")
def list_conditions(request: HttpRequest) -> list[dict[str, Any]]:
    api_actor(request)
    return [
        {
            "code": c["code"],
            "label": catalogue.text(c["label"]),
            "icd10": c["icd10"],
            "icd11": c["icd11"],
        }
        for c in catalogue.conditions()
    ]


@router.get("/red-flags", response=list[RedFlagOut], summary="Red-flag screen questions")
def list_red_flags(
    request: HttpRequest,
    lang: LanguageCode | None = Query(None),  # noqa: B008 - ninja reads the default
) -> list[dict[str, Any]]:
    api_actor(request)
    return [
        {
            "code": f["code"],
            "label": catalogue.text(f["label"], lang),
            "urgency": f["urgency"],
            "refer": catalogue.text(f["refer"], lang),
            "questions": [
                {
                    "staff": catalogue.text(q["staff"], lang),
                    "patient": catalogue.text(q["patient"], lang),
                }
                for q in f["questions"]
            ],
        }
        for f in catalogue.red_flags()
    ]


@router.post(
    "/patients/{patient_id}/assessments",
    response={201: AssessmentOut},
    summary="Record an assessment (intake)",
)
def create_assessment(
    request: HttpRequest, patient_id: int, payload: AssessmentIn
) -> Status[dict[str, Any]]:
    actor = api_actor(request)
    patient = patient_get_for_actor(actor=actor, patient_id=patient_id, clinical=True, audit=None)
    assessment = services.assessment_create(actor=actor, patient=patient, **payload.dict())
    return Status(201, assessment_out(assessment))


@router.get(
    "/patients/{patient_id}/assessments", response=AssessmentList, summary="A patient's assessments"
)
def list_assessments(
    request: HttpRequest,
    patient_id: int,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    actor = api_actor(request)
    patient = patient_get_for_actor(
        actor=actor, patient_id=patient_id, clinical=True, object_type="assessment.list"
    )
    items, count = paged(
        selectors.assessments_for_patient(actor=actor, patient=patient), limit, offset
    )
    return {"items": [assessment_out(a) for a in items], "count": count}


@router.get("/assessments/{assessment_id}", response=AssessmentOut, summary="One assessment")
def get_assessment(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    actor = api_actor(request)
    return assessment_out(
        selectors.assessment_get_for_actor(actor=actor, assessment_id=assessment_id)
    )


@router.post(
    "/assessments/{assessment_id}/red-flags",
    response=AssessmentOut,
    summary="Record the red-flag screen (positive codes; [] records 'none found')",
)
def screen_red_flags(
    request: HttpRequest, assessment_id: int, payload: RedFlagsIn
) -> dict[str, Any]:
    actor = api_actor(request)
    with transaction.atomic():
        assessment = selectors.assessment_get_for_actor(
            actor=actor, assessment_id=assessment_id, audit=None, for_update=True
        )
        assessment = services.assessment_screen_red_flags(
            actor=actor, assessment=assessment, red_flags=payload.red_flags, notes=payload.notes
        )
    return assessment_out(assessment)


@router.post(
    "/assessments/{assessment_id}/referrals",
    response={201: ReferralOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Record a referral (pending until its outcome is recorded)",
)
def create_referral(
    request: HttpRequest, assessment_id: int, payload: ReferralIn
) -> Status[dict[str, Any]]:
    actor = api_actor(request)
    with transaction.atomic():
        assessment = selectors.assessment_get_for_actor(
            actor=actor, assessment_id=assessment_id, audit=None, for_update=True
        )
        referral = services.referral_create(actor=actor, assessment=assessment, **payload.dict())
    return Status(201, _referral_out(referral))


@router.post(
    "/referrals/{referral_id}/outcome",
    response={200: ReferralOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Record the outcome of a pending referral (once)",
)
def decide_referral(
    request: HttpRequest, referral_id: int, payload: ReferralOutcomeIn
) -> dict[str, Any]:
    actor = api_actor(request)
    referral = selectors.referral_get_for_actor(actor=actor, referral_id=referral_id, audit=None)
    referral = services.referral_decide(
        actor=actor, referral=referral, outcome=payload.outcome, note=payload.note
    )
    return _referral_out(referral)


@router.get(
    "/referrals/{referral_id}/letter",
    response={200: None},
    summary="Referral letter for the GP (PDF, in the clinic's language)",
)
def referral_letter(request: HttpRequest, referral_id: int) -> HttpResponse:
    actor = api_actor(request)
    referral = selectors.referral_get_for_actor(actor=actor, referral_id=referral_id, audit=None)
    return referral_letter_response(actor=actor, referral=referral)
