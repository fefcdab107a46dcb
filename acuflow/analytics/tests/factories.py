"""Cohorts with known answers, written straight into the tables (bulk): the analytics
only read Course, its assessment and CourseObservation."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from acuflow.accounts.models import User
from acuflow.assessment.tests.factories import make_assessment
from acuflow.core.actor import Actor
from acuflow.patients.models import Patient
from acuflow.protocols import outcome
from acuflow.protocols.models import Course, CourseObservation, Protocol

_refs = itertools.count(1_000_000)
START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


@dataclass
class Spec:
    """One course: the usual pain before needling at sessions 1, 2, ... (None: not
    asked), its state, and who treated it."""

    scores: list[int | None]
    baseline: int = 8
    state: str = "completed"
    practitioner: User | None = None
    cadence_days: int = 7
    days: list[int] = field(default_factory=list)  # day of each session, else cadence


def protocol(condition: str = "chronic_low_back_pain", modality: str = "acupuncture") -> Protocol:
    return Protocol.objects.get(clinic=None, condition=condition, modality=modality)


def make_cohort(
    actor: Actor, patient: Patient, specs: list[Spec], *, proto: Protocol | None = None
) -> list[Course]:
    proto = proto or protocol()
    assessments = {}
    for baseline in sorted({s.baseline for s in specs}):
        assessments[baseline] = make_assessment(actor, patient, baseline_nrs=baseline)
    courses = []
    for spec in specs:
        user = spec.practitioner or actor.user
        assert user is not None
        scored = [s for s in spec.scores[1:] if s is not None]
        response = outcome.response_class(
            spec.baseline, scored[-1] if scored else None, outcome.DEFAULT_THRESHOLDS
        )
        courses.append(
            Course(
                patient=patient,
                assessment=assessments[spec.baseline],
                protocol=proto,
                practitioner=user.practitioner,
                start_date=START.date(),
                state=spec.state,
                modality=proto.modality,
                cadence_days=spec.cadence_days,
                expected_sessions=proto.expected_sessions,
                onset_session=proto.onset_session,
                lasting_session=proto.lasting_session,
                review_session=proto.review_session,
                max_sessions=proto.max_sessions,
                sessions_done=len(spec.scores),
                first_session_at=START if spec.scores else None,
                response=response,
                status_updated_at=START
                + dt.timedelta(days=spec.cadence_days * max(0, len(spec.scores) - 1)),
            )
        )
    Course.objects.bulk_create(courses)
    observations = []
    for course, spec in zip(courses, specs, strict=True):
        for k, nrs in enumerate(spec.scores):
            day = spec.days[k] if spec.days else spec.cadence_days * k
            observations.append(
                CourseObservation(
                    course=course,
                    source="session",
                    ref=next(_refs),
                    at=START + dt.timedelta(days=day),
                    nrs=nrs,
                )
            )
    CourseObservation.objects.bulk_create(observations)
    return courses
