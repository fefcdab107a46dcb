"""Pure rules, no database: daylight saving, slots, cadence, late cancellation."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from acuflow.scheduling import rules

AMS = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC
WEEKDAYS_9_TO_17 = [
    rules.WeeklyWindow(weekday=d, start=dt.time(9), end=dt.time(17)) for d in range(7)
]


def windows(first: dt.date, last: dt.date) -> list[rules.Window]:
    return rules.working_windows(
        first=first, last=last, weekly=WEEKDAYS_9_TO_17, exceptions=[], holidays=[], zone=AMS
    )


class DaylightSavingTests(SimpleTestCase):
    # 2026: summer time starts Sunday 29 March, ends Sunday 25 October (last Sundays).
    def test_working_hours_stay_on_the_wall_clock_through_the_march_change(self) -> None:
        week = windows(dt.date(2026, 3, 26), dt.date(2026, 4, 1))
        starts_utc = [w.start.astimezone(UTC).hour for w in week]
        self.assertEqual(starts_utc, [8, 8, 8, 7, 7, 7, 7])  # 09:00 CET, then 09:00 CEST
        self.assertTrue(all(w.start.astimezone(AMS).hour == 9 for w in week))
        self.assertTrue(all(w.end - w.start == dt.timedelta(hours=8) for w in week))

    def test_working_hours_stay_on_the_wall_clock_through_the_october_change(self) -> None:
        week = windows(dt.date(2026, 10, 22), dt.date(2026, 10, 28))
        self.assertEqual([w.start.astimezone(UTC).hour for w in week], [7, 7, 7, 8, 8, 8, 8])

    def test_a_night_window_over_the_spring_gap_is_one_hour_shorter(self) -> None:
        night = [rules.WeeklyWindow(weekday=6, start=dt.time(0), end=dt.time(6))]
        (w,) = rules.working_windows(
            first=dt.date(2026, 3, 29),
            last=dt.date(2026, 3, 29),
            weekly=night,
            exceptions=[],
            holidays=[],
            zone=AMS,
        )
        self.assertEqual(w.end - w.start, dt.timedelta(hours=5))

    def test_a_wall_time_in_the_gap_moves_forward(self) -> None:
        instant = rules.local_instant(dt.date(2026, 3, 29), dt.time(2, 30), AMS).astimezone(AMS)
        self.assertEqual(
            (instant.hour, instant.minute, instant.utcoffset()), (3, 30, dt.timedelta(hours=2))
        )

    def test_slots_on_the_change_days_start_at_local_quarter_hours(self) -> None:
        for day in (dt.date(2026, 3, 29), dt.date(2026, 10, 25)):
            slots = rules.free_slots(
                windows=windows(day, day),
                busy=[],
                duration=dt.timedelta(minutes=30),
                buffer=dt.timedelta(0),
                step=dt.timedelta(minutes=15),
                not_before=dt.datetime(2000, 1, 1, tzinfo=UTC),
                zone=AMS,
            )
            local = [s.start.astimezone(AMS) for s in slots]
            self.assertEqual(local[0].time(), dt.time(9))
            self.assertEqual(local[-1].time(), dt.time(16, 30))
            self.assertTrue(all(t.minute % 15 == 0 for t in local))


class SlotTests(SimpleTestCase):
    day = dt.date(2030, 1, 7)

    def test_holidays_and_whole_day_off_have_no_windows(self) -> None:
        off = rules.DayException(date=self.day, kind="off")
        self.assertEqual(
            rules.working_windows(
                first=self.day,
                last=self.day,
                weekly=WEEKDAYS_9_TO_17,
                exceptions=[off],
                holidays=[],
                zone=AMS,
            ),
            [],
        )
        self.assertEqual(
            rules.working_windows(
                first=self.day,
                last=self.day,
                weekly=WEEKDAYS_9_TO_17,
                exceptions=[],
                holidays=[self.day],
                zone=AMS,
            ),
            [],
        )

    def test_partial_time_off_splits_the_day_and_extra_hours_add_to_it(self) -> None:
        lunch = rules.DayException(date=self.day, kind="off", start=dt.time(12), end=dt.time(13))
        evening = rules.DayException(
            date=self.day, kind="extra", start=dt.time(18), end=dt.time(20), location_id=1
        )
        found = rules.working_windows(
            first=self.day,
            last=self.day,
            weekly=WEEKDAYS_9_TO_17,
            exceptions=[lunch, evening],
            holidays=[],
            zone=AMS,
        )
        self.assertEqual(
            [(w.start.astimezone(AMS).hour, w.end.astimezone(AMS).hour) for w in found],
            [(9, 12), (13, 17), (18, 20)],
        )

    def test_late_cancel_is_inside_the_notice_period_or_after_the_start(self) -> None:
        start = dt.datetime(2030, 1, 7, 10, tzinfo=AMS)
        self.assertFalse(
            rules.is_late_cancel(start=start, now=start - dt.timedelta(hours=25), hours=24)
        )
        self.assertTrue(
            rules.is_late_cancel(start=start, now=start - dt.timedelta(hours=23), hours=24)
        )
        self.assertTrue(
            rules.is_late_cancel(start=start, now=start + dt.timedelta(minutes=5), hours=24)
        )

    def test_nearest_prefers_the_closest_then_the_earlier(self) -> None:
        target = dt.datetime(2030, 1, 7, 10, tzinfo=AMS)
        a = rules.Window(target - dt.timedelta(hours=1), target)
        b = rules.Window(target + dt.timedelta(hours=1), target + dt.timedelta(hours=2))
        c = rules.Window(target + dt.timedelta(days=1), target + dt.timedelta(days=1, hours=1))
        self.assertEqual(rules.nearest(target, [c, b, a]), a)
        self.assertIsNone(rules.nearest(target, []))

    @settings(max_examples=150, deadline=None)
    @given(
        busy=st.lists(st.tuples(st.integers(0, 24 * 60 - 1), st.integers(5, 180)), max_size=8),
        duration=st.sampled_from([15, 30, 45, 60, 90]),
        buffer=st.sampled_from([0, 5, 10, 15]),
    )
    def test_free_slots_fit_the_window_and_never_touch_busy_time(
        self, busy, duration, buffer
    ) -> None:  # type: ignore[no-untyped-def]
        base = rules.local_instant(self.day, dt.time(0), AMS)
        intervals = [
            (base + dt.timedelta(minutes=s), base + dt.timedelta(minutes=s + n)) for s, n in busy
        ]
        win = windows(self.day, self.day)
        slots = rules.free_slots(
            windows=win,
            busy=intervals,
            duration=dt.timedelta(minutes=duration),
            buffer=dt.timedelta(minutes=buffer),
            step=dt.timedelta(minutes=15),
            not_before=base,
            zone=AMS,
        )
        for slot in slots:
            self.assertEqual(slot.end - slot.start, dt.timedelta(minutes=duration))
            self.assertIsNotNone(rules.fits_working_hours(slot.start, slot.end, win))
            for b_start, b_end in intervals:
                self.assertFalse(
                    rules.overlaps(
                        slot.start, slot.end + dt.timedelta(minutes=buffer), b_start, b_end
                    )
                )
        # and every grid start that is free is offered
        offered = {s.start for s in slots}
        start = win[0].start
        while start + dt.timedelta(minutes=duration) <= win[0].end:
            clear = not any(
                rules.overlaps(start, start + dt.timedelta(minutes=duration + buffer), s, e)
                for s, e in intervals
            )
            self.assertEqual(start in offered, clear)
            start += dt.timedelta(minutes=15)


class DayFlowTests(SimpleTestCase):
    ZONE = ZoneInfo("Europe/Amsterdam")
    START = dt.datetime(2026, 11, 27, 10, 0, tzinfo=ZONE)

    def problem(self, current: str, wanted: str, *, now: dt.datetime | None = None, **kw):  # type: ignore[no-untyped-def]
        return rules.day_flow_problem(
            current=current,
            wanted=wanted,
            start=self.START,
            now=now or self.START,
            zone=self.ZONE,
            needs_session=kw.get("needs_session", True),
            charted=kw.get("charted", False),
        )

    def test_the_steps_of_the_day(self) -> None:
        self.assertIsNone(self.problem("booked", "arrived"))
        self.assertIsNone(self.problem("arrived", "in_treatment"))
        self.assertIsNone(self.problem("in_treatment", "done", charted=True))
        self.assertIsNone(self.problem("in_treatment", "done", needs_session=False))
        self.assertEqual(self.problem("in_treatment", "done"), "session_required")
        self.assertEqual(self.problem("no_show", "done"), "invalid_transition")
        self.assertEqual(self.problem("done", "no_show"), "invalid_transition")

    def test_arrival_on_the_day_and_no_show_after_the_start(self) -> None:
        early_morning = dt.datetime(2026, 11, 27, 7, 0, tzinfo=self.ZONE)
        self.assertIsNone(self.problem("booked", "arrived", now=early_morning))
        self.assertEqual(self.problem("booked", "no_show", now=early_morning), "not_started")
        day_before = dt.datetime(2026, 11, 26, 23, 0, tzinfo=self.ZONE)
        self.assertEqual(self.problem("booked", "arrived", now=day_before), "not_today")

    def test_public_holidays_by_country_and_region_in_the_language(self) -> None:
        nl = rules.public_holidays(
            "NL", "", dt.date(2026, 12, 1), dt.date(2026, 12, 31), language="nl"
        )
        self.assertEqual(sorted(nl), [dt.date(2026, 12, 25), dt.date(2026, 12, 26)])
        self.assertEqual(nl[dt.date(2026, 12, 25)], "Eerste kerstdag")
        madrid = rules.public_holidays("ES", "MD", dt.date(2026, 5, 1), dt.date(2026, 5, 3))
        self.assertIn(dt.date(2026, 5, 2), madrid)  # Community of Madrid day
        national = rules.public_holidays("ES", "", dt.date(2026, 5, 1), dt.date(2026, 5, 3))
        self.assertNotIn(dt.date(2026, 5, 2), national)
        self.assertEqual(
            rules.public_holidays("XX", "", dt.date(2026, 1, 1), dt.date(2026, 1, 2)), {}
        )
        self.assertIn(
            dt.date(2026, 12, 25),
            rules.public_holidays(
                "NO", "no-such-region", dt.date(2026, 12, 1), dt.date(2026, 12, 31)
            ),
        )
