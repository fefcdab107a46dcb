"""Questionnaire responses (NRS, PEG, PSFS, GRC, MS diary, Gunn's signs) at baseline,
at the onset session and at the end of a course, linked to course and session, scored
by the outcomes app's own scoring so that every row is what a real entry would store."""

from __future__ import annotations

from typing import Any

from acuflow.datagen.generators.base import Context, Generator
from acuflow.datagen.story import PatientStory
from acuflow.datagen.writer import copy_json, copy_text
from acuflow.outcomes import catalog, scoring

# The columns of a response's COPY line (PostgreSQL), in its order.
COLUMNS = [
    "id",
    "patient_id",
    "course_id",
    "session_ref",
    "instrument",
    "instrument_version",
    "language",
    "answers",
    "score",
    "subscores",
    "interpretation",
    "source",
    "entered_by_id",
    "recorded_at",
    "created_at",
]


class OutcomesGenerator(Generator):
    name = "outcomes"
    models = ("outcomes.Response",)

    def setup(self, ctx: Context) -> None:
        self.responses = ctx.writer.table(self.model("outcomes.Response"))
        self.definitions: dict[str, dict[str, Any]] = dict(catalog.instruments())
        self.versions = {k: str(d.get("version", "1")) for k, d in self.definitions.items()}
        if self.responses.text:
            self.tail = self.responses.line_columns(COLUMNS)
        # Scoring is a pure function of the answers, and most answers recur (an NRS is
        # three numbers): per (instrument, answers), the scored cells of the COPY line.
        self.scored: dict[tuple[str, str], str] = {}

    def _scored_cells(self, code: str, answers: dict[str, Any]) -> str:
        key = (code, repr(answers))
        cells = self.scored.get(key)
        if cells is None:
            if len(self.scored) > 100_000:  # a bound on the memory it takes
                self.scored.clear()
            scored = self._score(code, answers)
            subscores = {k: float(v) for k, v in scored.subscores.items()}
            cells = self.scored[key] = (
                f"{copy_json(scored.answers)}\t{float(scored.score)}\t{copy_json(subscores)}"
                f"\t{copy_text(scored.interpretation or '')}"
            )
        return cells

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
                plan.id = self.responses.next_id()
                session_ref = session.id if session is not None and session.id else None
                if self.responses.text:
                    at = ctx.at_text(story.clinic, plan.day, session.slot if session else 0, -10)
                    self.responses.add_line(
                        f"{plan.id}\t{story.id}\t{course_id or '\\N'}\t{session_ref or '\\N'}"
                        f"\t{plan.instrument}\t{self.versions[plan.instrument]}"
                        f"\t{story.clinic.language}\t{self._scored_cells(plan.instrument, plan.answers)}"
                        f"\tstaff\t{who.user_id}\t{at}\t{at}{self.tail}"
                    )
                    continue
                scored = self._score(plan.instrument, plan.answers)
                at_time = ctx.at(story.clinic, plan.day, session.slot if session else 0, -10)
                self.responses.add(
                    id=plan.id,
                    patient_id=story.id,
                    course_id=course_id,
                    session_ref=session_ref,
                    instrument=plan.instrument,
                    instrument_version=self.versions[plan.instrument],
                    language=story.clinic.language,
                    answers=scored.answers,
                    score=float(scored.score),
                    subscores={k: float(v) for k, v in scored.subscores.items()},
                    interpretation=scored.interpretation or "",
                    source="staff",
                    entered_by_id=who.user_id,
                    recorded_at=at_time,
                    created_at=at_time,
                )
