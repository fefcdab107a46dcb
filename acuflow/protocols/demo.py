"""Demo assessments and courses for the first patients of each clinic: plain cases, an
IMS course, a red flag cleared by the GP, one referred out and one still unresolved.
Idempotent: a patient who has an assessment already is left alone. Lives in the
protocols app because its courses need the shipped protocols loaded first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from acuflow.accounts.models import Clinic, User
from acuflow.assessment import services as assessment_services
from acuflow.assessment.models import Assessment
from acuflow.core.actor import Actor
from acuflow.patients.models import Patient
from acuflow.protocols import services
from acuflow.protocols.models import Protocol

CASES: dict[str, list[dict[str, Any]]] = {
    "nl": [
        {
            "by": "acupuncturist@nl.example",
            "condition": "acute_low_back_pain",
            "complaint": "Pain low in the back since moving house, worse when bending.",
            "onset_days": 20,
            "nrs": 6,
            "factors": ["heavy_lifting"],
            "regions": ["lower_back"],
            "course": ("acupuncture", 14),
        },
        {
            "by": "ims@nl.example",
            "condition": "chronic_low_back_pain",
            "complaint": "Back pain for a year, radiating to the left buttock.",
            "onset_days": 400,
            "nrs": 7,
            "factors": ["posture_overload", "disc_wear"],
            "regions": ["lower_back", "buttock"],
            "gunn": ["paraspinal_tenderness", "trophoedema", "muscle_shortening"],
            "segments": ["L4", "L5", "S1"],
            "care": ["physiotherapy"],
            "course": ("ims", 35),
        },
        {
            "by": "owner@nl.example",
            "condition": "acute_low_back_pain",
            "complaint": "Sudden back pain after a fall on the stairs.",
            "onset_days": 10,
            "nrs": 7,
            "flags": ["fracture"],
            "referral": ("GP practice", "Minor trauma with osteoporosis: X-ray first.", "cleared"),
            "factors": ["osteoporosis"],
            "regions": ["lower_back"],
            "course": ("acupuncture", 0),
        },
        {
            "by": "owner@nl.example",
            "condition": "sciatica",
            "complaint": "Leg pain and numbness around the bottom, trouble passing urine.",
            "onset_days": 5,
            "nrs": 8,
            "flags": ["cauda_equina"],
            "referral": ("Emergency department", "Possible cauda equina syndrome.", "referred_out"),
            "regions": ["lower_back", "leg"],
        },
        {
            "by": "owner@nl.example",
            "condition": "ms_symptoms",
            "complaint": "Stiff legs and muscle pain with MS; walking is tiring.",
            "onset_days": 3000,
            "nrs": 5,
            "ms": ["muscle_tone", "muscle_pain", "walking"],
            "care": ["ms_medication", "physiotherapy"],
            "regions": ["leg"],
            "course": ("acupuncture", 21),
        },
    ],
    "no": [
        {
            "by": "acupuncturist@no.example",
            "condition": "neck_pain",
            "complaint": "Stiff, aching neck after long days at the computer.",
            "onset_days": 70,
            "nrs": 5,
            "factors": ["posture_overload", "psychological_stress"],
            "regions": ["neck", "shoulder"],
            "course": ("acupuncture", 14),
        },
        {
            "by": "owner@no.example",
            "condition": "sciatica",
            "complaint": "Pain down the right leg, fever last week.",
            "onset_days": 15,
            "nrs": 7,
            "flags": ["infection"],
            "regions": ["leg"],
        },
        {
            "by": "owner@no.example",
            "condition": "fibromyalgia",
            "complaint": "Widespread pain and poor sleep for several years.",
            "onset_days": 1500,
            "nrs": 6,
            "regions": ["widespread"],
            "care": ["medication", "exercise"],
            "course": ("acupuncture", 7),
        },
    ],
}


def _actor(email: str) -> Actor | None:
    user = User.objects.filter(email=email).select_related("membership__clinic").first()
    if user is None:
        return None
    return Actor(
        user=user,
        clinic=user.membership.clinic,
        role=user.membership.role,
        channel="system",
        on_behalf_of="demo",
    )


def load(*, clinics: dict[str, Clinic]) -> None:
    today = timezone.localdate()
    for key, cases in CASES.items():
        clinic = clinics.get(key)
        if clinic is None:
            continue
        patients = list(Patient.objects.filter(clinic=clinic).order_by("id")[: len(cases)])
        for patient, case in zip(patients, cases, strict=False):
            if Assessment.objects.filter(patient=patient).exists():
                continue
            actor = _actor(case["by"])
            if actor is None or actor.clinic != clinic:
                continue
            start_days = case["course"][1] if "course" in case else 0
            assessed_on = today - dt.timedelta(days=start_days + 2)
            assessment = assessment_services.assessment_create(
                actor=actor,
                patient=patient,
                assessed_on=assessed_on,
                complaint=case["complaint"],
                condition=case["condition"],
                onset_date=assessed_on - dt.timedelta(days=case["onset_days"]),
                baseline_nrs=case["nrs"],
                body_regions=case.get("regions"),
                contributing_factors=case.get("factors"),
                other_care=case.get("care"),
                gunn_signs=case.get("gunn"),
                affected_segments=case.get("segments"),
                ms_domains=case.get("ms"),
                red_flags=case.get("flags", []),  # the demo screens every intake
            )
            if "referral" in case:
                to, reason, outcome = case["referral"]
                referral = assessment_services.referral_create(
                    actor=actor,
                    assessment=assessment,
                    to=to,
                    reason=reason,
                    date=assessed_on + dt.timedelta(days=1),
                )
                if outcome:
                    assessment_services.referral_decide(
                        actor=actor,
                        referral=referral,
                        outcome={"referred_out": "treated_elsewhere"}.get(outcome, outcome),
                        note="",
                    )
                    assessment.refresh_from_db()
            if "course" in case:
                protocol = Protocol.objects.filter(
                    clinic=None, condition=case["condition"], modality=case["course"][0]
                ).first()
                if protocol is not None:
                    services.course_create(
                        actor=actor,
                        assessment=assessment,
                        protocol=protocol,
                        start_date=today - dt.timedelta(days=start_days),
                    )
