"""Treatment courses following the protocols (frozen numbers, planned sessions, status)."""

from __future__ import annotations

import datetime as dt

from acuflow.datagen.generators.base import Context, Generator
from acuflow.datagen.story import CoursePlan, EpisodePlan, PatientStory, ProtocolSpec
from acuflow.protocols import outcome
from acuflow.protocols.models import Protocol
from acuflow.protocols.selectors import shipped_thresholds


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


def observations(
    story: PatientStory, episode: EpisodePlan, course: CoursePlan, ctx: Context
) -> list[tuple[str, int, outcome.Observation]]:
    """What charting and outcomes report to the course: (source, plan index or the
    response plan's position, observation). Times as the sessions and responses get."""
    out: list[tuple[str, int, outcome.Observation]] = []
    for i, plan in enumerate(course.sessions):
        at = ctx.at(story.clinic, plan.day, plan.slot, 5)
        out.append(("session", i, outcome.Observation(at=at, nrs=plan.nrs_before)))
    by_number = {s.number: s for s in course.sessions}
    for i, response in enumerate(episode.responses):
        if response.instrument != "nrs" or "usual" not in response.answers:
            continue
        session = by_number.get(response.session_number) if response.session_number else None
        at = ctx.at(story.clinic, response.day, session.slot if session else 0, -10)
        obs = outcome.Observation(at=at, nrs=int(response.answers["usual"]), source="questionnaire")
        out.append(("questionnaire", i, obs))
    return out


OBSERVED = "course observations"  # ctx.extra: the story's observations by id(course)


def observed(
    story: PatientStory, episode: EpisodePlan, course: CoursePlan, ctx: Context
) -> list[tuple[str, int, outcome.Observation]]:
    """observations(), made once per course of the story (both generators need them)."""
    kept = ctx.extra.setdefault(OBSERVED, {})
    found = kept.get(id(course))
    if found is None:
        found = kept[id(course)] = observations(story, episode, course, ctx)
    return found


def status(story: PatientStory, episode: EpisodePlan, course: CoursePlan, ctx: Context) -> dict:
    """The course status by the outcome model, from what the course observed."""
    p = course.protocol
    plan = outcome.Plan(
        expected_sessions=p.expected,
        onset_session=p.onset,
        review_session=p.review,
        max_sessions=max(p.max, len(course.planned)),
        cadence_days=p.cadence,
    )
    result = outcome.course_status(
        plan=plan,
        baseline_nrs=episode.baseline,
        observations=[o for _s, _i, o in observed(story, episode, course, ctx)],
        thresholds=ctx.thresholds,
    )
    return {
        "sessions_done": result.sessions_done,
        "first_session_at": result.first_session_at,
        "latest_nrs": result.latest_nrs,
        "latest_nrs_at": result.latest_nrs_at,
        "latest_nrs_stale": result.latest_nrs_stale,
        "change_points": result.change_points,
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
        ctx.thresholds = shipped_thresholds()
        self.courses = ctx.writer.table(self.model("protocols.Course"))
        self.planned = ctx.writer.table(self.model("protocols.PlannedSession"))
        if self.planned.text:
            self.planned_tail = self.planned.line_columns(["id", "course_id", "number", "date"])

    def emit(self, story: PatientStory, ctx: Context) -> None:
        ctx.extra[OBSERVED] = {}  # a new story: ids of the last one's courses may recur
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
                status_updated_at=ctx.at(story.clinic, last.day, last.slot, 25) if last else None,
                author_id=course.practitioner.user_id,
                created_at=created,
                **status(story, episode, course, ctx),
            )
            for number, day in enumerate(course.planned, start=1):
                if self.planned.text:
                    self.planned.add_line(
                        f"{self.planned.next_id()}\t{course.id}\t{number}\t{day.isoformat()}"
                        f"{self.planned_tail}"
                    )
                    continue
                self.planned.add(
                    id=self.planned.next_id(), course_id=course.id, number=number, date=day
                )


__all__ = ["CoursesGenerator", "ObservationsGenerator", "load_protocols", "dt"]


class ObservationsGenerator(Generator):
    """What charting and outcomes report to each course (protocols' observation rows),
    once the sessions and responses have their ids."""

    name = "course observations"
    models = ("protocols.CourseObservation",)

    def setup(self, ctx: Context) -> None:
        self.rows = ctx.writer.table(self.model("protocols.CourseObservation"))
        if self.rows.text:
            self.tail = self.rows.line_columns(
                ["id", "course_id", "source", "ref", "at", "nrs", "created_at"]
            )

    def emit(self, story: PatientStory, ctx: Context) -> None:
        self._emit(story, ctx)
        ctx.extra[OBSERVED] = {}  # the story's courses go: their ids may recur

    def _emit(self, story: PatientStory, ctx: Context) -> None:
        for episode in story.episodes:
            course = episode.course
            if course is None or not course.id:
                continue
            for source, index, obs in observed(story, episode, course, ctx):
                if source == "session":
                    ref = course.sessions[index].id
                else:
                    ref = episode.responses[index].id
                if not ref:
                    continue
                if self.rows.text:
                    at = obs.at.isoformat()
                    self.rows.add_line(
                        f"{self.rows.next_id()}\t{course.id}\t{source}\t{ref}\t{at}"
                        f"\t{obs.nrs}\t{at}{self.tail}"
                    )
                    continue
                self.rows.add(
                    id=self.rows.next_id(),
                    course_id=course.id,
                    source=source,
                    ref=ref,
                    at=obs.at,
                    nrs=obs.nrs,
                    created_at=obs.at,
                )
