"""The one set of input bounds: dates, instants, counts, text and JSON.

Every way in uses these checks: the API's schema types (acuflow.core.api.schemas),
the page forms (acuflow.core.forms) and the models' `full_clean()`
(acuflow.core.models.BoundedFieldsModel). The `check_*` functions raise ValueError
with a message in the active language (pydantic turns it into a 422); the
`validate_*` wrappers raise Django's ValidationError for forms and models.

Why bounds: PostgreSQL refuses NUL in text; a date in year 1 shifted by an offset
underflows when it is read back ("timestamp too small") and breaks every page that
shows it; JSON nested a hundred thousand levels deep exhausts Python's recursion;
an offset past 2**63 overflows the database's integer.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Clinical dates and instants (visits, assessments, referrals, courses, responses).
CLINICAL_MIN = dt.date(1900, 1, 1)
CLINICAL_MAX = dt.date(2100, 12, 31)
# Lists: `limit` and `offset` of every paged answer.
LIMIT_MAX = 1000  # as NINJA_PAGINATION_MAX_LIMIT: a 1,000-session patient in one request
OFFSET_MAX = 10_000_000
# JSON values (drafts, answers): nesting and size.
JSON_MAX_DEPTH = 32
JSON_MAX_BYTES = 1_000_000
# Free text may hold line breaks and tabs; one-line fields (names, codes) nothing below
# U+0020. Both refuse NUL, the other C0/C1 controls and lone surrogates.
TEXT_ALLOWED_CONTROLS = frozenset("\n\r\t")


# -- dates and instants ------------------------------------------------------------------


def check_clinical_date(value: dt.date) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not CLINICAL_MIN <= day <= CLINICAL_MAX:
        raise ValueError(
            _("Enter a date between %(min)s and %(max)s.")
            % {"min": CLINICAL_MIN.isoformat(), "max": CLINICAL_MAX.isoformat()}
        )
    return value


def check_birth_date(value: dt.date) -> dt.date:
    """1900-01-01 up to today (a day of grace for time zones east of the server)."""
    check_clinical_date(value)
    if value > dt.date.today() + dt.timedelta(days=1):
        raise ValueError(_("A date of birth cannot be in the future."))
    return value


def check_aware(value: dt.datetime) -> dt.datetime:
    """An instant: with its UTC offset (a wall clock without one is ambiguous), and a
    clinical date (so reading it back in UTC or any zone cannot over- or underflow)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(_("Give the time with its UTC offset, e.g. 2026-03-01T09:30:00+01:00."))
    check_clinical_date(value.date())
    return value


def check_clinical_datetime(value: dt.datetime) -> dt.datetime:
    """An instant whose offset the caller supplies later (naive allowed), in range."""
    check_clinical_date(value.date())
    return value


def parse_clinical_date(text: str | None) -> dt.date | None:
    """A YYYY-MM-DD from a URL or query string, or None when it is missing, malformed
    or out of range: pages fall back to their default day or answer 404."""
    if not text or len(text) > 10 or "\x00" in text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    try:
        check_clinical_date(day)
    except ValueError:
        return None
    return day


# -- counts ------------------------------------------------------------------------------


def check_bounded_int(value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise ValueError(
            _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
        )
    return value


# -- text --------------------------------------------------------------------------------


def _bad_char(text: str, allowed: frozenset[str]) -> str | None:
    for char in text:
        if char in allowed:
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            return char
    return None


def check_text(value: str) -> str:
    """Free text: line breaks and tabs, no other control character, no NUL."""
    if isinstance(value, str) and _bad_char(value, TEXT_ALLOWED_CONTROLS) is not None:
        raise ValueError(_("The text contains a control character."))
    return value


def check_line(value: str) -> str:
    """One line (a name, a code): no control character at all."""
    if isinstance(value, str) and _bad_char(value, frozenset()) is not None:
        raise ValueError(_("The text contains a control character."))
    return value


# -- JSON --------------------------------------------------------------------------------


def check_json(value: Any, *, max_depth: int = JSON_MAX_DEPTH) -> Any:
    """A decoded JSON value: at most `max_depth` levels of arrays and objects, and no
    NUL or lone surrogate in any key or string (PostgreSQL's jsonb refuses them).
    Iterative, so a value deeper than Python's recursion limit is refused, not a crash."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                raise ValueError(
                    _("The JSON is nested more than %(depth)s levels deep.") % {"depth": max_depth}
                )
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                if isinstance(key, str):
                    _check_json_string(key)
                stack.append((child, depth + 1))
        elif isinstance(item, str):
            _check_json_string(item)
    return value


def _check_json_string(text: str) -> None:
    if _bad_char(text, TEXT_ALLOWED_CONTROLS) is not None:
        raise ValueError(_("The text contains a control character."))


def load_json(text: str | bytes, *, max_bytes: int = JSON_MAX_BYTES) -> Any:
    """json.loads with the bounds: ValueError (never RecursionError) for a text that is
    too large, not JSON, too deep or holds NUL."""
    if len(text) > max_bytes:
        raise ValueError(_("The JSON is too large."))
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(
            _("The JSON is nested more than %(depth)s levels deep.") % {"depth": JSON_MAX_DEPTH}
        )
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValueError(_("The text is not valid JSON."))
    return check_json(value)


# -- Django's side: forms and models ------------------------------------------------------


def _django(check: Any) -> Any:
    def validate(value: Any) -> None:
        if value is None:
            return
        try:
            check(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid")

    validate.__name__ = f"validate_{check.__name__.removeprefix('check_')}"
    validate.__doc__ = check.__doc__
    return validate


validate_clinical_date = _django(check_clinical_date)
validate_birth_date = _django(check_birth_date)
validate_aware = _django(check_aware)
validate_clinical_datetime = _django(check_clinical_datetime)
validate_text = _django(check_text)
validate_line = _django(check_line)
validate_json = _django(check_json)
