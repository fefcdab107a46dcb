"""Course status: a pure function over plain values (no database), recomputed after every
session or pain score. Thresholds: IMMPACT (Dworkin, J Pain 2008); the stop rule at the
review session comes from the clinic's experience (domain.md source 4)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MINIMAL_PCT = 10
MODERATE_PCT = 30
SUBSTANTIAL_PCT = 50

RESPONSES = ("none", "minimal", "moderate", "substantial", "worse")
RECOMMENDATIONS = ("continue", "review", "complete", "stop_or_refer")


@dataclass(frozen=True)
class CourseStatus:
    sessions_done: int
    expected_sessions: int
    baseline_nrs: int
    latest_nrs: int | None
    change_pct: float | None
    response: str
    recommendation: str
    reason: str  # a code; reason_text() words it in the active language


def improvement(baseline: int, latest: int | None) -> Fraction | None:
    """Improvement from baseline as an exact fraction (0.3 = 30 %); negative = worse.

    None without a later score. A baseline of 0 cannot improve: 0 when the score stays
    0, -1 (worse) when pain appears.
    """
    if latest is None:
        return None
    if baseline == 0:
        return Fraction(0) if latest == 0 else Fraction(-1)
    return Fraction(baseline - latest, baseline)


def response_class(baseline: int, latest: int | None) -> str:
    """none < 10 %, minimal 10 to < 30, moderate 30 to < 50, substantial >= 50; worse
    when pain rose. Exact arithmetic, so 30 % is moderate and never 29.999..."""
    change = improvement(baseline, latest)
    if change is None:
        return "none"
    if latest is not None and latest > baseline:
        return "worse"
    pct = change * 100
    if pct >= SUBSTANTIAL_PCT:
        return "substantial"
    if pct >= MODERATE_PCT:
        return "moderate"
    if pct >= MINIMAL_PCT:
        return "minimal"
    return "none"


def course_status(
    *,
    sessions_done: int,
    expected_sessions: int,
    onset_session: int,
    review_session: int,
    baseline_nrs: int,
    latest_nrs: int | None,
) -> CourseStatus:
    for name, value in (("baseline_nrs", baseline_nrs), ("latest_nrs", latest_nrs)):
        if value is not None and not 0 <= value <= 10:
            raise ValueError(f"{name} must be 0..10")
    if sessions_done < 0:
        raise ValueError("sessions_done must be >= 0")
    change = improvement(baseline_nrs, latest_nrs)
    response = response_class(baseline_nrs, latest_nrs)
    change_pct = None if change is None else round(float(change * 100), 1)

    if sessions_done >= review_session and response in {"none", "minimal", "worse"}:
        recommendation = "stop_or_refer"
        reason = "worse_at_review" if response == "worse" else "no_response_at_review"
    elif sessions_done >= onset_session and response in {"none", "worse"}:
        recommendation = "review"
        reason = "worse_after_onset" if response == "worse" else "no_response_after_onset"
    elif sessions_done >= expected_sessions and response in {"moderate", "substantial"}:
        recommendation = "complete"
        reason = "goal_reached"
    else:
        recommendation = "continue"
        if sessions_done == 0:
            reason = "not_started"
        elif sessions_done < onset_session:
            reason = "before_onset"
        elif response in {"moderate", "substantial"}:
            reason = "improving"
        else:
            reason = "some_improvement"
    return CourseStatus(
        sessions_done=sessions_done,
        expected_sessions=expected_sessions,
        baseline_nrs=baseline_nrs,
        latest_nrs=latest_nrs,
        change_pct=change_pct,
        response=response,
        recommendation=recommendation,
        reason=reason,
    )


def newest_observation(
    observations: list[tuple[dt.datetime, int | None]],
) -> tuple[dt.datetime, int] | None:
    """The newest (time, score) with a score; ties keep the later entry in the list."""
    best: tuple[dt.datetime, int] | None = None
    for at, score in observations:
        if score is None:
            continue
        if best is None or at >= best[0]:
            best = (at, score)
    return best


def plan_dates(start: dt.date, cadence_days: int, count: int) -> list[dt.date]:
    return [start + dt.timedelta(days=cadence_days * i) for i in range(count)]


def reason_text(
    reason: str,
    *,
    sessions_done: int,
    change_pct: float | None,
    review_session: int,
    onset_session: int,
    expected_sessions: int,
) -> str:
    """The reason in words, in the active language (stored as a code on the course)."""
    # the active language's decimal separator ("62,5 %" in a Dutch report)
    pct = (
        "-"
        if change_pct is None
        else f"{abs(change_pct):g}".replace(".", str(get_format("DECIMAL_SEPARATOR")))
    )
    texts = {
        "not_started": _("No session yet."),
        "before_onset": ngettext(
            "First improvement is expected by session %(onset)d; %(done)d session so far.",
            "First improvement is expected by session %(onset)d; %(done)d sessions so far.",
            sessions_done,
        ),
        "improving": _("Pain improved %(pct)s %% from baseline; continue as planned."),
        "some_improvement": _("Pain changed %(pct)s %% from baseline; continue and measure again."),
        "no_response_after_onset": _(
            "No meaningful improvement after %(done)d sessions (first improvement was expected "
            "by session %(onset)d): review the diagnosis, technique or cadence."
        ),
        "worse_after_onset": _(
            "Pain is %(pct)s %% worse than at baseline after %(done)d sessions: review the "
            "diagnosis, technique or cadence."
        ),
        "no_response_at_review": _(
            "Less than 30 %% improvement after %(done)d sessions (review at session "
            "%(review)d): this method probably does not suit this person. Stop or refer."
        ),
        "worse_at_review": _(
            "Pain is %(pct)s %% worse than at baseline after %(done)d sessions: this method "
            "probably does not suit this person. Stop or refer."
        ),
        "goal_reached": _(
            "Pain improved %(pct)s %% after %(done)d of %(expected)d planned sessions: "
            "the course can be completed."
        ),
    }
    template = texts.get(reason)
    if template is None:
        return reason
    return template % {
        "pct": pct,
        "done": sessions_done,
        "onset": onset_session,
        "review": review_session,
        "expected": expected_sessions,
    }
