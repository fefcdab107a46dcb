"""Assessments (intake) with red flags, and the referrals that resolve them."""

from __future__ import annotations

from acuflow.assessment.rules import red_flag_state
from acuflow.datagen.generators.base import Context, Generator
from acuflow.datagen.story import PatientStory

# The story speaks of referrals "referred out"; the record says where they went.
OUTCOMES = {"cleared": "cleared", "referred_out": "treated_elsewhere"}

COMPLAINTS = {
    "chronic_low_back_pain": "Low back pain for months, worse after sitting.",
    "acute_low_back_pain": "Sudden low back pain after lifting.",
    "sciatica": "Pain from the buttock down the leg.",
    "neck_pain": "Stiff, painful neck, worse at the computer.",
    "musculoskeletal_pain": "Shoulder and knee pain.",
    "neuropathic_pain": "Burning pain along the leg.",
    "fibromyalgia": "Widespread pain and fatigue.",
    "postoperative_pain": "Pain since the operation.",
    "ms_symptoms": "MS: stiffness and walking problems.",
}
REFERRAL_TO = {
    "malignancy": "GP",
    "fracture": "GP (X-ray)",
    "inflammatory": "Rheumatology",
    "visceral": "GP",
    "infection": "GP",
    "cauda_equina": "Emergency department",
}


def chronicity(onset, on) -> str:  # type: ignore[no-untyped-def]
    days = (on - onset).days
    return "acute" if days < 42 else ("subacute" if days <= 84 else "chronic")


class AssessmentsGenerator(Generator):
    name = "assessments"
    models = ("assessment.Assessment", "assessment.Referral")

    def setup(self, ctx: Context) -> None:
        self.assessments = ctx.writer.table(self.model("assessment.Assessment"))
        self.referrals = ctx.writer.table(self.model("assessment.Referral"))

    def emit(self, story: PatientStory, ctx: Context) -> None:
        for episode in story.episodes:
            if episode.intake is None or episode.intake.status != "attended":
                continue  # an intake still to come has no assessment yet
            episode.id = self.assessments.next_id()
            at = ctx.at(story.clinic, episode.intake.day, episode.intake.slot, 20)
            author = episode.practitioner.user_id
            self.assessments.add(
                id=episode.id,
                patient_id=story.id,
                practitioner_id=episode.practitioner.practitioner_id,
                author_id=author,
                assessed_on=episode.assessed_on,
                complaint=COMPLAINTS[episode.condition],
                body_regions=episode.regions,
                condition=episode.condition,
                onset_date=episode.onset,
                chronicity=chronicity(episode.onset, episode.assessed_on),
                baseline_nrs=episode.baseline,
                contributing_factors=episode.factors,
                other_care=["exercise"]
                if episode.condition != "ms_symptoms"
                else ["ms_medication"],
                findings="",
                gunn_signs=episode.gunn_signs,
                affected_segments=episode.segments,
                ms_domains=episode.ms_domains,
                red_flags=episode.red_flags,
                red_flag_notes="",
                red_flags_screened_at=at,
                red_flag_state=red_flag_state(
                    screened=True,
                    flags=episode.red_flags,
                    referrals=[
                        (
                            episode.referral[0],
                            1,
                            OUTCOMES[episode.referral[1]],
                            episode.red_flags,
                        )
                    ]
                    if episode.referral is not None
                    else [],
                ),
                created_at=at,
                updated_at=at,
            )
            if episode.referral is not None:
                day, outcome = episode.referral
                outcome = OUTCOMES[outcome]
                decided = ctx.at(story.clinic, day, 18)
                self.referrals.add(
                    id=self.referrals.next_id(),
                    assessment_id=episode.id,
                    to=REFERRAL_TO[episode.red_flags[0]],
                    reason="Red flag on screening: " + ", ".join(episode.red_flags),
                    date=day,
                    urgency="urgent",
                    outcome=outcome,
                    outcome_note="",
                    decided_at=decided,
                    decided_by_id=author,
                    red_flags=episode.red_flags,
                    author_id=author,
                    created_at=ctx.at(story.clinic, day, 18),
                )
