"""What a patient search box's text can mean besides a name: a birth date."""

from __future__ import annotations

import datetime as dt


def parse_search_date(text: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None
