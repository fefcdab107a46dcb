from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from acuflow.assessment.tests.factories import make_assessment
from acuflow.charting.models import Session
from acuflow.core.actor import Actor
from acuflow.patients.models import Patient
from acuflow.protocols import services as protocol_services
from acuflow.protocols.models import Course, Protocol
from acuflow.protocols.services import course_lock_open, course_observation_recorded


def make_course(
    actor: Actor,
    patient: Patient,
    *,
    baseline_nrs: int = 8,
    protocol_condition: str = "chronic_low_back_pain",
) -> Course:
    """A course on the built-in acupuncture protocol for `protocol_condition`."""
    assessment = make_assessment(actor, patient, baseline_nrs=baseline_nrs)
    protocol = Protocol.objects.get(
        clinic=None, condition=protocol_condition, modality="acupuncture"
    )
    return protocol_services.course_create(actor=actor, assessment=assessment, protocol=protocol)


def make_session(course: Course, *, days_ago: int, before: int | None, after: int | None) -> Any:
    """A charted session straight in the table (the charting services are not under
    test), reported to its course as charting does."""
    session = Session.objects.create(
        course=course,
        patient=course.patient,
        practitioner=course.practitioner,
        started_at=timezone.now() - dt.timedelta(days=days_ago),
        nrs_before=before,
        nrs_after=after,
        sites=[],
        needles_in=0,
        needles_out=0,
    )
    with transaction.atomic():
        course_lock_open(course)
        course_observation_recorded(
            course=course, at=session.started_at, nrs=before, source="session", ref=session.pk
        )
    return session
