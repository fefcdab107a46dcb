from __future__ import annotations

import datetime as dt
from typing import Any

from acuflow.assessment import services
from acuflow.assessment.models import Assessment
from acuflow.core.actor import Actor
from acuflow.patients.models import Patient


def make_assessment(actor: Actor, patient: Patient, **extra: Any) -> Assessment:
    fields: dict[str, Any] = {
        "complaint": "Low back pain after lifting",
        "condition": "chronic_low_back_pain",
        "onset_date": dt.date.today() - dt.timedelta(days=200),
        "baseline_nrs": 7,
        "red_flags": [],  # screened, none found; pass red_flags=None for "not screened"
    }
    fields.update(extra)
    return services.assessment_create(actor=actor, patient=patient, **fields)
