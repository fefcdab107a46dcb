"""Refuse input no view can use before any view sees it: a NUL character in the path,
the query string or a form field (PostgreSQL refuses NUL in text), and a JSON body
(API or page) that is too large, nested too deeply (Python's parser would exhaust its recursion) or
holds NUL or a lone surrogate in a string.

A JSON body gets a JSON answer, `{"error": "validation_error", ...}` (422) or
`body_too_large` (413), as does any API request; a page with NUL gets the 400 page. The bounds themselves are in acuflow.core.validators.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from acuflow.core.validators import JSON_MAX_BYTES, JSON_MAX_DEPTH, check_json

API_PREFIX = "/api/"


def _has_nul(request: HttpRequest) -> str | None:
    """The name of the first place that holds a NUL, or None."""
    if "\x00" in request.path:
        return "path"
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return key.replace("\x00", "") or "query"
    content_type = request.content_type or ""
    if request.method == "POST" and content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for key, values in request.POST.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return key.replace("\x00", "") or "body"
    return None


class InputBoundsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = request.path.startswith(API_PREFIX)
        try:
            place = _has_nul(request)
            refusal = self._json_refusal(request) if place is None else None
        except RequestDataTooBig:
            place, refusal = None, (413, "body_too_large", _("The request body is too large."))
        if place is not None:
            if not is_api:
                raise BadRequest("NUL character in the request")
            message = _("The text contains a control character.")
            return _error(422, "validation_error", f"{place}: {message}", {place: [message]})
        if refusal is not None:
            status, code, detail = refusal
            return _error(status, code, detail, {"body": [detail]} if status == 422 else None)
        return self.get_response(request)

    @staticmethod
    def _json_refusal(request: HttpRequest) -> tuple[int, str, str] | None:
        if request.method not in ("POST", "PUT", "PATCH") or request.content_type != (
            "application/json"
        ):
            return None
        limit = min(JSON_MAX_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or JSON_MAX_BYTES)
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit or len(request.body) > limit:
            return 413, "body_too_large", _("The request body is too large.")
        try:
            value = json.loads(request.body)
        except RecursionError:
            return (
                422,
                "validation_error",
                _("The JSON is nested more than %(depth)s levels deep.")
                % {"depth": JSON_MAX_DEPTH},
            )
        except ValueError:
            return None  # not JSON: the API's own answer (400 malformed_json)
        try:
            check_json(value)
        except ValueError as exc:
            return 422, "validation_error", str(exc)
        return None


def _error(
    status: int, code: str, detail: str, fields: dict[str, list[str]] | None = None
) -> HttpResponse:
    body: dict[str, object] = {"error": code, "detail": detail}
    if fields:
        body["fields"] = fields
    return JsonResponse(body, status=status)
