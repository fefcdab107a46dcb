"""Where the day and week calendars draw things, in pixels: arithmetic over plain values
(aware datetimes, a time zone, a local day), with no ORM and no request.

Every number leaves this module as a string written here with a dot ("720.0px"). The
template engine localises a float it prints (720,0 in Dutch and Norwegian), and CSS and
data attributes only read a dot: with the comma, the grid collapsed to nothing.

The grid is a wall clock: hour marks at local hours, a block from the local time its
appointment starts to the local time it ends. On the day the clocks go forward the hour
that does not exist stays on the grid, empty, so blocks still line up with the marks; on
the day they go back, a block inside the repeated hour keeps its real length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

PX_PER_MINUTE = 1.2
# A five-minute appointment still needs room for its time and the patient's name.
MIN_MINUTES = 10
# Office hours are always shown, so an empty day still looks like a day.
DEFAULT_HOURS = (8, 18)
DAY_MINUTES = 24 * 60

Span = tuple[dt.datetime, dt.datetime]
Minutes = tuple[int, int]


def px(minutes: float) -> str:
    """Minutes as pixels for CSS and data attributes: always a dot, never localised."""
    return f"{minutes * PX_PER_MINUTE:.1f}"


def _percent(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def wall_minute(instant: dt.datetime, *, day: dt.date, zone: ZoneInfo) -> int:
    """Minutes from the local midnight that starts `day` to `instant` by the wall clock,
    0 for anything before that day and 24 h for anything after it."""
    local = instant.astimezone(zone)
    if local.date() < day:
        return 0
    if local.date() > day:
        return DAY_MINUTES
    return local.hour * 60 + local.minute


def wall_span(start: dt.datetime, end: dt.datetime, *, day: dt.date, zone: ZoneInfo) -> Minutes:
    """The (first, last) wall-clock minutes of `day` that a span covers, at least
    MIN_MINUTES long and never past the day's end."""
    first = wall_minute(start, day=day, zone=zone)
    last = wall_minute(end, day=day, zone=zone)
    if last <= first:
        # When the clocks go back, an end inside the repeated hour reads earlier than
        # (or the same as) the start: the real length is the only guide then.
        # (In UTC: Python subtracts two times of one zone by their wall clocks.)
        real = end.astimezone(dt.UTC) - start.astimezone(dt.UTC)
        last = first + int(real.total_seconds() // 60)
    return first, min(max(last, first + MIN_MINUTES), DAY_MINUTES)


def visible_hours(spans: Iterable[Span], *, zone: ZoneInfo) -> tuple[int, int]:
    """The first and the end hour (exclusive) that show every span, office hours at least."""
    first, last = DEFAULT_HOURS
    for start, end in spans:
        day = start.astimezone(zone).date()
        top, bottom = wall_span(start, end, day=day, zone=zone)
        first = min(first, top // 60)
        last = max(last, -(-bottom // 60))
    return first, min(last, 24)


@dataclass(frozen=True)
class Box:
    """One block on a day column: pixels from the grid's top, and its lane when blocks
    overlap (lane 0 of 1 is the full width)."""

    top: str
    height: str
    lane: int = 0
    lanes: int = 1

    @property
    def style(self) -> str:
        style = f"top:{self.top}px;height:{self.height}px"
        if self.lanes > 1:
            width = 100 / self.lanes
            style += (
                f";left:calc({_percent(self.lane * width)}% + 1px)"
                f";width:calc({_percent(width)}% - 2px);right:auto"
            )
        return style


@dataclass(frozen=True)
class Grid:
    """A calendar grid from `first_hour` to `end_hour` (exclusive), local time in `zone`."""

    first_hour: int
    end_hour: int
    zone: ZoneInfo

    @classmethod
    def around(cls, spans: Iterable[Span], *, zone: ZoneInfo) -> Grid:
        first, end = visible_hours(spans, zone=zone)
        return cls(first, end, zone)

    @property
    def top_minutes(self) -> int:
        return self.first_hour * 60

    @property
    def minutes(self) -> int:
        return (self.end_hour - self.first_hour) * 60

    @property
    def height_style(self) -> str:
        return f"height:{px(self.minutes)}px"

    @property
    def data_attributes(self) -> dict[str, str]:
        """What calendar.js needs to turn a drop position back into a time."""
        return {
            "top_minutes": str(self.top_minutes),
            "px_per_minute": f"{PX_PER_MINUTE:g}",
        }

    def hour_marks(self) -> list[dict[str, str]]:
        return [
            {"label": f"{hour:02d}:00", "style": f"top:{px(hour * 60 - self.top_minutes)}px"}
            for hour in range(self.first_hour, self.end_hour)
        ]

    def _clip(self, span: Minutes) -> Minutes:
        top = min(max(span[0] - self.top_minutes, 0), self.minutes)
        bottom = min(max(span[1] - self.top_minutes, top), self.minutes)
        return top, bottom

    def place(self, start: dt.datetime, end: dt.datetime, *, day: dt.date) -> Box:
        """A block for one span on `day`'s column, clipped to the grid."""
        top, bottom = self._clip(wall_span(start, end, day=day, zone=self.zone))
        return Box(px(top), px(bottom - top))

    def place_all(self, spans: Sequence[Span], *, day: dt.date) -> list[Box]:
        """Blocks for the spans of one column, in the same order. Blocks that overlap on
        the screen share the width in lanes, so none hides another."""
        clipped = [self._clip(wall_span(s, e, day=day, zone=self.zone)) for s, e in spans]
        lanes = [0] * len(clipped)
        counts = [1] * len(clipped)
        order = sorted(range(len(clipped)), key=lambda i: (clipped[i][0], -clipped[i][1], i))
        group: list[int] = []
        ends: list[int] = []  # per lane of the group: where its last block ends
        group_end = -1

        def close() -> None:
            for member in group:
                counts[member] = len(ends)

        for i in order:
            top, bottom = clipped[i]
            if group and top >= group_end:
                close()
                group, ends, group_end = [], [], -1
            lane = next((n for n, lane_end in enumerate(ends) if lane_end <= top), len(ends))
            if lane == len(ends):
                ends.append(bottom)
            else:
                ends[lane] = bottom
            lanes[i] = lane
            group.append(i)
            group_end = max(group_end, bottom)
        close()
        return [
            Box(px(top), px(bottom - top), lanes[i], counts[i])
            for i, (top, bottom) in enumerate(clipped)
        ]
