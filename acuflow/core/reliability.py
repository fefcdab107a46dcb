"""What a request answers when the database is not there or a transaction lost a race.

- The database is down (cannot connect, connection lost): 503 with `Retry-After: 5`,
  `{"error": "service_unavailable", ...}` on the API, a plain page otherwise. Sessions,
  sign-in and the two-factor gate read the database in middleware, before any view,
  and Django turns an exception raised there into a response at that middleware's own
  layer; so the answer is given where every such exception ends up: `server_error`
  (the project's `handler500`) for pages, middleware and the API's own middleware
  errors, the API's exception handler for errors inside an endpoint.
- A deadlock or serialization failure (PostgreSQL 40P01, 40001) of an unsafe request:
  `RetryConflictMiddleware` runs the view once more, from the start (every service's
  transaction.atomic was rolled back as the exception left it), and when it happens
  again answers 409 `conflict_retry`.
- Anything else unhandled: 500, `{"error": "server_error", ...}` on the API, the
  translated error page otherwise; logged with its traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger("acuflow.reliability")

RETRY_AFTER_SECONDS = 5
# PostgreSQL SQLSTATEs worth one more try: deadlock_detected, serialization_failure.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
# Connection-level SQLSTATEs: class 08 (connection exception), the server shutting
# down or starting (57P01-57P03), too many connections (53300).
_CONNECTION_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
# SQLite has no SQLSTATE: the messages that mean the file cannot be used at all.
_SQLITE_UNUSABLE = ("unable to open database", "disk i/o error", "not a database")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _sqlstate(exc: BaseException) -> str | None:
    for candidate in (exc, exc.__cause__):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if state:
            return str(state)
    return None


def is_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached or the connection was lost (not: a statement
    that failed, a timeout, a lock, a deadlock)."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    state = _sqlstate(exc)
    if state is not None:
        return state.startswith("08") or state in _CONNECTION_SQLSTATES
    cause = exc.__cause__
    if cause is not None and type(cause).__module__.startswith("sqlite3"):
        return any(text in str(cause).lower() for text in _SQLITE_UNUSABLE)
    # psycopg raises a connection failure without a SQLSTATE (the server never answered).
    text = str(exc).lower()
    return (
        any(text_ in text for text_ in _SQLITE_UNUSABLE)
        or "could not connect" in text
        or "connection" in text
        or "server closed" in text
        or "terminating" in text
    )


def is_retryable(exc: BaseException) -> bool:
    """A deadlock or serialization failure: the same request may well succeed again."""
    return isinstance(exc, OperationalError) and _sqlstate(exc) in RETRYABLE_SQLSTATES


def _in_transaction() -> bool:
    """A transaction of the request itself is open (a retry cannot undo its work). The
    test runner's own wrapping transaction does not count."""
    return any(
        not getattr(block, "_from_testcase", False)
        for conn in connections.all(initialized_only=True)
        for block in conn.atomic_blocks
    )


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _activate_language(request: HttpRequest) -> None:
    # Without the database: the language of the address or the browser, not the user's.
    translation.activate(translation.get_language_from_request(request))


def unavailable_detail() -> str:
    return _("The database is not available at the moment. Try again in a few seconds.")


def conflict_detail() -> str:
    return _(
        "Someone else changed the same records at the same moment. Nothing was saved: try again."
    )


def server_error_detail() -> str:
    return _("An error on our side; it has been logged. Try again in a moment.")


def json_error(status: int, code: str, detail: str) -> JsonResponse:
    response = JsonResponse({"error": code, "detail": detail}, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON on the API, a page (that needs no database) elsewhere."""
    if is_api(request):
        return json_error(503, "service_unavailable", unavailable_detail())
    _activate_language(request)
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def conflict_response(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return json_error(409, "conflict_retry", conflict_detail())
    response = HttpResponse(
        render_to_string("409.html", {"detail": conflict_detail()}, request=request), status=409
    )
    return response


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The project's handler500: whatever exception ended the request (sys.exc_info,
    set while Django handles it) decides between 503 and 500, JSON on the API."""
    exc = sys.exc_info()[1]
    if exc is not None and is_unavailable(exc):
        return unavailable_response(request)
    if exc is not None and is_retryable(exc):
        return conflict_response(request)
    if is_api(request):
        return json_error(500, "server_error", server_error_detail())
    # In the language the request was being answered in (the user's, when middleware
    # got that far).
    return HttpResponse(render_to_string("500.html"), status=500)


class RetryConflictMiddleware:
    """Runs an unsafe request's view once more after a deadlock or serialization
    failure, then answers 409 `conflict_retry`. Last in MIDDLEWARE, so it is the first
    to see a view's exception (the API's handler lets these through to it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_retryable(exception):
            return None
        match = request.resolver_match
        if request.method not in UNSAFE_METHODS or match is None or _in_transaction():
            return conflict_response(request)
        logger.warning("retrying %s %s after %s", request.method, request.path, exception)
        try:
            response: HttpResponse = match.func(request, *match.args, **match.kwargs)
        except Exception as again:
            if is_retryable(again):
                logger.warning("%s %s failed again: %s", request.method, request.path, again)
                return conflict_response(request)
            raise
        return response
