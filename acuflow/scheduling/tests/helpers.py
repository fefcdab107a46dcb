"""Shared set-up for scheduling tests: weekday hours 09:00-17:00 in the NL clinic."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from acuflow.accounts.models import Practitioner
from acuflow.scheduling.models import WorkingHours

AMS = ZoneInfo("Europe/Amsterdam")


def weekday_hours(*practitioners: Practitioner, start: int = 9, end: int = 17) -> None:
    for practitioner in practitioners:
        location = practitioner.clinic.locations.first()
        for day in range(5):
            WorkingHours.objects.create(
                practitioner=practitioner,
                location=location,
                weekday=day,
                start=dt.time(start),
                end=dt.time(end),
            )


def next_weekday(weekday: int = 0, *, weeks: int = 1) -> dt.date:
    """A date of that weekday at least `weeks` weeks from today."""
    today = dt.date.today() + dt.timedelta(days=7 * weeks)
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=AMS)
