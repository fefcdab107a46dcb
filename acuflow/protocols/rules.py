"""Pure planning rules of a course (dates). The outcome rules (change, responder
class, recommendation) are in protocols/outcome.py."""

from __future__ import annotations

import datetime as dt


def plan_dates(start: dt.date, cadence_days: int, count: int) -> list[dt.date]:
    return [start + dt.timedelta(days=cadence_days * i) for i in range(count)]
