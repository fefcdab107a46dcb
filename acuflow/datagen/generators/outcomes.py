"""Questionnaire responses (NRS, PEG, PSFS, GRC, MS diary, Gunn's signs) at baseline,
at the onset session and at the end of a course, linked to course and session, scored
by the outcomes app's own scoring so that every row is what a real entry would store."""

from __future__ import annotations

from typing import Any

from acuflow.datagen.generators.base import Context, Generator
from acuflow.datagen.story import PatientStory
from acuflow.outcomes import catalog, scoring


class OutcomesGenerator(Generator):
    name = "outcomes"
    models = ("outcomes.Response",)

    def setup(self, ctx: Context) -> None:
        self.responses = ctx.writer.table(self.model("outcomes.Response"))
        self.definitions: dict[str, dict[str, Any]] = dict(catalog.instruments())

    def _score(self, code: str, answers: dict[str, Any]) -> Any:
        return scoring.score(self.definitions[code], answers)

    def emit(self, story: PatientStory, ctx: Context) -> None:
        for episode in story.episodes:
            if not episode.id:
                continue
            course = episode.course
            course_id = course.id if course is not None and course.id else None
            by_number = {s.number: s for s in course.sessions} if course_id and course else {}
            who = episode.practitioner
            for plan in episode.responses:
                if plan.instrument not in self.definitions:
                    continue
                session = by_number.get(plan.session_number) if plan.session_number else None
                scored = self._score(plan.instrument, plan.answers)
                plan.id = self.responses.next_id()
                at = ctx.at(story.clinic, plan.day, session.slot if session else 0, -10)
                self.responses.add(
                    id=plan.id,
                    patient_id=story.id,
                    course_id=course_id,
                    session_ref=session.id if session is not None and session.id else None,
                    instrument=plan.instrument,
                    instrument_version=str(self.definitions[plan.instrument].get("version", "1")),
                    language=story.clinic.language,
                    answers=scored.answers,
                    score=float(scored.score),
                    subscores={k: float(v) for k, v in scored.subscores.items()},
                    interpretation=scored.interpretation or "",
                    source="staff",
                    entered_by_id=who.user_id,
                    recorded_at=at,
                    created_at=at,
                )
