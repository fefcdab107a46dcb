"""The calendar's pixel arithmetic, no database: positions, overlaps, the day's edges,
daylight-saving days, and numbers that CSS can read in every language."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import SimpleTestCase
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from acuflow.scheduling.calendar_layout import (
    MIN_MINUTES,
    PX_PER_MINUTE,
    Box,
    Grid,
    visible_hours,
    wall_span,
)

AMS = ZoneInfo("Europe/Amsterdam")
MONDAY = dt.date(2026, 11, 16)
# 2026: summer time starts Sunday 29 March (02:00 -> 03:00), ends Sunday 25 October
# (03:00 -> 02:00).
SPRING = dt.date(2026, 3, 29)
AUTUMN = dt.date(2026, 10, 25)
CSS_NUMBER = r"-?\d+(\.\d+)?"


def at(day: dt.date, hour: int, minute: int = 0, *, fold: int = 0) -> dt.datetime:
    """A local wall-clock time, as the database gives it: in UTC."""
    local = dt.datetime.combine(day, dt.time(hour, minute, fold=fold), tzinfo=AMS)
    return local.astimezone(dt.UTC)


def span(day: dt.date, start: tuple[int, int], minutes: int) -> tuple[dt.datetime, dt.datetime]:
    begin = at(day, *start)
    return begin, begin + dt.timedelta(minutes=minutes)


def px(minutes: float) -> str:
    return f"{minutes * PX_PER_MINUTE:.1f}"


class GridTests(SimpleTestCase):
    def test_an_empty_week_shows_office_hours(self) -> None:
        grid = Grid.around([], zone=AMS)
        self.assertEqual((grid.first_hour, grid.end_hour), (8, 18))
        self.assertEqual(grid.height_style, f"height:{px(600)}px")
        marks = grid.hour_marks()
        self.assertEqual(marks[0], {"label": "08:00", "style": "top:0.0px"})
        self.assertEqual(marks[-1], {"label": "17:00", "style": f"top:{px(9 * 60)}px"})

    def test_the_grid_grows_to_show_early_and_late_appointments(self) -> None:
        spans = [span(MONDAY, (7, 15), 30), span(MONDAY + dt.timedelta(days=2), (19, 30), 45)]
        self.assertEqual(visible_hours(spans, zone=AMS), (7, 21))

    def test_an_appointment_ending_on_the_hour_needs_no_extra_hour(self) -> None:
        self.assertEqual(visible_hours([span(MONDAY, (18, 0), 60)], zone=AMS), (8, 19))

    def test_an_appointment_is_placed_at_its_local_time_from_the_grids_top(self) -> None:
        grid = Grid(8, 18, AMS)
        box = grid.place(*span(MONDAY, (10, 15), 45), day=MONDAY)
        self.assertEqual(box, Box(px(135), px(45)))
        self.assertEqual(box.style, f"top:{px(135)}px;height:{px(45)}px")

    def test_a_short_appointment_keeps_room_for_its_text(self) -> None:
        box = Grid(8, 18, AMS).place(*span(MONDAY, (9, 0), 5), day=MONDAY)
        self.assertEqual(box.height, px(MIN_MINUTES))

    def test_the_data_attributes_give_javascript_the_grids_scale(self) -> None:
        self.assertEqual(
            Grid(7, 18, AMS).data_attributes, {"top_minutes": "420", "px_per_minute": "1.2"}
        )


class DayEdgeTests(SimpleTestCase):
    def test_an_appointment_across_midnight_ends_at_the_bottom_of_its_day(self) -> None:
        spans = [span(MONDAY, (23, 30), 60)]
        grid = Grid.around(spans, zone=AMS)
        self.assertEqual(grid.end_hour, 24)
        box = grid.place(*spans[0], day=MONDAY)
        self.assertEqual(box.top, px(23 * 60 + 30 - grid.top_minutes))
        self.assertEqual(box.height, px(30))

    def test_an_appointment_at_midnight_starts_the_grid_at_midnight(self) -> None:
        spans = [span(MONDAY, (0, 0), 30)]
        grid = Grid.around(spans, zone=AMS)
        self.assertEqual(grid.first_hour, 0)
        self.assertEqual(grid.place(*spans[0], day=MONDAY), Box("0.0", px(30)))

    def test_a_block_never_leaves_a_grid_that_is_too_small_for_it(self) -> None:
        grid = Grid(8, 18, AMS)
        early = grid.place(*span(MONDAY, (6, 0), 180), day=MONDAY)
        late = grid.place(*span(MONDAY, (17, 30), 120), day=MONDAY)
        self.assertEqual(early, Box("0.0", px(60)))
        self.assertEqual(late, Box(px(570), px(30)))

    def test_a_day_in_utc_after_midnight_is_the_next_local_day(self) -> None:
        # 23:30 UTC on Monday is 00:30 on Tuesday in Amsterdam.
        start = dt.datetime.combine(MONDAY, dt.time(23, 30), tzinfo=dt.UTC)
        box = Grid(0, 24, AMS).place(start, start + dt.timedelta(hours=1), day=MONDAY)
        self.assertEqual(box.top, px(24 * 60))  # not on Monday's column: below its end


class DaylightSavingTests(SimpleTestCase):
    def test_on_the_spring_day_blocks_follow_the_wall_clock_and_the_hour_marks(self) -> None:
        # 01:30 to 03:30 on the wall is one real hour: the block still ends at the 03:30
        # line, and the next appointment at 03:30 starts right below it.
        first = (at(SPRING, 1, 30), at(SPRING, 3, 30))
        second = span(SPRING, (3, 30), 30)
        self.assertEqual(first[1] - first[0], dt.timedelta(hours=1))
        grid = Grid.around([first, second], zone=AMS)
        self.assertEqual(grid.first_hour, 1)
        boxes = grid.place_all([first, second], day=SPRING)
        self.assertEqual(boxes[0], Box(px(30), px(120)))
        self.assertEqual(boxes[1], Box(px(150), px(30)))

    def test_a_morning_on_the_spring_day_is_where_it_is_on_any_other_day(self) -> None:
        grid = Grid(8, 18, AMS)
        self.assertEqual(
            grid.place(*span(SPRING, (10, 0), 30), day=SPRING),
            grid.place(*span(MONDAY, (10, 0), 30), day=MONDAY),
        )

    def test_on_the_autumn_day_a_block_in_the_repeated_hour_keeps_its_length(self) -> None:
        # 02:40 summer time to 02:10 winter time: 30 real minutes, whose end reads earlier
        # on the wall than its start.
        start, end = at(AUTUMN, 2, 40), at(AUTUMN, 2, 10, fold=1)
        self.assertEqual(end - start, dt.timedelta(minutes=30))
        self.assertEqual(wall_span(start, end, day=AUTUMN, zone=AMS), (160, 190))
        box = Grid(0, 24, AMS).place(start, end, day=AUTUMN)
        self.assertEqual(box, Box(px(160), px(30)))

    def test_on_the_autumn_day_a_block_through_the_repeated_hour_ends_on_the_wall(self) -> None:
        # 01:30 to 02:30 winter time is two real hours; the wall clock reads one.
        start, end = at(AUTUMN, 1, 30), at(AUTUMN, 2, 30, fold=1)
        self.assertEqual(end - start, dt.timedelta(hours=2))
        self.assertEqual(wall_span(start, end, day=AUTUMN, zone=AMS), (90, 150))


class OverlapTests(SimpleTestCase):
    def test_one_appointment_takes_the_whole_width(self) -> None:
        (box,) = Grid(8, 18, AMS).place_all([span(MONDAY, (9, 0), 30)], day=MONDAY)
        self.assertEqual((box.lane, box.lanes), (0, 1))
        self.assertNotIn("left", box.style)

    def test_overlapping_appointments_share_the_width_side_by_side(self) -> None:
        spans = [
            span(MONDAY, (9, 0), 60),
            span(MONDAY, (9, 30), 60),
            span(MONDAY, (10, 0), 30),  # after the first: takes its lane again
            span(MONDAY, (12, 0), 30),  # on its own
        ]
        boxes = Grid(8, 18, AMS).place_all(spans, day=MONDAY)
        self.assertEqual([(b.lane, b.lanes) for b in boxes], [(0, 2), (1, 2), (0, 2), (0, 1)])
        self.assertIn("left:calc(0% + 1px);width:calc(50% - 2px)", boxes[0].style)
        self.assertIn("left:calc(50% + 1px);width:calc(50% - 2px)", boxes[1].style)

    def test_three_at_once_make_three_lanes_in_any_input_order(self) -> None:
        spans = [span(MONDAY, (9, 15), 30), span(MONDAY, (9, 0), 90), span(MONDAY, (9, 0), 30)]
        boxes = Grid(8, 18, AMS).place_all(spans, day=MONDAY)
        self.assertEqual(sorted(b.lane for b in boxes), [0, 1, 2])
        self.assertEqual({b.lanes for b in boxes}, {3})
        self.assertIn("width:calc(33.3333% - 2px)", boxes[0].style)

    def test_back_to_back_appointments_do_not_count_as_overlapping(self) -> None:
        spans = [span(MONDAY, (9, 0), 30), span(MONDAY, (9, 30), 30)]
        boxes = Grid(8, 18, AMS).place_all(spans, day=MONDAY)
        self.assertEqual([(b.lane, b.lanes) for b in boxes], [(0, 1), (0, 1)])

    @settings(max_examples=200, deadline=None)
    @given(
        st.lists(
            st.tuples(st.integers(0, 24 * 60 - 1), st.integers(1, 240)), min_size=1, max_size=12
        )
    )
    def test_blocks_in_one_lane_never_cover_each_other(self, raw: list[tuple[int, int]]) -> None:
        spans = [
            (at(MONDAY, 0) + dt.timedelta(minutes=s), at(MONDAY, 0) + dt.timedelta(minutes=s + n))
            for s, n in raw
        ]
        grid = Grid.around(spans, zone=AMS)
        boxes = grid.place_all(spans, day=MONDAY)
        self.assertEqual(len(boxes), len(spans))
        for i, a in enumerate(boxes):
            self.assertLess(a.lane, a.lanes)
            for b in boxes[i + 1 :]:
                if a.lane == b.lane:
                    a_top, b_top = float(a.top), float(b.top)
                    a_end, b_end = a_top + float(a.height), b_top + float(b.height)
                    self.assertTrue(a_end <= b_top + 1e-6 or b_end <= a_top + 1e-6)


class UnlocalisedNumberTests(SimpleTestCase):
    """CSS and data attributes read a dot; Dutch, Norwegian and Spanish write a comma."""

    def styles(self) -> list[str]:
        grid = Grid.around([span(MONDAY, (7, 45), 25)], zone=AMS)
        boxes = grid.place_all(
            [span(MONDAY, (9, 10), 35), span(MONDAY, (9, 20), 25), span(MONDAY, (9, 25), 5)],
            day=MONDAY,
        )
        return [
            grid.height_style,
            *(m["style"] for m in grid.hour_marks()),
            *(b.style for b in boxes),
            *grid.data_attributes.values(),
        ]

    def test_no_style_has_a_decimal_comma_in_dutch(self) -> None:
        with translation.override("nl"):
            # The premise: Django itself writes a comma in Dutch.
            self.assertEqual(Template("{{ x }}").render(Context({"x": 1.2})), "1,2")
            styles = self.styles()
        self.assertTrue(any("." in s for s in styles))
        for style in styles:
            self.assertNotIn(",", style)

    def test_every_number_in_a_style_reads_as_a_css_number(self) -> None:
        for language in ("nl", "nb", "es", "en"):
            with translation.override(language):
                styles = self.styles()
            for style in styles:
                for declaration in filter(None, style.split(";")):
                    with self.subTest(language=language, declaration=declaration):
                        value = declaration.split(":", 1)[-1]
                        self.assertRegex(
                            value,
                            rf"^({CSS_NUMBER}(px)?|calc\({CSS_NUMBER}% [+-] {CSS_NUMBER}px\)|auto)$",
                        )

    def test_the_grid_template_prints_no_localised_number(self) -> None:
        # A number that reaches the template as a number is still written with a dot.
        context = {
            "view": "day",
            "day": MONDAY,
            "prev": MONDAY,
            "next": MONDAY,
            "today": MONDAY,
            "columns": [],
            "top_minutes": 1020,
            "px_per_minute": 1.2,
            "step": 15,
        }
        with translation.override("nl"), self.settings(USE_THOUSAND_SEPARATOR=True):
            html = render_to_string("scheduling/_grid.html", context)
        self.assertIn('data-top-minutes="1020"', html)
        self.assertIn('data-px-per-minute="1.2"', html)
