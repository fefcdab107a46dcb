"""Dates written the way the `date` template filter writes them, for the long lists that
are written as HTML in Python (a course's sessions, a chart's marks).

`date_format(value, "SHORT_DATE_FORMAT")` parses the language's format string again on
every call (about 10 us): a thousand rows pay 10 ms for their dates. `short_date()`
reads the active language's format once and writes each date with a format string.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils.formats import date_format, get_format

# The format letters a short date uses (the `date` filter's) as str.format fields of
# (date, two-digit year).
_FIELDS = {
    "d": "{0.day:02d}",
    "j": "{0.day}",
    "m": "{0.month:02d}",
    "n": "{0.month}",
    "Y": "{0.year:04d}",
    "y": "{1:02d}",
}


def short_date() -> Callable[[dt.date], str]:
    """A function writing a date as `{{ value|date:"SHORT_DATE_FORMAT" }}` does in the
    active language. Pass a date (convert a datetime to the local zone first, as the
    filter does). A format with letters other than d j m n Y y (or an escape) falls back
    to Django's own formatter, so the text is always the filter's."""
    fmt = str(get_format("SHORT_DATE_FORMAT"))
    if "\\" in fmt or any(c.isalpha() and c not in _FIELDS for c in fmt):
        return lambda value: date_format(value, "SHORT_DATE_FORMAT")
    template = "".join(_FIELDS.get(c) or c.replace("{", "{{").replace("}", "}}") for c in fmt)
    return lambda value: template.format(value, value.year % 100)
