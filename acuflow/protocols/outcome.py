"""The outcome model: change from baseline, the responder class and the course
recommendation, as pure functions over plain values (no database, no request).

Every place that shows or uses a course's response reads it from here: the course
status (services.course_refresh_status), the course and outcomes APIs, the outcome
chart, the reports and the portal. The sources of each number are in
docs/clinical-sources.md; the thresholds are data a clinic can edit
(protocols/data/outcome_thresholds.json, models.ClinicOutcomeThresholds).

Principles (docs/clinical-sources.md, "Outcome measures"):
- Measured, never guessed: the score is usual pain taken *before* needling at a session
  after the first, or an NRS questionnaire after the first session. No such score is
  `not_measured` and asks to `measure`; it never counts as "no response".
- A change counts as moderate or substantial only when it also reaches the clinic's
  "important" number of points (Ostelo: 2). Baseline 0-2 is not assessable by NRS.
- Pain that rises by 2+ points or 30 % is `worse` and asks for a `review` at once.
- Onset and review are judged on the session number and, where the protocol says so,
  on the days since the first session (IMS: about 21 days of healing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

RESPONSES = (
    "not_measured",
    "not_assessable_by_nrs",
    "worse",
    "none",
    "minimal",
    "moderate",
    "substantial",
)
# The order of the classes that compare (better to the right); the other two are not
# a degree of response.
RESPONSE_RANK = {"worse": 0, "none": 1, "minimal": 2, "moderate": 3, "substantial": 4}
RESPONDING = frozenset({"moderate", "substantial"})
RECOMMENDATIONS = ("measure", "continue", "review", "stop_or_refer", "complete")
SOURCES = ("session", "questionnaire")


@dataclass(frozen=True)
class Thresholds:
    """Responder thresholds (percent of the baseline, NRS points)."""

    minimal_pct: int = 10
    moderate_pct: int = 30
    substantial_pct: int = 50
    important_points: int = 2
    worse_points: int = 2
    worse_pct: int = 30
    assessable_from: int = 3  # a baseline below this is not assessable by NRS

    FIELDS = (
        "minimal_pct",
        "moderate_pct",
        "substantial_pct",
        "important_points",
        "worse_points",
        "worse_pct",
        "assessable_from",
    )

    def problems(self) -> dict[str, str]:
        """Field -> what is wrong (English code words; forms and the API word them)."""
        out: dict[str, str] = {}
        for name in ("minimal_pct", "moderate_pct", "substantial_pct", "worse_pct"):
            if not 1 <= getattr(self, name) <= 100:
                out[name] = "between_1_and_100"
        for name in ("important_points", "worse_points", "assessable_from"):
            if not 1 <= getattr(self, name) <= 10:
                out[name] = "between_1_and_10"
        if not out:
            if not self.minimal_pct < self.moderate_pct:
                out["moderate_pct"] = "above_minimal"
            elif not self.moderate_pct < self.substantial_pct:
                out["substantial_pct"] = "above_moderate"
        return out


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Plan:
    """The numbers of a course's plan that judge its outcome (frozen at the start)."""

    expected_sessions: int
    onset_session: int
    review_session: int
    max_sessions: int
    cadence_days: int = 7
    cadence_max_days: int | None = None
    lasting_session: int | None = None
    onset_days: int | None = None
    review_days: int | None = None
    single_session: bool = False  # one session may suffice (IMS, recent onset)
    other_instrument: str = ""  # judged by this when the NRS cannot (e.g. "psfs")

    @property
    def stale_after_days(self) -> int:
        """A score older than this before the latest session no longer describes the
        course: the protocol's longest interval, else two usual intervals."""
        return self.cadence_max_days or 2 * self.cadence_days


@dataclass(frozen=True)
class Observation:
    """A session (nrs = usual pain before needling, or None) or an NRS questionnaire."""

    at: dt.datetime
    nrs: int | None
    source: str = "session"


@dataclass(frozen=True)
class Change:
    points: int | None  # baseline - latest: positive is better
    pct: Fraction | None  # points / baseline, x 100; None without a latest or at baseline 0

    @property
    def pct_rounded(self) -> float | None:
        return None if self.pct is None else round(float(self.pct), 1)


@dataclass(frozen=True)
class Status:
    sessions_done: int
    first_session_at: dt.datetime | None
    days_since_first: int | None
    baseline_nrs: int
    latest_nrs: int | None
    latest_nrs_at: dt.datetime | None
    latest_nrs_stale: bool
    change_points: int | None
    change_pct: float | None
    response: str
    recommendation: str
    reason: str


def change(baseline: int, latest: int | None) -> Change:
    """Change from baseline: points (better is positive) and percent of the baseline."""
    if latest is None:
        return Change(None, None)
    points = baseline - latest
    pct = None if baseline == 0 else Fraction(points * 100, baseline)
    return Change(points, pct)


