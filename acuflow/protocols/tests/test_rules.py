"""The course status function: every response and recommendation boundary, plus
property tests over the whole input space."""

from __future__ import annotations

import datetime as dt
from unittest import TestCase

from hypothesis import given
from hypothesis import strategies as st

from acuflow.protocols.rules import (
    course_status,
    newest_observation,
    plan_dates,
    reason_text,
    response_class,
)

PLAN = {"expected_sessions": 5, "onset_session": 3, "review_session": 6}


def status(done: int, baseline: int, latest: int | None, **plan: int):  # type: ignore[no-untyped-def]
    return course_status(
        sessions_done=done, baseline_nrs=baseline, latest_nrs=latest, **{**PLAN, **plan}
    )


class ResponseBoundaryTests(TestCase):
    def test_each_response_class_at_and_just_below_its_threshold(self) -> None:
        # baseline 10: one point = 10 %
        cases = [
            (10, 10, "none"),  # 0 %
            (10, 9, "minimal"),  # exactly 10 %
            (10, 8, "minimal"),  # 20 %
            (10, 7, "moderate"),  # exactly 30 % (float would give 29.99...)
            (10, 6, "moderate"),  # 40 %
            (10, 5, "substantial"),  # exactly 50 %
            (10, 0, "substantial"),
            (5, 6, "worse"),
            (0, 1, "worse"),
            (0, 0, "none"),
        ]
        for baseline, latest, expected in cases:
            self.assertEqual(response_class(baseline, latest), expected, (baseline, latest))

    def test_just_below_each_threshold_is_the_class_below(self) -> None:
        self.assertEqual(response_class(10, 10), "none")
        self.assertEqual(response_class(8, 8), "none")
        self.assertEqual(response_class(8, 6), "minimal")  # 25 %
        self.assertEqual(response_class(7, 5), "minimal")  # 28.6 %
        self.assertEqual(response_class(7, 4), "moderate")  # 42.9 %
        self.assertEqual(response_class(9, 5), "moderate")  # 44.4 %
        self.assertEqual(response_class(9, 4), "substantial")  # 55.6 %

    def test_no_score_after_baseline_counts_as_no_response(self) -> None:
        self.assertEqual(response_class(6, None), "none")
        self.assertIsNone(status(0, 6, None).change_pct)


class RecommendationBoundaryTests(TestCase):
    def test_stop_or_refer_from_the_review_session_for_none_minimal_and_worse(self) -> None:
        for latest in (10, 9, 8):  # none, minimal, minimal
            self.assertEqual(status(6, 10, latest).recommendation, "stop_or_refer")
        self.assertEqual(status(6, 5, 7).recommendation, "stop_or_refer")
        self.assertEqual(status(6, 5, 7).reason, "worse_at_review")
        self.assertEqual(status(9, 10, 8).recommendation, "stop_or_refer")

    def test_one_session_before_review_a_minimal_response_continues(self) -> None:
        self.assertEqual(status(5, 10, 8).recommendation, "continue")

    def test_review_from_the_onset_session_for_none_or_worse(self) -> None:
        self.assertEqual(status(2, 10, 10).recommendation, "continue")
        self.assertEqual(status(3, 10, 10).recommendation, "review")
        self.assertEqual(status(3, 5, 6).recommendation, "review")
        self.assertEqual(status(3, 5, 6).reason, "worse_after_onset")
        self.assertEqual(status(5, 10, 10).recommendation, "review")

    def test_complete_from_expected_sessions_with_at_least_moderate_response(self) -> None:
        self.assertEqual(status(4, 10, 7).recommendation, "continue")
        self.assertEqual(status(5, 10, 7).recommendation, "complete")
        self.assertEqual(status(5, 10, 5).recommendation, "complete")
        self.assertEqual(status(5, 10, 8).recommendation, "continue")  # minimal: not yet
        self.assertEqual(status(8, 10, 2).recommendation, "complete")

    def test_moderate_at_review_session_is_not_stopped(self) -> None:
        self.assertEqual(status(6, 10, 7, expected_sessions=10).recommendation, "continue")

    def test_change_pct_is_rounded_improvement(self) -> None:
        s = status(3, 7, 5)
        self.assertEqual(s.change_pct, 28.6)
        self.assertEqual(status(3, 5, 6).change_pct, -20.0)


