"""Pure planning rules of a course (dates). The outcome rules (change, responder
class, recommendation) are in protocols/outcome.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection


def plan_dates(
    start: dt.date, cadence_days: int, count: int, closed: Collection[dt.date] = ()
) -> list[dt.date]:
    """`count` session dates `cadence_days` apart from `start`. A date on which the
    clinic is closed (`closed`: public holidays and its own closures) moves to the next
    open day; the sessions after it keep their own dates, and no two share a day."""
    out: list[dt.date] = []
    for i in range(count):
        day = start + dt.timedelta(days=cadence_days * i)
        while day in closed or (out and day <= out[-1]):
            day += dt.timedelta(days=1)
        out.append(day)
    return out


def plan_horizon(start: dt.date, cadence_days: int, count: int) -> dt.date:
    """The last day a plan can reach, closures included (for reading the closed days)."""
    return start + dt.timedelta(days=cadence_days * max(count - 1, 0) + 31)
