"""The chart's plotted marks stand exactly for the data: values, and positions on the axes."""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET

from django.test import SimpleTestCase
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from acuflow.core.testing import AcuflowTestCase
from acuflow.outcomes import charts, services
from acuflow.outcomes.tests.factories import make_course, make_session

SVG = "{http://www.w3.org/2000/svg}"


def marks(svg: str, series: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [
        el
        for el in root.iter()
        if el.get("data-series") == series
        and el.get("class") in {"point", "level-line", "marker-line"}
    ]


class CourseChartTests(AcuflowTestCase):
    def setUp(self) -> None:
        self.course = make_course(self.actor(self.owner), self.patient, baseline_nrs=8)
        self.sessions = [
            make_session(self.course, days_ago=21, before=8, after=6),
            make_session(self.course, days_ago=14, before=7, after=5),
            make_session(self.course, days_ago=7, before=5, after=None),
        ]
        actor = self.actor(self.owner)
        services.response_record(
            actor=actor,
            patient=self.patient,
            instrument="odi",
            course=self.course,
            answers={f"s{i}": 3 for i in range(1, 11)},
            recorded_at=timezone.now() - dt.timedelta(days=22),
        )
        services.response_record(
            actor=actor,
            patient=self.patient,
            instrument="odi",
            course=self.course,
            answers={f"s{i}": 2 for i in range(1, 11)},
            session=self.sessions[2],
        )
        services.response_record(
            actor=actor,
            patient=self.patient,
            instrument="nrs",
            course=self.course,
            answers={"usual": 4},
            recorded_at=timezone.now() - dt.timedelta(days=3),
        )
        self.svg = charts.course_chart_svg(self.course, language="en")

    def test_nrs_before_and_after_marks_match_the_sessions(self) -> None:
        before = [
            (int(m.get("data-session")), int(m.get("data-value")))
            for m in marks(self.svg, "nrs_before")
        ]
        after = [
            (int(m.get("data-session")), int(m.get("data-value")))
            for m in marks(self.svg, "nrs_after")
        ]
        self.assertEqual(before, [(1, 8), (2, 7), (3, 5)])
        self.assertEqual(after, [(1, 6), (2, 5)])  # no after-score in session 3: no mark

    def test_marks_sit_where_their_values_put_them(self) -> None:
        top, bottom = charts.TOP, charts.BOTTOM
        for series in ("nrs_before", "nrs_after", "nrs"):
            for mark in marks(self.svg, series):
                expected = bottom - float(mark.get("data-value")) / 10 * (bottom - top)
                self.assertAlmostEqual(float(mark.get("data-cy")), expected, delta=0.06)
        xs = [float(m.get("data-cx")) for m in marks(self.svg, "nrs_before")]
        self.assertEqual(xs, sorted(xs))
        self.assertAlmostEqual(xs[1] - xs[0], xs[2] - xs[1], delta=0.11)
        for mark in marks(self.svg, "odi"):
            pct = float(mark.get("data-value"))  # ODI is already 0..100
            self.assertAlmostEqual(
                float(mark.get("data-cy")), bottom - pct / 100 * (bottom - top), delta=0.06
            )

    def test_questionnaire_marks_are_placed_on_the_session_axis(self) -> None:
        odi = [(m.get("data-value"), m.get("data-x")) for m in marks(self.svg, "odi")]
        # before session 1 -> 0.5; linked to session 3 -> 3
        self.assertEqual(odi, [("60", "0.5"), ("40", "3")])
        nrs = [(m.get("data-value"), m.get("data-x")) for m in marks(self.svg, "nrs")]
        self.assertEqual(nrs, [("4", "3.5")])

    def test_baseline_responder_lines_and_protocol_sessions_are_drawn(self) -> None:
        self.assertEqual([m.get("data-value") for m in marks(self.svg, "baseline")], ["8"])
        self.assertEqual([m.get("data-value") for m in marks(self.svg, "responder_30")], ["5.6"])
        self.assertEqual([m.get("data-value") for m in marks(self.svg, "responder_50")], ["4"])
        self.assertEqual([m.get("data-session") for m in marks(self.svg, "onset")], ["3"])
        self.assertEqual([m.get("data-session") for m in marks(self.svg, "review")], ["6"])
        line = marks(self.svg, "responder_30")[0]
        self.assertAlmostEqual(
            float(line.get("y1")),
            charts.BOTTOM - 5.6 / 10 * (charts.BOTTOM - charts.TOP),
            delta=0.06,
        )

    def test_labels_follow_the_language(self) -> None:
        self.assertIn("Baseline", self.svg)
        dutch = charts.course_chart_svg(self.course, language="nl")
        self.assertNotIn(">Baseline ", dutch)
        self.assertIn("Uitgangswaarde", dutch)

    def test_a_course_without_data_still_draws_axes_and_says_so(self) -> None:
        empty = make_course(self.actor(self.owner), self.patient)
        svg = charts.course_chart_svg(empty, language="en")
        self.assertEqual(marks(svg, "nrs_before"), [])
        self.assertIn("No scores yet.", svg)
        ET.fromstring(svg)  # well-formed


class SessionMarksTests(AcuflowTestCase):
    def test_the_per_session_format_writes_what_the_general_marker_writes(self) -> None:
        # Session marks are written by a faster format string: it must be the same text
        # as _marker's, for both shapes, and fall back to _marker for any other value.
        marks = [(100.04, 250.06, {"number": 3, "nrs_before": 7, "nrs_after": 2})]
        for shape, field in (("circle", "nrs_before"), ("square", "nrs_after")):
            with self.subTest(shape=shape):
                attrs = [
                    ("data-series", field),
                    ("data-session", 3),
                    ("data-value", marks[0][2][field]),
                ]
                self.assertEqual(
                    charts._session_marks(shape, "#0a5c55", field, marks),
                    [charts._marker(shape, 100.04, 250.06, "#0a5c55", attrs)],
                )
        odd = [(1.0, 2.0, {"number": 1, "nrs_before": '5"'})]
        self.assertIn(
            'data-value="5&quot;"', charts._session_marks("circle", "#000", "nrs_before", odd)[0]
        )


class SessionAxisTests(SimpleTestCase):
    """A thousand session numbers side by side overlap into a black bar: the axis numbers
    every 1, 2, 5, 10, 20, 50 ... sessions, at most MAX_SESSION_LABELS of them."""

    def test_the_step_for_known_course_lengths(self) -> None:
        for sessions, step in [
            (1, 1),
            (10, 1),
            (20, 1),
            (21, 2),
            (40, 2),
            (41, 5),
            (100, 5),
            (101, 10),
            (200, 10),
            (1000, 50),
            (1001, 100),
            (100000, 5000),
        ]:
            with self.subTest(sessions=sessions):
                self.assertEqual(charts.session_step(sessions), step)

    @given(st.integers(min_value=1, max_value=1_000_000))
    def test_the_step_is_the_smallest_that_fits(self, sessions: int) -> None:
        nice = [m * f for m in (1, 10, 100, 1_000, 10_000, 100_000) for f in (1, 2, 5)]
        step = charts.session_step(sessions)
        self.assertLessEqual(math.ceil(sessions / step), charts.MAX_SESSION_LABELS)
        smaller = [n for n in nice if n < step]
        self.assertTrue(all(math.ceil(sessions / n) > charts.MAX_SESSION_LABELS for n in smaller))

    def test_a_thousand_session_axis_carries_twenty_one_numbers_that_do_not_touch(self) -> None:
        with translation.override("en"):
            ticks = charts._ticks(charts._Scale(1000), 1000)
        svg = f'<svg xmlns="http://www.w3.org/2000/svg">{ticks}</svg>'
        texts = [el for el in ET.fromstring(svg).iter(f"{SVG}text")]
        self.assertEqual([t.text for t in texts][:3], ["B", "50", "100"])
        self.assertEqual(len(texts), 21)
        xs = [float(t.get("x", "0")) for t in texts]
        # four digits at the chart's 12 px font are about 28 px wide
        self.assertGreater(min(b - a for a, b in zip(xs, xs[1:], strict=False)), 28)


class ExpectationLabelTests(SimpleTestCase):
    """The onset and review labels stay inside the plot: centred on their line, but
    starting at it near the left axis and ending at it near the right one (a
    1,000-session course puts the onset at session 3, a few pixels from the axis)."""

    @staticmethod
    def outcomes(sessions: int, onset: int, review: int) -> dict[str, object]:
        at = timezone.now()
        rows = [
            {"number": n, "id": n, "started_at": at, "nrs_before": 5, "nrs_after": 4}
            for n in range(1, sessions + 1)
        ]
        return {
            "sessions": rows,
            "instruments": [],
            "expected_sessions": sessions,
            "onset_session": onset,
            "review_session": review,
            "baseline_nrs": 6,
            "responder_lines": {"30": 4.2, "50": 3.0},
        }

    def test_anchor_by_where_the_line_stands(self) -> None:
        for sessions, onset, review, anchors in [
            (10, 3, 6, ("middle", "middle")),
            (1000, 3, 6, ("start", "start")),
            (10, 1, 10, ("start", "end")),
            (60, 30, 60, ("middle", "end")),
        ]:
            with self.subTest(sessions=sessions, onset=onset, review=review):
                with translation.override("en"):
                    lines = charts.chart_context(self.outcomes(sessions, onset, review))[
                        "expectations"
                    ]
                self.assertEqual(tuple(line["anchor"] for line in lines), anchors)
                svg = charts.chart_svg(self.outcomes(sessions, onset, review))
                for line in lines:
                    self.assertIn(f'text-anchor="{line["anchor"]}" fill="{line["color"]}"', svg)
