"""Pure scheduling rules over plain values (no database).

Working hours are wall-clock times in the clinic's zone; everything else is aware
instants. Turning a wall time into an instant happens only in
`acuflow.core.timezones.local_datetime` (here through `local_instant`), so a
09:00 start stays 09:00 on both sides of a daylight-saving change, and a window that
spans the change (a night shift) is as long as the clock on the wall says it is not:
it is measured in real minutes.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays

from acuflow.core.timezones import local_datetime

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class WeeklyWindow:
    weekday: int  # 0 = Monday
    start: dt.time
    end: dt.time
    location_id: int | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    def applies_on(self, day: dt.date) -> bool:
        return (
            day.weekday() == self.weekday
            and (self.valid_from is None or day >= self.valid_from)
            and (self.valid_until is None or day <= self.valid_until)
        )


@dataclass(frozen=True)
class DayException:
    date: dt.date
    kind: str  # "off" or "extra"
    start: dt.time | None = None
    end: dt.time | None = None
    location_id: int | None = None


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime
    location_id: int | None = None


def local_instant(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The instant a wall clock in `zone` shows `at` on `day`, for bounds the program
    computes (midnight, working hours).

    A time in the spring-forward gap (02:30 on the last Sunday of March in Europe) does
    not exist; it is moved forward by the length of the gap (03:30), as calendar apps
    do. A time in the autumn overlap is taken at its first occurrence (fold=0). A time
    a person gives is read with `local_datetime` (strict), which refuses both.

    The result is in UTC: Python subtracts and compares two datetimes that share a
    tzinfo by their wall clocks, which is wrong across a change; UTC never changes.
    """
    return local_datetime(day, at, zone, strict=False)


def days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def working_windows(
    *,
    first: dt.date,
    last: dt.date,
    weekly: Sequence[WeeklyWindow],
    exceptions: Sequence[DayException],
    holidays: Iterable[dt.date],
    zone: ZoneInfo,
) -> list[Window]:
    """The practitioner's working windows between two dates (inclusive), as instants."""
    closed = set(holidays)
    by_day: dict[dt.date, list[DayException]] = {}
    for exc in exceptions:
        by_day.setdefault(exc.date, []).append(exc)
    result: list[Window] = []
    for day in days(first, last):
        if day in closed:
            continue
        todays = by_day.get(day, [])
        if any(e.kind == "off" and e.start is None for e in todays):
            continue
        spans = [
            (w.start, w.end, w.location_id) for w in weekly if w.applies_on(day) and w.end > w.start
        ]
        spans += [
            (e.start, e.end, e.location_id)
            for e in todays
            if e.kind == "extra" and e.start is not None and e.end is not None
        ]
        offs = [
            (local_instant(day, e.start, zone), local_instant(day, e.end, zone))
            for e in todays
            if e.kind == "off" and e.start is not None and e.end is not None
        ]
        for start, end, location_id in spans:
            pieces = subtract(
                [(local_instant(day, start, zone), local_instant(day, end, zone))], offs
            )
            result.extend(Window(s, e, location_id) for s, e in pieces)
    result.sort(key=lambda w: w.start)
    return result


def subtract(intervals: Sequence[Interval], cuts: Sequence[Interval]) -> list[Interval]:
    """Intervals minus cuts (half-open)."""
    out = list(intervals)
    for cut_start, cut_end in cuts:
        nxt: list[Interval] = []
        for s, e in out:
            if cut_end <= s or cut_start >= e:
                nxt.append((s, e))
                continue
            if s < cut_start:
                nxt.append((s, cut_start))
            if cut_end < e:
                nxt.append((cut_end, e))
        out = nxt
    return out


def overlaps(
    a_start: dt.datetime, a_end: dt.datetime, b_start: dt.datetime, b_end: dt.datetime
) -> bool:
    return a_start < b_end and b_start < a_end


def free_slots(
    *,
    windows: Sequence[Window],
    busy: Sequence[Interval],
    duration: dt.timedelta,
    buffer: dt.timedelta,
    step: dt.timedelta,
    not_before: dt.datetime,
    zone: ZoneInfo,
) -> list[Window]:
    """Start times on the clinic's grid (whole `step`s after local midnight) where an
    appointment of `duration` fits inside a working window and, with its buffer,
    touches no busy interval. The buffer may run past the end of the window."""
    slots: list[Window] = []
    step_s = int(step.total_seconds())
    for window in windows:
        local_start = window.start.astimezone(zone)
        midnight = local_instant(local_start.date(), dt.time(0), zone)
        elapsed = int((window.start - midnight).total_seconds())
        offset = (-elapsed) % step_s
        start = window.start + dt.timedelta(seconds=offset)
        while start + duration <= window.end:
            end = start + duration
            if start >= not_before and not any(
                overlaps(start, end + buffer, b_start, b_end) for b_start, b_end in busy
            ):
                slots.append(Window(start, end, window.location_id))
            start += step
    return slots