def response_class(baseline: int, latest: int | None, thresholds: Thresholds) -> str:
    """The responder class of one pain score against the baseline (exact arithmetic)."""
    t = thresholds
    if latest is None:
        return "not_measured"
    rise = latest - baseline
    if rise >= t.worse_points:
        return "worse"
    assessable = baseline >= t.assessable_from
    if assessable and rise > 0 and Fraction(rise * 100, baseline) >= t.worse_pct:
        return "worse"
    if not assessable:
        return "not_assessable_by_nrs"
    drop = baseline - latest
    pct = Fraction(drop * 100, baseline)
    if pct >= t.substantial_pct and drop >= t.important_points:
        return "substantial"
    if pct >= t.moderate_pct and drop >= t.important_points:
        return "moderate"
    if pct >= t.minimal_pct:
        return "minimal"
    return "none"


def follow_up_scores(observations: list[Observation]) -> list[Observation]:
    """The scores that measure the course: usual pain before needling at a session after
    the first, and questionnaires taken after the first session started. The score at
    the first session is the course's starting point, never its outcome."""
    sessions = sorted((o for o in observations if o.source == "session"), key=lambda o: o.at)
    if not sessions:
        return []
    first = sessions[0]
    out = [o for o in sessions[1:] if o.nrs is not None]
    out += [
        o
        for o in observations
        if o.source == "questionnaire" and o.nrs is not None and o.at > first.at
    ]
    return out


def newest(scores: list[Observation]) -> Observation | None:
    best: Observation | None = None
    for o in scores:
        if best is None or o.at >= best.at:
            best = o
    return best


def course_status(
    *,
    plan: Plan,
    baseline_nrs: int,
    observations: list[Observation],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Status:
    """The course's status after everything observed so far.

    Time is judged at the newest observation (a session or a questionnaire), so the
    status only changes when something is recorded."""
    if not 0 <= baseline_nrs <= 10:
        raise ValueError("baseline_nrs must be 0..10")
    for o in observations:
        if o.nrs is not None and not 0 <= o.nrs <= 10:
            raise ValueError("nrs must be 0..10")
        if o.source not in SOURCES:
            raise ValueError(f"unknown source {o.source!r}")
    sessions = sorted((o for o in observations if o.source == "session"), key=lambda o: o.at)
    done = len(sessions)
    first_at = sessions[0].at if sessions else None
    as_of = max((o.at for o in observations), default=None)
    days = (as_of - first_at).days if first_at is not None and as_of is not None else None
    latest = newest(follow_up_scores(observations))
    latest_nrs = latest.nrs if latest else None
    stale = bool(
        latest
        and sessions
        and (sessions[-1].at - latest.at) > dt.timedelta(days=plan.stale_after_days)
    )
    delta = change(baseline_nrs, latest_nrs)
    response = response_class(baseline_nrs, latest_nrs, thresholds)
    recommendation, reason = _recommend(plan, done, days or 0, response, stale)
    return Status(
        sessions_done=done,
        first_session_at=first_at,
        days_since_first=days,
        baseline_nrs=baseline_nrs,
        latest_nrs=latest_nrs,
        latest_nrs_at=latest.at if latest else None,
        latest_nrs_stale=stale,
        change_points=delta.points,
        change_pct=delta.pct_rounded,
        response=response,
        recommendation=recommendation,
        reason=reason,
    )


def _recommend(plan: Plan, done: int, days: int, response: str, stale: bool) -> tuple[str, str]:
    if done == 0:
        return "continue", "not_started"
    if response == "not_measured":
        return "measure", "no_follow_up_score"
    if stale:
        return "measure", "stale_score"
    if response == "worse":
        return "review", "worse"
    if response == "not_assessable_by_nrs":
        return "measure", "nrs_not_assessable"
    responding = response in RESPONDING
    if responding and (done >= plan.expected_sessions or plan.single_session):
        return "complete", "goal_reached"
    if done >= plan.max_sessions:
        return "stop_or_refer", "max_reached"
    review_due = done >= plan.review_session
    onset_due = done >= plan.onset_session
    review_time = review_due and days >= (plan.review_days or 0)
    onset_time = onset_due and days >= (plan.onset_days or 0)
    if review_time and response == "none":
        return "stop_or_refer", "no_response_at_review"
    if review_time and response == "minimal":
        return "review", "minimal_at_review"
    if onset_time and response == "none":
        return "review", "no_response_after_onset"
    if responding:
        return "continue", "improving"
    if onset_due and not onset_time:
        return "continue", "healing_time"
    if not onset_due:
        return "continue", "before_onset"
    return "continue", "some_improvement"


# Which source each reason rests on: the thresholds (research), the protocol's plan
# (a clinic's experience, shown as such) or none (a rule of measurement).
REASON_BASIS = {
    "not_started": "",
    "no_follow_up_score": "measurement",
    "stale_score": "measurement",
    "nrs_not_assessable": "thresholds",
    "worse": "thresholds",
    "goal_reached": "protocol",
    "max_reached": "protocol",
    "no_response_at_review": "protocol",
    "minimal_at_review": "protocol",
    "no_response_after_onset": "protocol",
    "improving": "thresholds",
    "healing_time": "protocol",
    "before_onset": "protocol",
    "some_improvement": "thresholds",
}
REASONS = tuple(REASON_BASIS)
