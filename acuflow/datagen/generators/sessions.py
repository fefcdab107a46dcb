"""Charted sessions: points (WHO codes) or IMS sites, needle counts, NRS before/after,
adjuncts, the odd adverse event and home-care acupressure."""

from __future__ import annotations

import random

from acuflow.charting import catalogue
from acuflow.datagen.generators.base import Context, Generator
from acuflow.datagen.story import PatientStory

POINTS = {
    "chronic_low_back_pain": ["BL23", "BL25", "BL40", "GV4", "EX-B2", "BL60", "GB30", "KI3"],
    "acute_low_back_pain": ["BL23", "BL25", "BL40", "EX-UE7", "GV26", "SI3", "BL60"],
    "sciatica": ["GB30", "BL36", "BL37", "BL40", "GB34", "BL57", "BL60", "EX-B2"],
    "neck_pain": ["GB20", "GB21", "SI3", "BL10", "LI4", "SI14", "TE5"],
    "musculoskeletal_pain": ["LI15", "SI9", "ST35", "EX-LE5", "GB34", "SP9", "LI4"],
    "neuropathic_pain": ["EX-B2", "BL23", "GB34", "ST36", "SP6", "LR3"],
    "fibromyalgia": ["LI4", "LR3", "ST36", "SP6", "GB34", "HT7", "PC6"],
    "postoperative_pain": ["ST36", "PC6", "LI4", "SP6", "GB34", "BL40"],
    "ms_symptoms": ["GB34", "ST36", "SP6", "LR3", "LI4", "GV20", "KI3", "BL23"],
}
HOME_CARE = ["LI4", "ST36", "PC6", "LR3"]
MIDLINE = ("GV", "CV")


class SessionsGenerator(Generator):
    name = "sessions"
    models = ("charting.Session",)

    def setup(self, ctx: Context) -> None:
        self.sessions = ctx.writer.table(self.model("charting.Session"))
        self.known: set[str] | None = None
        self.muscles: dict[str, list[str]] = {}
        try:
            cat = catalogue.catalogue()
            self.known = set(cat.points)
            self.muscles = {k: list(v) for k, v in cat.segments.items()}
        except Exception:  # noqa: BLE001 - no catalogue: plain codes
            self.known = None

    def _points(self, condition: str, extra: list[str]) -> list[str]:
        codes = list(dict.fromkeys([*extra, *POINTS[condition]]))
        if self.known is not None:
            codes = [c for c in codes if c in self.known]
        return codes or ["LI4", "ST36"]

    def emit(self, story: PatientStory, ctx: Context) -> None:
        rng = random.Random(f"acuflow-generate:{ctx.seed}:sessions:{story.index}")
        for episode in story.episodes:
            course = episode.course
            if course is None or not course.id:
                continue
            ims = course.protocol.modality == "ims"
            candidates = self._points(episode.condition, course.protocol.points)
            electro = "electroacupuncture" in course.practitioner.modalities and rng.random() < 0.3
            pregnant = "pregnancy" in episode.factors
            visits = [*course.visits, *([episode.intake] if episode.intake else [])]
            visit_ids = {id(v.session): v.id for v in visits if v.session is not None and v.id}
            home = [c for c in HOME_CARE if self.known is None or c in self.known] or ["LI4"]
            for plan in course.sessions:
                plan.id = self.sessions.next_id()
                started = ctx.at(story.clinic, plan.day, plan.slot, 5)
                sites: list[dict] = []
                if ims:
                    for segment in episode.segments or ["L5"]:
                        muscles = self.muscles.get(segment) or ["multifidus"]
                        for muscle in rng.sample(muscles, min(len(muscles), rng.randint(1, 3))):
                            sites.append(
                                {
                                    "ims_segment": segment,
                                    "side": rng.choice(("left", "right", "both")),
                                    "muscle": muscle,
                                    "response": rng.choice(("twitch", "twitch", "grasp", "none")),
                                }
                            )
                    needles = len(sites) * 2
                else:
                    for code in rng.sample(candidates, min(len(candidates), rng.randint(4, 8))):
                        side = "none" if code.startswith(MIDLINE) else "both"
                        sites.append({"point": code, "side": side})
                    needles = sum(1 if s["side"] == "none" else 2 for s in sites)
                events = []
                if rng.random() < 0.03:
                    events.append(
                        {
                            "code": rng.choice(("bruising", "bruising", "pain", "vasovagal")),
                            "severity": "mild",
                            "action": "Observed, resolved before leaving.",
                        }
                    )
                self.sessions.add(
                    id=plan.id,
                    course_id=course.id,
                    patient_id=story.id,
                    appointment_ref=visit_ids.get(id(plan)),
                    practitioner_id=course.practitioner.practitioner_id,
                    started_at=started,
                    nrs_before=plan.nrs_before,
                    nrs_after=plan.nrs_after,
                    pregnant=pregnant,
                    sites=sites,
                    needles_in=needles,
                    needles_out=needles,
                    needle_discrepancy_note="",
                    stimulation="electro" if electro and not ims else "manual",
                    electro_frequency_hz=2.0 if electro and not ims else None,
                    retention_minutes=None if ims else rng.choice((20, 20, 25, 30)),
                    adjuncts=["cupping"] if rng.random() < 0.15 else [],
                    adverse_events=events,
                    subjective=f"Pain {plan.nrs_before}/10 since last visit.",
                    objective="",
                    assessment="",
                    plan="Continue as planned." if plan.number < len(course.sessions) else "",
                    home_care=[
                        {
                            "point": rng.choice(home),
                            "instructions": "Press firmly 1 minute, twice a day.",
                        }
                    ]
                    if plan.number == 1
                    else [],
                    author_id=course.practitioner.user_id,
                    created_at=started,
                )
