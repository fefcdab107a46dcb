"""Shared schema building blocks: strict inputs (unknown fields are an error), a
language code, paging, and the bounded types of acuflow.core.validators that every
app's schemas use for dates, instants, text, JSON and paging."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value, Window
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema

from acuflow.core import validators as v
from acuflow.core.languages import check_language, language_codes


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# A language of acuflow.core.languages: an unknown code is a 422, and the OpenAPI
# document lists the codes.
LanguageCode = Annotated[
    str,
    AfterValidator(check_language),
    WithJsonSchema({"type": "string", "enum": language_codes()}),
]


# A date of care (visit, assessment, referral, course): 1900-01-01 .. 2100-12-31.
ClinicalDate = Annotated[dt.date, AfterValidator(v.check_clinical_date)]
# A date of birth: 1900-01-01 .. today.
BirthDate = Annotated[dt.date, AfterValidator(v.check_birth_date)]
# An instant: an offset is required (422 without one), and the date is a clinical date.
AwareDatetime = Annotated[
    dt.datetime,
    AfterValidator(v.check_aware),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601 with UTC offset, 1900..2100",
        }
    ),
]
# An instant whose offset a later check asks for (the charting page's own message).
ClinicalDatetime = Annotated[dt.datetime, AfterValidator(v.check_clinical_datetime)]
# Free text (line breaks and tabs allowed) and one line (names, codes): no control
# characters, never NUL.
SafeStr = Annotated[str, AfterValidator(v.check_text)]
SafeLine = Annotated[str, AfterValidator(v.check_line)]
# A JSON object of bounded depth without NUL in keys or strings.
SafeJson = Annotated[dict[str, Any], AfterValidator(v.check_json)]
# Paging of every list.
Limit = Annotated[int, Field(ge=1, le=v.LIMIT_MAX)]
Offset = Annotated[int, Field(ge=0, le=v.OFFSET_MAX)]


def paged(qs: Any, limit: int, offset: int, *, total: Any = None) -> tuple[list[Any], int]:
    """The page and the total: one page query (a row more than the page, to know
    whether there are more), and a COUNT only when there are more rows or the offset
    is past the end (a search that fits on its page needs no second query).

    `total`, for a values() queryset: an expression of the total that the page's own
    statement carries (`WINDOW_TOTAL` where the database reads every match anyway, as
    a search sorting its matches does; `count_of(...)` for a list read in index order),
    so a page that does not hold every row needs no second statement either."""
    if total is not None:
        rows = list(qs.annotate(**{TOTAL: total})[offset : offset + limit])
        return with_total(rows, offset, qs.count)
    rows = list(qs[offset : offset + limit + 1])
    if len(rows) > limit or (not rows and offset):
        return rows[:limit], qs.count()
    return rows, offset + len(rows)


def with_total(
    rows: list[dict[str, Any]], offset: int, count: Callable[[], int]
) -> tuple[list[dict[str, Any]], int]:
    """A page read with its total in each row's `TOTAL` (a lookup compiled once that
    annotates it, or `paged(total=...)`): the rows without it, and the total; `count()`
    only for an empty page past the end, which carries no total."""
    if not rows:
        return rows, count() if offset else 0
    total = rows[0][TOTAL]
    for row in rows:
        del row[TOTAL]
    return rows, total


TOTAL = "_paged_total"
# The number of rows the page's statement matched, before its LIMIT and OFFSET.
WINDOW_TOTAL = Window(Count("*"))


def count_of(qs: QuerySet[Any]) -> Subquery:
    """`qs.count()` as a scalar subquery, for `paged(total=...)`: grouped by a constant,
    which the database drops, so it is one COUNT over `qs`'s rows."""
    counted = qs.order_by().annotate(_one=Value(1)).values("_one").annotate(_n=Count("*"))
    return Subquery(counted.values("_n"), output_field=IntegerField())


class ErrorOut(Schema):
    """Every error answer: a stable code, a text in the request's language, and for
    invalid values the messages per field."""

    error: str
    detail: str
    fields: dict[str, list[str]] | None = None
