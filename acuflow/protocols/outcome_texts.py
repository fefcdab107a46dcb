"""The words of a course status: `reason_text` for staff, `patient_text` for the patient
(portal, progress report), and the labels of the response classes. In the active
language; numbers use its decimal separator.

Patient wording never says "does not suit you, stop or refer": it says what was seen
and that the practitioner will discuss the next step.
"""

from __future__ import annotations

from typing import Any

from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from acuflow.protocols.outcome import Plan, Status

RESPONSE_LABELS = {
    "not_measured": gettext_lazy("Not measured yet"),
    "not_assessable_by_nrs": gettext_lazy("Not assessable by the pain score (baseline 0-2)"),
    "worse": gettext_lazy("Worse"),
    "none": gettext_lazy("No response (< 10 %)"),
    "minimal": gettext_lazy("Minimal (10-30 %)"),
    "moderate": gettext_lazy("Moderate (>= 30 % and >= 2 points)"),
    "substantial": gettext_lazy("Substantial (>= 50 % and >= 2 points)"),
}

RECOMMENDATION_LABELS = {
    "measure": gettext_lazy("Record a pain score"),
    "continue": gettext_lazy("Continue"),
    "review": gettext_lazy("Review the plan"),
    "stop_or_refer": gettext_lazy("Stop or refer"),
    "complete": gettext_lazy("Course can be completed"),
}

OTHER_INSTRUMENT_LABELS = {
    "psfs": gettext_lazy("the Patient-Specific Functional Scale (PSFS)"),
    "ms_diary": gettext_lazy("the MS symptom diary"),
    "peg": gettext_lazy("the PEG scale"),
}


def _pct(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{abs(value):g}".replace(".", str(get_format("DECIMAL_SEPARATOR")))


def _numbers(status: Status, plan: Plan) -> dict[str, Any]:
    return {
        "pct": _pct(status.change_pct),
        "done": status.sessions_done,
        "onset": plan.onset_session,
        "review": plan.review_session,
        "expected": plan.expected_sessions,
        "max": plan.max_sessions,
        "baseline": status.baseline_nrs,
        "latest": "-" if status.latest_nrs is None else status.latest_nrs,
        "days": plan.onset_days or 0 if status.reason == "healing_time" else plan.stale_after_days,
        "instrument": OTHER_INSTRUMENT_LABELS.get(plan.other_instrument)
        or _("another outcome measure (for example the PSFS)"),
    }


def reason_text(status: Status, plan: Plan) -> str:
    """The reason in staff words."""
    n = _numbers(status, plan)
    texts = {
        "not_started": _("No session yet."),
        "no_follow_up_score": _(
            "No pain score after the first session yet: record usual pain since the last "
            "session, before needling, before judging this course."
        ),
        "stale_score": ngettext(
            "The latest pain score is more than %(days)d day older than the latest "
            "session: record a new score before judging this course.",
            "The latest pain score is more than %(days)d days older than the latest "
            "session: record a new score before judging this course.",
            n["days"],
        ),
        "nrs_not_assessable": _(
            "Baseline pain was %(baseline)s/10: too low to judge by the pain score. Judge "
            "this course with %(instrument)s."
        ),
        "worse": _(
            "Pain is worse than at baseline (%(baseline)s -> %(latest)s): review the "
            "diagnosis, technique or cadence now."
        ),
        "goal_reached": _(
            "Pain improved %(pct)s %% (%(baseline)s -> %(latest)s) after %(done)d of "
            "%(expected)d planned sessions: the course can be completed."
        ),
        "max_reached": _(
            "The maximum of %(max)d sessions is reached without an important improvement: "
            "stop or refer."
        ),
        "no_response_at_review": _(
            "Less than 10 %% improvement after %(done)d sessions (review at session "
            "%(review)d): by the protocol's stop rule, stop or refer."
        ),
        "minimal_at_review": _(
            "Only a minimal improvement (%(pct)s %%) after %(done)d sessions (review at "
            "session %(review)d): discuss with the patient whether to go on, change the "
            "plan or refer."
        ),
        "no_response_after_onset": _(
            "No improvement after %(done)d sessions (first improvement was expected by "
            "session %(onset)d): review the diagnosis, technique or cadence."
        ),
        "improving": _("Pain improved %(pct)s %% from baseline; continue as planned."),
        "healing_time": ngettext(
            "The protocol judges the first improvement from day %(days)d after the first "
            "session (healing time); continue as planned.",
            "The protocol judges the first improvement from day %(days)d after the first "
            "session (healing time); continue as planned.",
            n["days"],
        ),
        "before_onset": ngettext(
            "First improvement is expected by session %(onset)d; %(done)d session so far.",
            "First improvement is expected by session %(onset)d; %(done)d sessions so far.",
            status.sessions_done,
        ),
        "some_improvement": _("Pain changed %(pct)s %% from baseline; continue and measure again."),
    }
    template = texts.get(status.reason)
    return status.reason if template is None else template % n


def patient_text(status: Status, plan: Plan) -> str:
    """What the patient reads in the portal and the progress report."""
    n = _numbers(status, plan)
    texts = {
        "not_started": _("Your treatment has not started yet."),
        "no_follow_up_score": _(
            "At your next visit we will ask how your pain has been since the last "
            "treatment, so that we can see how the treatment works for you."
        ),
        "stale_score": _(
            "At your next visit we will ask again how your pain has been, so that we can "
            "see how the treatment works for you."
        ),
        "nrs_not_assessable": _(
            "Your pain score was low at the start, so we follow your progress with "
            "another questionnaire."
        ),
        "worse": _(
            "Your pain is higher than at the start. Your practitioner will look at the "
            "plan with you."
        ),
        "goal_reached": _(
            "Your pain has clearly improved. Your practitioner will discuss rounding off "
            "the treatment with you."
        ),
        "max_reached": _(
            "Your pain has not improved as much as hoped. Your practitioner will discuss "
            "the next step with you, which may be another treatment or your GP."
        ),
        "no_response_at_review": _(
            "Your pain has not improved as much as hoped. Your practitioner will discuss "
            "the next step with you, which may be another treatment or your GP."
        ),
        "minimal_at_review": _(
            "Your pain has improved a little. Your practitioner will discuss with you "
            "whether to go on or change the plan."
        ),
        "no_response_after_onset": _(
            "Your pain has not changed yet. Your practitioner will look at the plan with you."
        ),
        "improving": _("Your pain has improved. The treatment continues as planned."),
        "healing_time": _("The treatment continues as planned; its effect builds up over time."),
        "before_onset": _("The treatment continues as planned."),
        "some_improvement": _("The treatment continues as planned."),
    }
    template = texts.get(status.reason)
    return "" if template is None else template % n
