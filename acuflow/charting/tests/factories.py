from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from acuflow.accounts.models import User
from acuflow.assessment.tests.factories import make_assessment
from acuflow.core.actor import Actor
from acuflow.patients.models import Patient
from acuflow.protocols import services as protocol_services
from acuflow.protocols.models import Course, Protocol


def make_course(
    actor: Actor, patient: Patient, *, modality: str = "acupuncture", **extra: Any
) -> Course:
    assessment = make_assessment(actor, patient)
    # Begun a while ago: tests chart sessions of past days, and none may precede the course.
    extra.setdefault("start_date", timezone.localdate() - dt.timedelta(days=60))
    protocol = Protocol.objects.get(
        clinic=None, condition="chronic_low_back_pain", modality=modality
    )
    return protocol_services.course_create(
        actor=actor, assessment=assessment, protocol=protocol, **extra
    )


def session_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "started_at": timezone.now().isoformat(),
        "nrs_before": 6,
        "nrs_after": 4,
        "sites": [
            {"point": "BL40", "side": "both"},
            {"point": "BL23", "side": "both"},
            {"point": "GV4"},
        ],
        "needles_in": 5,
        "needles_out": 5,
        "unbooked_reason": "walk-in",
        "stimulation": "manual",
        "retention_minutes": 20,
        "adjuncts": ["cupping"],
        "subjective": "Pain a bit better after last time.",
        "home_care": [
            {"point": "LI4", "duration_minutes": 2, "frequency": "twice a day"},
        ],
    }
    body.update(extra)
    return body


def at(days_ago: int) -> str:
    return (timezone.now() - dt.timedelta(days=days_ago)).isoformat()


def user_actor(tc: Any, user: User) -> Actor:
    return tc.actor(user)  # type: ignore[no-any-return]
