"""Input and output shapes of a charted session, shared by the API and the charting page
(the page posts the same JSON, so both go through one validation)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import BaseModel, model_validator
from pydantic_core import PydanticCustomError

from acuflow.core.api.schemas import ClinicalDatetime, SafeLine, SafeStr, StrictIn

SideCode = Literal["left", "right", "both", "none"]


class PointSiteIn(StrictIn):
    point: SafeLine = Field(min_length=1, max_length=40, description="Catalogue code, e.g. BL40")
    side: SideCode | None = Field(default=None, description="Default: both, or none on the midline")


class ImsSiteIn(StrictIn):
    ims_segment: SafeLine = Field(min_length=2, max_length=4, description="Spinal segment C1..S2")
    side: Literal["left", "right", "both"]
    muscle: SafeLine = Field(default="multifidus", max_length=60)
    response: Literal["twitch", "grasp", "none"] | None = None


class AdverseEventIn(StrictIn):
    code: Literal[
        "bruising",
        "bleeding",
        "pain",
        "vasovagal",
        "nausea",
        "forgotten_needle",
        "pneumothorax",
        "infection",
        "other",
    ]
    severity: Literal["mild", "moderate", "severe"]
    action_taken: SafeStr = Field(default="", max_length=500)
    note: SafeStr = Field(default="", max_length=500)


class HomeCareIn(StrictIn):
    point: SafeLine = Field(min_length=1, max_length=40)
    location: SafeLine = Field(
        default="", max_length=200, description="Plain words for the patient"
    )
    duration_minutes: int = Field(default=2, ge=1, le=30)
    frequency: SafeLine = Field(default="", max_length=100, description="e.g. twice a day")
    instructions: SafeStr = Field(default="", max_length=1000)


class SessionIn(StrictIn):
    started_at: ClinicalDatetime
    appointment_id: int | None = Field(
        default=None, ge=1, description="The booked appointment this session is for"
    )
    unbooked_reason: SafeStr = Field(
        default="",
        max_length=300,
        description="Required without appointment_id: why there is no booked appointment",
    )
    nrs_before: int | None = Field(default=None, ge=0, le=10)
    nrs_after: int | None = Field(default=None, ge=0, le=10)
    pregnant: bool = False
    sites: list[PointSiteIn | ImsSiteIn] = Field(default_factory=list, max_length=100)
    needles_in: int = Field(ge=0, le=200)
    needles_out: int = Field(ge=0, le=200)
    needle_discrepancy_note: SafeStr = Field(default="", max_length=500)
    stimulation: Literal["manual", "electro"] = "manual"
    electro_frequency_hz: float | None = Field(default=None, ge=0.5, le=200)
    retention_minutes: int | None = Field(default=None, ge=0, le=120)
    adjuncts: list[Literal["cupping", "acupressure_massage", "moxibustion", "heat"]] = Field(
        default_factory=list, max_length=4
    )
    adverse_events: list[AdverseEventIn] = Field(default_factory=list, max_length=20)
    subjective: SafeStr = Field(default="", max_length=5000)
    objective: SafeStr = Field(default="", max_length=5000)
    assessment: SafeStr = Field(default="", max_length=5000)
    plan: SafeStr = Field(default="", max_length=5000)
    home_care: list[HomeCareIn] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _aware(self) -> SessionIn:
        # Typed errors: the charting page puts them next to their field in the user's language.
        if self.started_at.tzinfo is None:
            raise PydanticCustomError(
                "started_at_naive",
                "started_at needs a timezone offset, e.g. 2025-03-01T09:30:00+01:00",
            )
        if self.stimulation == "electro" and self.electro_frequency_hz is None:
            raise PydanticCustomError(
                "electro_frequency_required", "electro stimulation needs electro_frequency_hz"
            )
        return self

    def service_kwargs(self) -> dict[str, Any]:
        data = self.model_dump()
        data["sites"] = [s.model_dump(exclude_none=True) for s in self.sites]
        return data


class CautionOut(Schema):
    key: str
    when: str
    text: str
    sources: list[str]


class PointOut(Schema):
    code: str
    kind: str
    meridian: str | None
    number: int | None
    pinyin: str
    english: str
    regions: list[str]
    region_labels: list[str]
    variants: list[str]
    synonyms: list[str]
    special: list[str]
    cautions: list[CautionOut]
    source: str


class PointList(Schema):
    items: list[PointOut]
    count: int


# The session answers are built as dicts (charting.api): plain pydantic models validate
# them without ninja's attribute getter per field (a third of a 1,000-row list's time).
class WarningOut(BaseModel):
    point: str
    caution: str
    text: str


class SessionOut(BaseModel):
    id: int
    course_id: int
    patient_id: int
    appointment_id: int | None
    unbooked_reason: str
    practitioner_id: int
    practitioner: str
    started_at: dt.datetime
    nrs_before: int | None
    nrs_after: int | None
    pregnant: bool
    sites: list[dict[str, Any]]
    needles_in: int
    needles_out: int
    needle_discrepancy_note: str
    stimulation: str
    electro_frequency_hz: float | None
    retention_minutes: int | None
    adjuncts: list[str]
    adverse_events: list[dict[str, Any]]
    subjective: str
    objective: str
    assessment: str
    plan: str
    home_care: list[dict[str, Any]]
    warnings: list[WarningOut]
    created_at: dt.datetime


class SessionList(BaseModel):
    items: list[SessionOut]
    count: int
