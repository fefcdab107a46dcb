"""Shared schema building blocks: strict inputs (unknown fields are an error), a
language code, paging."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, WithJsonSchema

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


def paged(qs: Any, limit: int, offset: int) -> tuple[list[Any], int]:
    """The page and the total: one page query (a row more than the page, to know
    whether there are more), and a COUNT only when there are more rows or the offset
    is past the end (a search that fits on its page needs no second query)."""
    rows = list(qs[offset : offset + limit + 1])
    if len(rows) > limit or (not rows and offset):
        return rows[:limit], qs.count()
    return rows, offset + len(rows)


class ErrorOut(Schema):
    """Every error answer: a stable code, a text in the request's language, and for
    invalid values the messages per field."""

    error: str
    detail: str
    fields: dict[str, list[str]] | None = None
