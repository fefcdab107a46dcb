"""Charted sessions for the demo courses: one per planned date that has passed, the
protocol's points (or IMS segments), pain easing over the course, the odd bruise, and
home-care acupressure. Idempotent: a course with sessions is left alone."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from acuflow.accounts.models import Clinic
from acuflow.charting import catalogue, rules, services
from acuflow.charting.models import Session
from acuflow.core.actor import Actor
from acuflow.protocols.models import Course, CourseState

HOME_CARE = [
    ("LI4", "twice a day", "Press firmly with the thumb, then let go slowly."),
    ("ST36", "once a day", "Press and make small circles; it may feel heavy."),
    ("PC6", "when needed", "Press between the two tendons on the inside of the wrist."),
]


def _sites(course: Course, rng: random.Random) -> list[dict[str, Any]]:
    sites: list[dict[str, Any]] = []
    for code in course.protocol.point_set or ["LI4", "ST36"]:
        segment = rules.parse_segment(code)
        if segment is not None:
            muscles = catalogue.segment_muscles(segment)
            sites.append({"ims_segment": segment, "side": "left", "muscle": "multifidus"})
            if len(muscles) > 1:
                sites.append(
                    {
                        "ims_segment": segment,
                        "side": "left",
                        "muscle": rng.choice(muscles[1:]),
                        "response": rng.choice(["twitch", "twitch", "grasp"]),
                    }
                )
            continue
        found = catalogue.point(code)
        if found is not None:
            sites.append({"point": found.code, "side": rules.default_side(midline=found.midline)})
    return sites


def _needles(sites: list[dict[str, Any]]) -> int:
    return sum(2 if s["side"] == "both" else 1 for s in sites)


def load(*, clinics: dict[str, Clinic]) -> None:
    now = timezone.now()
    for clinic in clinics.values():
        courses = (
            Course.objects.filter(patient__clinic=clinic)
            .exclude(state=CourseState.STOPPED)
            .select_related("protocol", "practitioner__user__membership", "assessment", "patient")
            .prefetch_related("planned_sessions")
            .order_by("id")
        )
        for course in courses:
            if Session.objects.filter(course=course).exists():
                continue
            user = course.practitioner.user
            actor = Actor(
                user=user, clinic=clinic, role=user.membership.role, on_behalf_of=clinic.name
            )
            rng = random.Random(f"acuflow-demo-charting-{course.pk}")
            past = [p for p in course.planned_dates() if p < timezone.localdate()]
            nrs = course.assessment.baseline_nrs
            for number, day in enumerate(past, start=1):
                started = dt.datetime.combine(day, dt.time(9 + number % 8, 30), tzinfo=dt.UTC)
                if started >= now:
                    continue
                sites = _sites(course, rng)
                needles = _needles(sites)
                code, frequency, instructions = HOME_CARE[number % len(HOME_CARE)]
                services.session_create(
                    unbooked_reason="demo",
                    actor=actor,
                    course=course,
                    started_at=started,
                    sites=sites,
                    needles_in=needles,
                    needles_out=needles,
                    nrs_before=nrs,
                    nrs_after=max(0, nrs - rng.choice([1, 2, 2, 3])),
                    retention_minutes=None if course.modality == "ims" else 20,
                    adjuncts=["cupping"] if number % 3 == 0 and course.modality != "ims" else [],
                    adverse_events=(
                        [{"code": "bruising", "severity": "mild", "action_taken": "Pressure."}]
                        if number == 2
                        else []
                    ),
                    subjective=f"Usual pain {nrs}/10 since the last visit.",
                    plan="Continue as planned.",
                    home_care=[
                        {
                            "point": code,
                            "duration_minutes": 2,
                            "frequency": frequency,
                            "instructions": instructions,
                        }
                    ]
                    if course.modality != "ims"
                    else [],
                )
                nrs = max(0, nrs - rng.choice([0, 1, 1, 2]))
