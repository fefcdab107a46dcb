"""Wilson intervals against published values, the verdict rules, and the Kaplan-Meier
median from counts against lifelines on one row per course."""

from __future__ import annotations

from django.test import SimpleTestCase
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from acuflow.analytics import stats


class WilsonTests(SimpleTestCase):
    def test_it_matches_newcombe_1998(self) -> None:
        # Newcombe RG, Stat Med 1998;17:857-72, table II, method 3 (Wilson score).
        for count, n, low, high in (
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ):
            with self.subTest(f"{count}/{n}"):
                p = stats.wilson(count, n)
                self.assertAlmostEqual(p.low, low, places=4)  # type: ignore[arg-type]
                self.assertAlmostEqual(p.high, high, places=4)  # type: ignore[arg-type]

    def test_it_gives_60_of_100(self) -> None:
        p = stats.wilson(60, 100)
        self.assertEqual((round(p.low, 3), round(p.high, 3)), (0.502, 0.691))  # type: ignore[arg-type]

    def test_it_has_no_rate_without_a_denominator(self) -> None:
        self.assertEqual(stats.wilson(0, 0).as_dict()["rate"], None)

    def test_it_refuses_a_count_above_n(self) -> None:
        with self.assertRaises(ValueError):
            stats.wilson(5, 4)


class VerdictTests(SimpleTestCase):
    def test_it_needs_twenty(self) -> None:
        self.assertEqual(stats.verdict(19, 0.9, 1.0, above=0.5), "too_few")
        self.assertEqual(stats.verdict(20, 0.51, 0.9, above=0.5), "holds")

    def test_it_holds_only_above_the_bound(self) -> None:
        p59, p60 = stats.wilson(59, 100), stats.wilson(60, 100)
        self.assertEqual(stats.verdict(100, p59.low, p59.high, above=0.5), "fails")
        self.assertEqual(stats.verdict(100, p60.low, p60.high, above=0.5), "holds")

    def test_it_judges_an_upper_bound(self) -> None:
        self.assertEqual(stats.verdict(25, 0.09, 0.39, below=0.5), "holds")
        self.assertEqual(stats.verdict(25, 0.3, 0.6, below=0.5), "fails")


class KaplanMeierTests(SimpleTestCase):
    ROWS = [
        (2, True, 3),
        (3, True, 10),
        (3, False, 2),
        (4, True, 4),
        (5, False, 6),
        (6, True, 2),
        (6, False, 9),
        (8, True, 1),
        (8, False, 3),
    ]

    def test_its_median_and_interval_equal_lifelines_on_one_row_per_course(self) -> None:
        durations = [t for t, _e, n in self.ROWS for _ in range(n)]
        events = [e for _t, e, n in self.ROWS for _ in range(n)]
        kmf = KaplanMeierFitter().fit(durations, events)
        expected = median_survival_times(kmf.confidence_interval_)
        got = stats.kaplan_meier(self.ROWS)
        self.assertEqual(got.median, kmf.median_survival_time_)
        self.assertEqual(got.median_low, float(expected.iloc[0, 0]))
        high = float(expected.iloc[0, 1])
        self.assertEqual(got.median_high, None if high == float("inf") else high)
        self.assertEqual(got.median, 6)  # S: .925, .675, .567, then .491 at session 6

    def test_its_curve_is_the_share_responded(self) -> None:
        curve = {p["time"]: p for p in stats.kaplan_meier(self.ROWS).curve}
        self.assertAlmostEqual(curve[2]["responded"], 3 / 40, places=4)
        self.assertLessEqual(curve[2]["low"], curve[2]["responded"])

    def test_it_has_no_median_below_half(self) -> None:
        got = stats.kaplan_meier([(3, True, 1), (6, False, 9)])
        self.assertIsNone(got.median)

    def test_it_handles_no_courses(self) -> None:
        self.assertEqual(stats.kaplan_meier([]).curve, [])
