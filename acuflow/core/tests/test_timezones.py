"""A clinic-local date and time becomes one instant, or is refused on the nights a
clock change skips or repeats it (acuflow.core.timezones)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase
from django.utils import translation

from acuflow.core.errors import DomainError, domain_status
from acuflow.core.timezones import aware, is_ambiguous, is_nonexistent, local_datetime

# (zone, spring-forward day, a time in its gap, autumn day, a time in its overlap,
#  UTC offsets before/after) for the clinics' zones in 2026.
CHANGES = [
    ("Europe/Amsterdam", dt.date(2026, 3, 29), dt.time(2, 30), dt.date(2026, 10, 25), dt.time(2, 30), 1, 2),
    ("Europe/Oslo", dt.date(2026, 3, 29), dt.time(2, 0), dt.date(2026, 10, 25), dt.time(2, 0), 1, 2),
    ("Europe/Madrid", dt.date(2026, 3, 29), dt.time(2, 59), dt.date(2026, 10, 25), dt.time(2, 59), 1, 2),
    ("America/New_York", dt.date(2026, 3, 8), dt.time(2, 15), dt.date(2026, 11, 1), dt.time(1, 30), -5, -4),
]  # fmt: skip


class LocalDatetimeTests(SimpleTestCase):
    def test_a_time_in_the_spring_gap_is_refused_naming_the_time_and_zone(self) -> None:
        for zone, spring, gap, *_ in CHANGES:
            with self.subTest(zone=zone), translation.override("en"):
                self.assertTrue(is_nonexistent(spring, gap, ZoneInfo(zone)))
                with self.assertRaises(DomainError) as caught:
                    local_datetime(spring, gap, ZoneInfo(zone), field="start")
                error = caught.exception
                self.assertEqual(error.code, "nonexistent_local_time")
                self.assertEqual(domain_status(error.code), 422)
                self.assertIn(zone, error.message)
                self.assertIn(gap.strftime("%H:%M"), error.message)
                self.assertEqual(list(error.fields), ["start"])

    def test_a_time_in_the_autumn_overlap_is_refused(self) -> None:
        for zone, _s, _g, autumn, twice, *_ in CHANGES:
            with self.subTest(zone=zone):
                self.assertTrue(is_ambiguous(autumn, twice, ZoneInfo(zone)))
                self.assertFalse(is_nonexistent(autumn, twice, ZoneInfo(zone)))
                with self.assertRaises(DomainError) as caught:
                    local_datetime(autumn, twice, zone)
                self.assertEqual(caught.exception.code, "ambiguous_local_time")
                self.assertEqual(domain_status(caught.exception.code), 422)
                self.assertIn(zone, caught.exception.message)

    def test_times_around_the_changes_are_one_instant_with_the_right_offset(self) -> None:
        for zone, spring, gap, autumn, twice, winter, summer in CHANGES:
            tz = ZoneInfo(zone)
            before_gap = (dt.datetime.combine(spring, gap) - dt.timedelta(hours=1)).time()
            after_gap = (dt.datetime.combine(spring, gap) + dt.timedelta(hours=1)).time()
            before_overlap = (dt.datetime.combine(autumn, twice) - dt.timedelta(hours=1)).time()
            after_overlap = (dt.datetime.combine(autumn, twice) + dt.timedelta(hours=1)).time()
            for day, at, offset in (
                (spring, before_gap, winter),
                (spring, after_gap, summer),
                (autumn, before_overlap, summer),
                (autumn, after_overlap, winter),
                (spring - dt.timedelta(days=1), gap, winter),  # the day before: exists once
                (autumn + dt.timedelta(days=1), twice, winter),
            ):
                with self.subTest(zone=zone, day=day, at=at):
                    instant = local_datetime(day, at, tz)
                    self.assertEqual(instant.tzinfo, dt.UTC)
                    local = instant.astimezone(tz)
                    self.assertEqual((local.date(), local.time()), (day, at))
                    self.assertEqual(local.utcoffset(), dt.timedelta(hours=offset))
                    self.assertFalse(is_nonexistent(day, at, tz) or is_ambiguous(day, at, tz))

    def test_computed_bounds_are_lenient_gap_forward_overlap_first(self) -> None:
        tz = ZoneInfo("Europe/Amsterdam")
        moved = local_datetime(dt.date(2026, 3, 29), dt.time(2, 30), tz, strict=False)
        self.assertEqual(moved.astimezone(tz).time(), dt.time(3, 30))
        first = local_datetime(dt.date(2026, 10, 25), dt.time(2, 30), tz, strict=False)
        self.assertEqual(first.astimezone(tz).utcoffset(), dt.timedelta(hours=2))

    def test_aware_keeps_an_offset_and_checks_a_wall_clock(self) -> None:
        tz = ZoneInfo("Europe/Oslo")
        given = dt.datetime(2026, 3, 29, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
        self.assertEqual(aware(given, tz), given)  # an instant: nothing to guess
        with self.assertRaises(DomainError):
            aware(dt.datetime(2026, 3, 29, 2, 30), tz)
        self.assertEqual(
            aware(dt.datetime(2026, 3, 30, 9, 0), tz),
            dt.datetime(2026, 3, 30, 7, 0, tzinfo=dt.UTC),
        )
