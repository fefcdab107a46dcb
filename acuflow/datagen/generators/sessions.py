"""Charted sessions: points (WHO codes) or IMS sites, needle counts, NRS before/after,
adjuncts, the odd adverse event and home-care acupressure."""

from __future__ import annotations

import random

from acuflow.charting import catalogue
from acuflow.datagen.generators.base import Context, Generator
from acuflow.datagen.story import PatientStory
from acuflow.datagen.writer import copy_json, copy_text

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
# The columns of a session's COPY line (PostgreSQL), in its order.
COLUMNS = [
    "id",
    "course_id",
    "patient_id",
    "appointment_ref",
    "practitioner_id",
    "started_at",
    "nrs_before",
    "nrs_after",
    "pregnant",
    "sites",
    "needles_in",
    "needles_out",
    "needle_discrepancy_note",
    "stimulation",
    "electro_frequency_hz",
    "retention_minutes",
    "adjuncts",
    "adverse_events",
    "subjective",
    "objective",
    "assessment",
    "plan",
    "home_care",
    "author_id",
    "created_at",
]
INSTRUCTIONS = "Press firmly 1 minute, twice a day."


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
        self.text = self.sessions.text
        if self.text:
            self.tail = self.sessions.line_columns(COLUMNS)
        # The JSON of one site (point or IMS site) or home-care point, made once.
        self.json: dict[tuple[str, ...], str] = {}

    def _json(self, key: tuple[str, ...], value: dict | list) -> str:
        found = self.json.get(key)
        if found is None:
            found = self.json[key] = copy_json(value)
        return found

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
                sites: list[dict] = []
                cells: list[str] = []  # each site's JSON, for the COPY line
                if ims:
                    for segment in episode.segments or ["L5"]:
                        muscles = self.muscles.get(segment) or ["multifidus"]
                        for muscle in rng.sample(muscles, min(len(muscles), rng.randint(1, 3))):
                            site = {
                                "ims_segment": segment,
                                "side": rng.choice(("left", "right", "both")),
                                "muscle": muscle,
                                "response": rng.choice(("twitch", "twitch", "grasp", "none")),
                            }
                            sites.append(site)
                            if self.text:
                                cells.append(self._json(tuple(site.values()), site))
                    needles = len(sites) * 2
                else:
                    for code in rng.sample(candidates, min(len(candidates), rng.randint(4, 8))):
                        side = "none" if code.startswith(MIDLINE) else "both"
                        sites.append({"point": code, "side": side})
                        if self.text:
                            cells.append(self._json((code, side), sites[-1]))
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
                retention = None if ims else rng.choice((20, 20, 25, 30))
                cupping = rng.random() < 0.15
                home_care = (
                    [{"point": rng.choice(home), "instructions": INSTRUCTIONS}]
                    if plan.number == 1
                    else []
                )
                manual = not electro or ims
                appointment = visit_ids.get(id(plan))
                last = plan.number == len(course.sessions)
                if self.text:
                    started = ctx.at_text(story.clinic, plan.day, plan.slot, 5)
                    self.sessions.add_line(
                        f"{plan.id}\t{course.id}\t{story.id}"
                        f"\t{appointment if appointment else '\\N'}"
                        f"\t{course.practitioner.practitioner_id}\t{started}"
                        f"\t{plan.nrs_before}\t{plan.nrs_after}\t{'t' if pregnant else 'f'}"
                        f"\t[{','.join(cells)}]\t{needles}\t{needles}\t"
                        f"\t{'manual\t\\N' if manual else 'electro\t2.0'}"
                        f"\t{retention if retention else '\\N'}"
                        f"\t{'["cupping"]' if cupping else '[]'}"
                        f"\t{copy_json(events) if events else '[]'}"
                        f"\t{copy_text(f'Pain {plan.nrs_before}/10 since last visit.')}\t\t"
                        f"\t{'' if last else 'Continue as planned.'}"
                        f"\t{self._json((home_care[0]['point'],), home_care) if home_care else '[]'}"
                        f"\t{course.practitioner.user_id}\t{started}{self.tail}"
                    )
                    continue
                started_at = ctx.at(story.clinic, plan.day, plan.slot, 5)
                self.sessions.add(
                    id=plan.id,
                    course_id=course.id,
                    patient_id=story.id,
                    appointment_ref=appointment,
                    practitioner_id=course.practitioner.practitioner_id,
                    started_at=started_at,
                    nrs_before=plan.nrs_before,
                    nrs_after=plan.nrs_after,
                    pregnant=pregnant,
                    sites=sites,
                    needles_in=needles,
                    needles_out=needles,
                    needle_discrepancy_note="",
                    stimulation="manual" if manual else "electro",
                    electro_frequency_hz=None if manual else 2.0,
                    retention_minutes=retention,
                    adjuncts=["cupping"] if cupping else [],
                    adverse_events=events,
                    subjective=f"Pain {plan.nrs_before}/10 since last visit.",
                    objective="",
                    assessment="",
                    plan="" if last else "Continue as planned.",
                    home_care=home_care,
                    author_id=course.practitioner.user_id,
                    created_at=started_at,
                )
