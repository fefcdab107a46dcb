"""Clinic-local wall clock to instant: the one place a date and a time become an aware
datetime.

A wall-clock time someone types (a booking, a move, a session's start, an API time
without offset) is read with `local_datetime(day, at, zone)`. Twice a year that is not
one instant: in the spring-forward gap (02:30 on the last Sunday of March in Europe)
the time does not exist, in the autumn overlap it exists twice. Both are refused
(`DomainError` `nonexistent_local_time` / `ambiguous_local_time`, 422, naming the time
and the zone), never silently shifted.

Bounds the program computes itself (midnight, the edges of working hours) pass
`strict=False`: a gap moves forward by its length (what the wall clock shows next) and
an overlap takes its first occurrence.

The result is in UTC: Python compares two datetimes that share a tzinfo by their wall
clocks, which is wrong across a change; UTC never changes.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from acuflow.core.errors import DomainError


def is_nonexistent(day: dt.date, at: dt.time, zone: dt.tzinfo) -> bool:
    """The wall clock in `zone` never shows `at` on `day` (a spring-forward gap)."""
    local = dt.datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone)
    back = local.astimezone(dt.UTC).astimezone(zone)
    return back.replace(tzinfo=None) != local.replace(tzinfo=None)


def is_ambiguous(day: dt.date, at: dt.time, zone: dt.tzinfo) -> bool:
    """The wall clock in `zone` shows `at` twice on `day` (an autumn overlap)."""
    local = dt.datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone)
    return local.utcoffset() != local.replace(fold=1).utcoffset() and not is_nonexistent(
        day, at, zone
    )


def _zone_name(zone: dt.tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


def local_datetime(
    day: dt.date, at: dt.time, zone: dt.tzinfo | str, *, strict: bool = True, field: str = ""
) -> dt.datetime:
    """The instant (UTC) a wall clock in `zone` shows `at` on `day`.

    strict (times people give): a time that does not exist or exists twice that day is
    a DomainError on `field`. Not strict (bounds the program computes): a gap moves
    forward by its length, an overlap takes its first occurrence."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    at = at.replace(tzinfo=None, fold=0)
    local = dt.datetime.combine(day, at, tzinfo=tz)
    if strict:
        shown = {
            "time": f"{date_format(day, 'SHORT_DATE_FORMAT')} {time_format(at, 'H:i')}",
            "zone": _zone_name(tz),
        }
        if is_nonexistent(day, at, tz):
            raise DomainError(
                "nonexistent_local_time",
                _(
                    "%(time)s does not exist in %(zone)s: the clocks are put forward that "
                    "night. Choose another time."
                )
                % shown,
                field=field or None,
            )
        if is_ambiguous(day, at, tz):
            raise DomainError(
                "ambiguous_local_time",
                _(
                    "%(time)s happens twice in %(zone)s: the clocks are put back that "
                    "night. Choose another time."
                )
                % shown,
                field=field or None,
            )
    return local.astimezone(dt.UTC)


def aware(value: dt.datetime, zone: dt.tzinfo | str, *, field: str = "") -> dt.datetime:
    """`value` as an instant: kept when it carries an offset, read strictly as the wall
    clock of `zone` when it does not."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value
    return local_datetime(value.date(), value.time(), zone, field=field)