def fits_working_hours(
    start: dt.datetime, end: dt.datetime, windows: Sequence[Window]
) -> Window | None:
    """The window that holds [start, end), or None."""
    for window in windows:
        if window.start <= start and end <= window.end:
            return window
    return None


def is_late_cancel(*, start: dt.datetime, now: dt.datetime, hours: int) -> bool:
    """Cancelled less than `hours` before the start (or after it)."""
    return start - now < dt.timedelta(hours=hours)


def nearest(target: dt.datetime, candidates: Sequence[Window]) -> Window | None:
    """The free slot closest in time to the target; on a tie, the earlier one."""
    best: Window | None = None
    for slot in candidates:
        if best is None or (abs(slot.start - target), slot.start) < (
            abs(best.start - target),
            best.start,
        ):
            best = slot
    return best


def reminder_due(*, start: dt.datetime, hours_before: int, now: dt.datetime) -> dt.datetime:
    """When to remind; an appointment booked inside the reminder window is reminded now."""
    return max(start - dt.timedelta(hours=hours_before), now)


def backoff(attempt: int) -> dt.timedelta:
    """Wait before retry number `attempt` (1-based) after a failed send."""
    minutes = [1, 5, 15, 60, 180]
    return dt.timedelta(minutes=minutes[min(attempt, len(minutes)) - 1])


MAX_SEND_ATTEMPTS = 6


# The day of an appointment: which status may follow which. "late_cancelled" is a
# cancellation with its late flag (it frees the slot like any other cancellation).
DAY_FLOW: dict[str, frozenset[str]] = {
    "booked": frozenset({"arrived", "in_treatment", "done", "no_show", "late_cancelled"}),
    "arrived": frozenset({"booked", "in_treatment", "done", "no_show"}),
    "in_treatment": frozenset({"arrived", "done"}),
    "done": frozenset({"in_treatment"}),
    "no_show": frozenset({"booked"}),
    "cancelled": frozenset(),
}
DAY_STATUSES = ("arrived", "in_treatment", "done", "no_show", "late_cancelled")


def day_flow_problem(
    *,
    current: str,
    wanted: str,
    start: dt.datetime,
    now: dt.datetime,
    zone: ZoneInfo,
    needs_session: bool,
    charted: bool,
) -> str | None:
    """Why `current` may not become `wanted` now (a DomainError code), or None.

    Arriving and treating happen on the appointment's day (or after it, to catch up);
    a no-show or done only once the appointment has started; done needs the charted
    session when the type is a treatment."""
    if wanted == current:
        return None
    if wanted not in DAY_FLOW.get(current, frozenset()):
        return "invalid_transition"
    if (
        wanted in ("arrived", "in_treatment")
        and start.astimezone(zone).date() > now.astimezone(zone).date()
    ):
        return "not_today"
    if wanted in ("no_show", "done") and start > now + dt.timedelta(minutes=15):
        return "not_started"
    if wanted == "done" and needs_session and not charted:
        return "session_required"
    return None


# acuflow's language codes -> the `holidays` package's (Norwegian Bokmål is "no" there).
_HOLIDAY_LANGUAGES = {"nb": "no", "nn": "no", "en": "en_US"}


def public_holidays(
    country: str, region: str, first: dt.date, last: dt.date, *, language: str = ""
) -> dict[dt.date, str]:
    """Public holidays of a country (and its region: a Spanish community, a US state)
    between first and last inclusive, named in `language` where the package has it.
    An unknown country or region gives the national days or none, never an error: the
    clinic's own closures still apply."""
    return dict(_public_holidays(country, region, first, last, language))


@functools.lru_cache(maxsize=512)
def _public_holidays(
    country: str, region: str, first: dt.date, last: dt.date, language: str
) -> tuple[tuple[dt.date, str], ...]:
    """`public_holidays`, kept per argument set: the package rebuilds a year's table on
    every call (a third of a millisecond per calendar page) and its tables never change
    while the process runs."""
    years = list(range(first.year, last.year + 1))
    code = language.split("-")[0].lower()
    wanted = _HOLIDAY_LANGUAGES.get(code, code)
    found: dict[dt.date, str] = {}
    for subdiv in ([region.strip()] if region.strip() else []) + [None]:
        try:
            table = holidays.country_holidays(country.upper(), subdiv=subdiv, years=years)
        except NotImplementedError:
            continue  # region or country unknown to the package: try the national days
        supported = getattr(table, "supported_languages", ()) or ()
        if wanted in supported:
            table = holidays.country_holidays(
                country.upper(), subdiv=subdiv, years=years, language=wanted
            )
        found = {day: str(name) for day, name in table.items() if first <= day <= last}
        break
    return tuple(found.items())
