"""Answers of the hottest reads, rendered without ninja's response validation.

ninja validates a view's return value against the operation's response schema and
dumps it again before rendering it: for a list of 1,000 sessions that is most of the
request. A view whose answer is already plain values of the documented types (from
values(), built field by field) returns `json_answer(body)` instead: the same JSON
(ninja's encoder, its content type), the same OpenAPI document (the operation keeps
its `response=` schema). Each such view has a test that compares its answer with the
schema-validated one (`schema_answer`), so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpResponse
from ninja.responses import NinjaJSONEncoder
from pydantic import TypeAdapter

CONTENT_TYPE = "application/json; charset=utf-8"  # NinjaAPI.get_content_type()


def instant(value: dt.datetime | None) -> str | None:
    """A datetime as ninja's encoder writes it (DjangoJSONEncoder: milliseconds, "Z"
    for UTC), as a string the JSON encoder passes through without calling back."""
    if value is None:
        return None
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


def json_answer(body: Any, status: int = 200) -> HttpResponse:
    """`body` rendered as ninja renders a validated answer."""
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder), status=status, content_type=CONTENT_TYPE
    )


def schema_answer(schema: Any, body: Any) -> str:
    """The JSON ninja would answer for `body` under `schema` (a model or a type such as
    list[SlotOut]): validated, dumped and rendered. Tests compare a `json_answer`
    view's bytes with it."""
    adapter: TypeAdapter[Any] = TypeAdapter(schema)
    return json.dumps(adapter.dump_python(adapter.validate_python(body)), cls=NinjaJSONEncoder)
