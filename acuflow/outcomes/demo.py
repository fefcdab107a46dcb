"""Demo questionnaires for the demo courses: a baseline at the start, an NRS before every
other charted session and a follow-up near the end. Deterministic and idempotent."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from acuflow.accounts.models import Clinic
from acuflow.charting.models import Session
from acuflow.core.actor import Actor
from acuflow.outcomes import services
from acuflow.outcomes.models import Response
from acuflow.outcomes.selectors import course_sessions
from acuflow.protocols.models import Course

ACTIVITIES = {
    "nl": ["Tuinieren", "Fietsen", "Stofzuigen"],
    "nb": ["Hagearbeid", "Sykle", "Støvsuge"],
    "en": ["Gardening", "Cycling", "Vacuuming"],
    "es": ["Jardinería", "Ir en bicicleta", "Pasar la aspiradora"],
}


def _record(
    actor: Actor, course: Any, instrument: str, answers: Any, at: dt.datetime, row: Any = None
) -> None:
    session = None
    if row is not None:
        session = Session.objects.get(pk=row["id"])
    services.response_record(
        actor=actor,
        patient=course.patient,
        instrument=instrument,
        answers=answers,
        course=course,
        session=session,
        recorded_at=at,
    )


def _course_demo(clinic: Clinic, course: Any) -> None:
    user = course.practitioner.user
    actor = Actor(user=user, clinic=clinic, role=user.membership.role, on_behalf_of=clinic.name)
    rng = random.Random(f"acuflow-demo-outcomes-{course.pk}")
    sessions = course_sessions(course)
    start = dt.datetime.combine(course.start_date, dt.time(7, 45), tzinfo=dt.UTC)
    if start > timezone.now():
        return  # a course that has not started yet has no scores
    names = ACTIVITIES.get(course.patient.language, ACTIVITIES["en"])
    base = [rng.randint(2, 4) for _ in names]
    activities: list[dict[str, Any]] = [
        {"name": n, "score": s} for n, s in zip(names, base, strict=True)
    ]
    _record(actor, course, "psfs", {"activities": activities}, start)
    if course.assessment.condition.startswith("ms"):
        diary = {
            "stiffness": 7,
            "coordination": 5,
            "bladder": 4,
            "muscle_pain": 6,
            "walking_distance": 300,
        }
        _record(actor, course, "ms_diary", diary, start)
    else:
        odi = {f"s{i}": rng.randint(2, 4) for i in range(1, 11) if i != 8}
        _record(actor, course, "odi", odi, start)
    for row in sessions[1::2]:
        if row["nrs_before"] is not None:
            at = row["started_at"] - dt.timedelta(minutes=10)
            _record(actor, course, "nrs", {"usual": row["nrs_before"]}, at, row)
    if len(sessions) >= 4:
        last = sessions[-1]
        at = last["started_at"] - dt.timedelta(minutes=15)
        gain = min(len(sessions), 5)
        later = [{"name": a["name"], "score": min(10, a["score"] + gain)} for a in activities]
        _record(actor, course, "psfs", {"activities": later}, at, last)
        _record(actor, course, "grc", {"change": 2 if gain >= 4 else 1}, at, last)


def load(*, clinics: dict[str, Clinic]) -> None:
    for clinic in clinics.values():
        courses = (
            Course.objects.filter(patient__clinic=clinic)
            .select_related("patient", "assessment", "practitioner__user__membership")
            .order_by("id")
        )
        for course in courses:
            if not Response.objects.filter(course=course).exists():
                _course_demo(clinic, course)