RESPONSE_ORDER = ["worse", "none", "minimal", "moderate", "substantial"]
plans = st.tuples(
    st.integers(1, 20), st.integers(1, 20), st.integers(1, 20)
)  # expected, onset, review


class StatusPropertyTests(TestCase):
    @given(
        done=st.integers(0, 40),
        plan=plans,
        baseline=st.integers(0, 10),
        latest=st.none() | st.integers(0, 10),
    )
    def test_recommendation_follows_the_rules_in_order(self, done, plan, baseline, latest):  # type: ignore[no-untyped-def]
        expected, onset, review = plan
        s = course_status(
            sessions_done=done,
            expected_sessions=expected,
            onset_session=onset,
            review_session=review,
            baseline_nrs=baseline,
            latest_nrs=latest,
        )
        self.assertIn(s.response, RESPONSE_ORDER)
        if done >= review and s.response in {"none", "minimal", "worse"}:
            self.assertEqual(s.recommendation, "stop_or_refer")
        elif done >= onset and s.response in {"none", "worse"}:
            self.assertEqual(s.recommendation, "review")
        elif done >= expected and s.response in {"moderate", "substantial"}:
            self.assertEqual(s.recommendation, "complete")
        else:
            self.assertEqual(s.recommendation, "continue")
        self.assertTrue(
            reason_text(
                s.reason,
                sessions_done=done,
                change_pct=s.change_pct,
                review_session=review,
                onset_session=onset,
                expected_sessions=expected,
            )
        )
        self.assertNotEqual(
            reason_text(
                s.reason,
                sessions_done=done,
                change_pct=s.change_pct,
                review_session=review,
                onset_session=onset,
                expected_sessions=expected,
            ),
            s.reason,
        )

    @given(baseline=st.integers(1, 10), latest=st.integers(0, 10))
    def test_response_matches_the_percentage_and_worse_means_pain_rose(self, baseline, latest):  # type: ignore[no-untyped-def]
        s = course_status(sessions_done=1, baseline_nrs=baseline, latest_nrs=latest, **PLAN)
        assert s.change_pct is not None
        self.assertEqual(s.response == "worse", latest > baseline)
        if latest <= baseline:
            # exact percentage in integer arithmetic
            hundred_x = (baseline - latest) * 100
            band = (
                "substantial"
                if hundred_x >= 50 * baseline
                else "moderate"
                if hundred_x >= 30 * baseline
                else "minimal"
                if hundred_x >= 10 * baseline
                else "none"
            )
            self.assertEqual(s.response, band)

    @given(baseline=st.integers(0, 10), a=st.integers(0, 10), b=st.integers(0, 10))
    def test_lower_pain_never_gives_a_worse_response(self, baseline, a, b):  # type: ignore[no-untyped-def]
        low, high = min(a, b), max(a, b)
        self.assertGreaterEqual(
            RESPONSE_ORDER.index(response_class(baseline, low)),
            RESPONSE_ORDER.index(response_class(baseline, high)),
        )

    @given(st.integers(-5, -1) | st.integers(11, 20))
    def test_scores_outside_0_to_10_are_refused(self, bad):  # type: ignore[no-untyped-def]
        with self.assertRaises(ValueError):
            course_status(sessions_done=1, baseline_nrs=bad, latest_nrs=3, **PLAN)
        with self.assertRaises(ValueError):
            course_status(sessions_done=1, baseline_nrs=5, latest_nrs=bad, **PLAN)


class HelperTests(TestCase):
    def test_newest_observation_skips_missing_scores(self) -> None:
        t = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        obs = [(t, 5), (t + dt.timedelta(days=2), None), (t + dt.timedelta(days=1), 3)]
        self.assertEqual(newest_observation(obs), (t + dt.timedelta(days=1), 3))
        self.assertIsNone(newest_observation([(t, None)]))

    def test_plan_dates_follow_the_cadence(self) -> None:
        self.assertEqual(
            plan_dates(dt.date(2026, 3, 2), 7, 3),
            [dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 16)],
        )
