"""The error answers every operation can give, added to the OpenAPI document.

Some refusals do not depend on the endpoint: a missing or bad token (401), a caller
without the role or second factor it needs (403), invalid
parameters or body, including NUL and over-deep JSON refused before the endpoint
runs (422, acuflow.core.bounds), an id in the path that names nothing (404), and for
a JSON body, one that is not JSON (400) or too large (413). Each endpoint lists its
own further answers in `response={...}`; this adds the common ones where missing, so
the document names every status a client can get (the fuzz test holds it to that).
"""

from __future__ import annotations

from typing import Any

ERROR_REF = "#/components/schemas/ErrorOut"

COMMON = {
    "401": "Not signed in: no valid token or session",
    "403": "Not allowed for the caller (role, second factor)",
    "422": "Invalid parameters or body",
}
WITH_PATH = {"404": "Not found (or not of the caller's clinic)"}
WITH_BODY = {
    "400": "The body is not valid JSON",
    "413": "The body is too large",
}
METHODS = ("get", "post", "put", "patch", "delete")


def add_common_errors(schema: dict[str, Any]) -> dict[str, Any]:
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            wanted = dict(COMMON)
            if "{" in path:
                wanted.update(WITH_PATH)
            if "requestBody" in operation:
                wanted.update(WITH_BODY)
            responses = operation.setdefault("responses", {})
            for status, text in wanted.items():
                responses.setdefault(
                    status,
                    {
                        "description": text,
                        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
                    },
                )
    return schema
