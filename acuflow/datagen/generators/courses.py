"""Treatment courses following the protocols (frozen numbers, planned sessions, status)."""

from __future__ import annotations

import datetime as dt

from acuflow.datagen.generators.base import Context, Generator
from acuflow.datagen.story import CoursePlan, EpisodePlan, PatientStory, ProtocolSpec
from acuflow.protocols.models import Protocol
from acuflow.protocols.rules import course_status


def load_protocols() -> dict[tuple[str, str], ProtocolSpec]:
    """The shipped protocols by (condition, modality); the story follows their numbers."""
    found: dict[tuple[str, str], ProtocolSpec] = {}
    for p in Protocol.objects.filter(clinic__isnull=True, active=True).order_by("id"):
        found.setdefault(
            (p.condition, p.modality),
            ProtocolSpec(
                p.pk,
                p.condition,
                p.modality,
                p.cadence_days,
                p.expected_sessions,
                p.onset_session,
                p.review_session,
                p.max_sessions,
                [c for c in p.point_set if isinstance(c, str)],
            ),
        )
    return found


def status(episode: EpisodePlan, course: CoursePlan) -> dict:
    latest = course.sessions[-1].nrs_before if course.sessions else None
    result = course_status(
        sessions_done=len(course.sessions),
        expected_sessions=course.protocol.expected,
        onset_session=course.protocol.onset,
        review_session=course.protocol.review,
        baseline_nrs=episode.baseline,
        latest_nrs=latest,
    )
    return {
        "change_pct": result.change_pct,
        "response": result.response,
        "recommendation": result.recommendation,
        "reason": result.reason,
    }


class CoursesGenerator(Generator):
    name = "courses"
    models = ("protocols.Protocol", "protocols.Course", "protocols.PlannedSession")

    def setup(self, ctx: Context) -> None:
        ctx.protocols.update(load_protocols())
        self.courses = ctx.writer.table(self.model("protocols.Course"))
        self.planned = ctx.writer.table(self.model("protocols.PlannedSession"))

    def emit(self, story: PatientStory, ctx: Context) -> None:
        for episode in story.episodes:
            course = episode.course
            if course is None or not episode.id or course.protocol.id is None:
                continue
            course.id = self.courses.next_id()
            p = course.protocol
            last = course.sessions[-1] if course.sessions else None
            created = ctx.at(story.clinic, course.start, 0, -30)
            self.courses.add(
                id=course.id,
                patient_id=story.id,
                assessment_id=episode.id,
                protocol_id=p.id,
                practitioner_id=course.practitioner.practitioner_id,
                start_date=course.start,
                state=course.state,
                modality=p.modality,
                cadence_days=p.cadence,
                expected_sessions=p.expected,
                onset_session=p.onset,
                review_session=p.review,
                max_sessions=max(p.max, len(course.planned)),
                sessions_done=len(course.sessions),
                latest_nrs=last.nrs_before if last else None,
                latest_nrs_at=ctx.at(story.clinic, last.day, last.slot) if last else None,
                status_updated_at=ctx.at(story.clinic, last.day, last.slot, 25) if last else None,
                author_id=course.practitioner.user_id,
                created_at=created,
                **status(episode, course),
            )
            for number, day in enumerate(course.planned, start=1):
                self.planned.add(
                    id=self.planned.next_id(), course_id=course.id, number=number, date=day
                )


__all__ = ["CoursesGenerator", "load_protocols", "dt"]
