"""The outcome model (protocols/outcome.py): table-driven cases for every rule the
clinical core promises, and properties over the whole input space."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from unittest import TestCase

from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from acuflow.protocols import outcome
from acuflow.protocols.outcome import Observation, Plan, Thresholds
from acuflow.protocols.outcome_texts import patient_text, reason_text
from acuflow.protocols.rules import plan_dates

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
WEEKLY = Plan(expected_sessions=5, onset_session=3, review_session=6, max_sessions=8)
CHRONIC = Plan(
    expected_sessions=10, onset_session=3, review_session=6, max_sessions=12, lasting_session=5
)
IMS = Plan(
    expected_sessions=8,
    onset_session=3,
    review_session=6,
    max_sessions=12,
    cadence_max_days=14,
    onset_days=21,
)
TWO_WEEKLY = Plan(
    expected_sessions=6, onset_session=3, review_session=5, max_sessions=8, cadence_days=14
)
ONE_SESSION = Plan(expected_sessions=1, onset_session=1, review_session=2, max_sessions=3)


def sessions(*scores: int | None, every: int = 7) -> list[Observation]:
    """Sessions `every` days apart with usual pain before needling."""
    return [Observation(T0 + dt.timedelta(days=every * i), s) for i, s in enumerate(scores)]


def questionnaire(day: float, nrs: int) -> Observation:
    return Observation(T0 + dt.timedelta(days=day), nrs, "questionnaire")


def judge(plan: Plan, baseline: int, observations: list[Observation]) -> outcome.Status:
    return outcome.course_status(plan=plan, baseline_nrs=baseline, observations=observations)


class TableTests(TestCase):
    """name, plan, baseline, observations -> response, recommendation, reason."""

    CASES = [
        ("no session yet", WEEKLY, 7, [], "not_measured", "continue", "not_started"),
        (
            "no scores at all, at the review session",
            WEEKLY,
            7,
            sessions(*[None] * 6),
            "not_measured",
            "measure",
            "no_follow_up_score",
        ),
        (
            "the first session's score is the start, never the outcome",
            WEEKLY,
            8,
            sessions(2, None, None),
            "not_measured",
            "measure",
            "no_follow_up_score",
        ),
        (
            "stale score: last score three weeks before the latest session",
            WEEKLY,
            8,
            sessions(8, 4, None, None, None),
            "substantial",
            "measure",
            "stale_score",
        ),
        (
            "baseline 0, pain 1",
            WEEKLY,
            0,
            sessions(0, 1),
            "not_assessable_by_nrs",
            "measure",
            "nrs_not_assessable",
        ),
        (
            "baseline 1 -> 0 is not 'substantial'",
            WEEKLY,
            1,
            sessions(1, 0),
            "not_assessable_by_nrs",
            "measure",
            "nrs_not_assessable",
        ),
        (
            "baseline 2 -> 1 is not 'substantial'",
            WEEKLY,
            2,
            sessions(2, 1, 1, 1, 1, 1),
            "not_assessable_by_nrs",
            "measure",
            "nrs_not_assessable",
        ),
        (
            "baseline 2 -> 5 is worse, by points",
            WEEKLY,
            2,
            sessions(2, 5),
            "worse",
            "review",
            "worse",
        ),
        (
            "8 -> 6 at session 6: minimal (25 %), review, not stop",
            WEEKLY,
            8,
            sessions(8, 8, 7, 7, 6, 6),
            "minimal",
            "review",
            "minimal_at_review",
        ),
        (
            "4 -> 9 at session 2 is worse: review at once",
            WEEKLY,
            4,
            sessions(4, 9),
            "worse",
            "review",
            "worse",
        ),
        (
            "3 -> 2 is 33 % but one point: minimal, not moderate",
            CHRONIC,
            3,
            sessions(3, 2, 2),
            "minimal",
            "continue",
            "some_improvement",
        ),
        (
            "no change at the review session: stop or refer",
            WEEKLY,
            7,
            sessions(7, 7, 7, 7, 7, 7),
            "none",
            "stop_or_refer",
            "no_response_at_review",
        ),
        (
            "no change at the onset session: review",
            WEEKLY,
            7,
            sessions(7, 7, 7),
            "none",
            "review",
            "no_response_after_onset",
        ),
        (
            "before onset, no change yet: continue",
            WEEKLY,
            7,
            sessions(7, 7),
            "none",
            "continue",
            "before_onset",
        ),
        (
            "moderate at the expected session: complete",
            WEEKLY,
            8,
            sessions(8, 7, 6, 6, 5),
            "moderate",
            "complete",
            "goal_reached",
        ),
        (
            "substantial before the expected session: continue",
            CHRONIC,
            8,
            sessions(8, 6, 4),
            "substantial",
            "continue",
            "improving",
        ),
        (
            "the maximum reached without response: stop or refer",
            Plan(expected_sessions=5, onset_session=3, review_session=8, max_sessions=8),
            8,
            sessions(8, 8, 8, 7, 7, 7, 7, 7),
            "minimal",
            "stop_or_refer",
            "max_reached",
        ),
        (
            "one-session course with only its own score: measure",
            ONE_SESSION,
            6,
            sessions(6),
            "not_measured",
            "measure",
            "no_follow_up_score",
        ),
        (
            "one-session course judged on a follow-up questionnaire",
            ONE_SESSION,
            6,
            [*sessions(6), questionnaire(7, 2)],
            "substantial",
            "complete",
            "goal_reached",
        ),
        (
            "a questionnaire before the first session is not a follow-up",
            ONE_SESSION,
            6,
            [questionnaire(-1, 2), *sessions(6)],
            "not_measured",
            "measure",
            "no_follow_up_score",
        ),
        (
            "IMS at day 14 (session 3), no change: healing time, continue",
            IMS,
            7,
            sessions(7, 7, 7),
            "none",
            "continue",
            "healing_time",
        ),
        (
            "IMS at day 21 (session 4), no change: review",
            IMS,
            7,
            sessions(7, 7, 7, 7),
            "none",
            "review",
            "no_response_after_onset",
        ),
        (
            "two-weekly cadence: a score 20 days before the latest session is current",
            TWO_WEEKLY,
            8,
            [*sessions(8, 6, every=14), Observation(T0 + dt.timedelta(days=34), None)],
            "minimal",
            "continue",
            "some_improvement",
        ),
        (
            "weekly cadence: the same 20-day-old score is out of date",
            WEEKLY,
            8,
            [*sessions(8, 6, every=14), Observation(T0 + dt.timedelta(days=34), None)],
            "minimal",
            "measure",
            "stale_score",
        ),
    ]

    def test_every_case(self) -> None:
        for name, plan, baseline, obs, response, recommendation, reason in self.CASES:
            with self.subTest(name):
                status = judge(plan, baseline, obs)
                self.assertEqual(
                    (status.response, status.recommendation, status.reason),
                    (response, recommendation, reason),
                )

    def test_every_reason_has_staff_and_patient_words_in_every_language(self) -> None:
        seen = set()
        for _name, plan, baseline, obs, *_rest in self.CASES:
            status = judge(plan, baseline, obs)
            seen.add(status.reason)
            for language in ("nl", "nb", "en", "es"):
                with translation.override(language):
                    staff = reason_text(status, plan)
                    patient = patient_text(status, plan)
                self.assertNotEqual(staff, status.reason)
                self.assertTrue(patient)
                self.assertNotIn("stop or refer", patient.lower())
                self.assertNotIn("does not suit", patient.lower())
        self.assertEqual(seen, set(outcome.REASONS))

    def test_latest_is_the_newest_follow_up_score_and_its_time(self) -> None:
        obs = [*sessions(8, 6, 5), questionnaire(15, 3)]
        status = judge(WEEKLY, 8, obs)
        self.assertEqual((status.latest_nrs, status.latest_nrs_at), (3, T0 + dt.timedelta(15)))
        self.assertEqual((status.change_points, status.change_pct), (5, 62.5))
        self.assertEqual(status.sessions_done, 3)
        self.assertEqual(status.days_since_first, 15)

    def test_thresholds_are_the_clinics(self) -> None:
        strict = Thresholds(moderate_pct=40, important_points=3)
        status = outcome.course_status(
            plan=WEEKLY, baseline_nrs=8, observations=sessions(8, 7, 6, 6, 5), thresholds=strict
        )
        self.assertEqual(status.response, "minimal")  # 37.5 %: below the clinic's 40 %

    def test_threshold_problems(self) -> None:
        self.assertEqual(Thresholds().problems(), {})
        self.assertIn("moderate_pct", Thresholds(minimal_pct=30, moderate_pct=30).problems())
        self.assertIn("important_points", Thresholds(important_points=0).problems())
        self.assertIn("substantial_pct", Thresholds(substantial_pct=30).problems())

    def test_scores_outside_0_to_10_are_refused(self) -> None:
        with self.assertRaises(ValueError):
            judge(WEEKLY, 11, [])
        with self.assertRaises(ValueError):
            judge(WEEKLY, 5, sessions(5, 11))

    def test_plan_dates_follow_the_cadence(self) -> None:
        self.assertEqual(
            plan_dates(dt.date(2026, 1, 5), 14, 3),
            [dt.date(2026, 1, 5), dt.date(2026, 1, 19), dt.date(2026, 2, 2)],
        )

    def test_plan_dates_move_a_closed_day_to_the_next_open_one(self) -> None:
        closed = {dt.date(2026, 12, 25), dt.date(2026, 12, 26), dt.date(2027, 1, 1)}
        self.assertEqual(
            plan_dates(dt.date(2026, 12, 18), 7, 3, closed),
            [dt.date(2026, 12, 18), dt.date(2026, 12, 27), dt.date(2027, 1, 2)],
        )
        # Daily sessions never land two on one day when one is pushed on.
        self.assertEqual(
            plan_dates(dt.date(2026, 12, 24), 1, 3, closed),
            [dt.date(2026, 12, 24), dt.date(2026, 12, 27), dt.date(2026, 12, 28)],
        )


scores = st.integers(min_value=0, max_value=10)
maybe_scores = st.one_of(st.none(), scores)
plans = st.builds(
    lambda onset, extra, expected, cadence, onset_days: Plan(
        expected_sessions=expected,
        onset_session=onset,
        review_session=onset + extra,
        max_sessions=max(expected, onset + extra) + 2,
        cadence_days=cadence,
        onset_days=onset_days,
    ),
    st.integers(1, 6),
    st.integers(0, 6),
    st.integers(1, 12),
    st.sampled_from([7, 14]),
    st.one_of(st.none(), st.integers(1, 42)),
)


class PropertyTests(TestCase):
    @settings(max_examples=300, deadline=None)
    @given(baseline=scores, a=scores, b=scores)
    def test_lower_pain_never_gives_a_worse_class(self, baseline: int, a: int, b: int) -> None:
        lower, higher = sorted((a, b))
        t = outcome.DEFAULT_THRESHOLDS
        better = outcome.response_class(baseline, lower, t)
        worse = outcome.response_class(baseline, higher, t)
        if better in outcome.RESPONSE_RANK and worse in outcome.RESPONSE_RANK:
            self.assertGreaterEqual(outcome.RESPONSE_RANK[better], outcome.RESPONSE_RANK[worse])
        if better == "worse":
            self.assertEqual(worse, "worse")

    @settings(max_examples=300, deadline=None)
    @given(plan=plans, baseline=scores, first=maybe_scores, rest=st.lists(st.none(), max_size=14))
    def test_missing_data_never_gives_stop_or_refer(
        self, plan: Plan, baseline: int, first: int | None, rest: list[None]
    ) -> None:
        """Without a follow-up score (whatever the first session said) the course is
        never told to stop: it is told to measure."""
        status = judge(plan, baseline, sessions(first, *rest))
        self.assertNotEqual(status.recommendation, "stop_or_refer")
        self.assertEqual(status.response, "not_measured")
        self.assertEqual(status.recommendation, "measure")

    @settings(max_examples=300, deadline=None)
    @given(plan=plans, baseline=st.integers(3, 10), trajectory=st.lists(scores, min_size=2))
    def test_more_improvement_never_gives_a_worse_recommendation(
        self, plan: Plan, baseline: int, trajectory: list[int]
    ) -> None:
        """Lowering the latest score (same sessions) never moves the recommendation
        from continue/complete towards review or stop."""
        order = {"stop_or_refer": 0, "review": 1, "measure": 2, "continue": 3, "complete": 4}
        obs = sessions(*trajectory)
        status = judge(plan, baseline, obs)
        last = obs[-1]
        if last.nrs is None or last.nrs == 0:
            return
        improved = [*obs[:-1], replace(last, nrs=last.nrs - 1)]
        better = judge(plan, baseline, improved)
        if status.recommendation in ("continue", "complete"):
            self.assertGreaterEqual(order[better.recommendation], 2)
        self.assertGreaterEqual(
            outcome.RESPONSE_RANK.get(better.response, 9),
            outcome.RESPONSE_RANK.get(status.response, 0),
        )

    @settings(max_examples=200, deadline=None)
    @given(baseline=scores, latest=scores)
    def test_classes_match_the_thresholds(self, baseline: int, latest: int) -> None:
        response = outcome.response_class(baseline, latest, outcome.DEFAULT_THRESHOLDS)
        drop = baseline - latest
        if response == "worse":
            self.assertTrue(-drop >= 2 or (baseline >= 3 and -drop * 100 >= 30 * baseline))
        elif baseline < 3:
            self.assertEqual(response, "not_assessable_by_nrs")
        elif response == "substantial":
            self.assertTrue(drop >= 2 and drop * 100 >= 50 * baseline)
        elif response == "moderate":
            self.assertTrue(drop >= 2 and 30 * baseline <= drop * 100 < 50 * baseline)
        elif response == "minimal":
            self.assertTrue(drop * 100 >= 10 * baseline)
        else:
            self.assertEqual(response, "none")
            self.assertLess(drop * 100, 10 * baseline)
