"""Pure clinical rules of the assessment, over plain values (tested without the database)."""

from __future__ import annotations

import datetime as dt

ACUTE_BEFORE_WEEKS = 6
CHRONIC_AFTER_WEEKS = 12


def chronicity(onset: dt.date, on: dt.date) -> str:
    """Back-pain convention (domain.md): acute < 6 weeks, subacute 6-12, chronic > 12.

    Whole days count: exactly 6 weeks is subacute, exactly 12 weeks is still subacute,
    12 weeks and a day is chronic.
    """
    days = (on - onset).days
    if days < ACUTE_BEFORE_WEEKS * 7:
        return "acute"
    if days <= CHRONIC_AFTER_WEEKS * 7:
        return "subacute"
    return "chronic"
