"""Questionnaire responses (NRS, PEG, PSFS, GRC, MS diary) at baseline, at the onset
session and at the end of a course, linked to course and session."""

from __future__ import annotations

from acuflow.datagen.generators import Context, Generator
from acuflow.datagen.story import PatientStory


class OutcomesGenerator(Generator):
    name = "outcomes"
    models = ("outcomes.Response",)

    def setup(self, ctx: Context) -> None:
        self.responses = ctx.writer.table(self.model("outcomes.Response"))
        self.instruments: set[str] | None = None
        try:
            from acuflow.outcomes import catalog

            self.instruments = {
                i["code"] if isinstance(i, dict) else str(i) for i in catalog.instruments()
            }  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - older catalogue API: trust the story's codes
            self.instruments = None

    def emit(self, story: PatientStory, ctx: Context) -> None:
        for episode in story.episodes:
            if not episode.id:
                continue
            course = episode.course
            by_number = {s.number: s for s in course.sessions} if course and course.id else {}
            for plan in episode.responses:
                if self.instruments is not None and plan.instrument not in self.instruments:
                    continue
                session = by_number.get(plan.session_number) if plan.session_number else None
                plan.id = self.responses.next_id()
                at = ctx.at(story.clinic, plan.day, session.slot if session else 0, -10)
                self.responses.add(
                    id=plan.id,
                    patient_id=story.id,
                    instrument=plan.instrument,
                    answers=plan.answers,
                    score=plan.score,
                    course_id=course.id if course and course.id else None,
                    session_id=session.id if session and session.id else None,
                    created_at=at,
                    submitted_at=at,
                )
