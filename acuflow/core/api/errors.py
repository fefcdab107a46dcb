"""One error shape for the whole API: {"error": code, "detail": text} (+ "fields")."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from acuflow.core import reliability
from acuflow.core.api.openapi import add_common_errors
from acuflow.core.api.schemas import ErrorOut
from acuflow.core.errors import DomainError, domain_status

logger = logging.getLogger("django.request")


class ApiError(Exception):
    """Raise from an endpoint (never a service: those raise DomainError) to answer with
    a specific status and code."""

    def __init__(
        self, status: int, code: str, detail: str = "", fields: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail or code)
        self.status = status
        self.code = code
        self.detail = detail or code.replace("_", " ")
        self.fields = fields or {}


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    detail: str,
    fields: dict[str, Any] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"error": code, "detail": detail}
    if fields:
        body["fields"] = fields
    response = api.create_response(request, body, status=status)
    if status == 503:
        response["Retry-After"] = str(reliability.RETRY_AFTER_SECONDS)
    return response


# Answers any endpoint can give, whatever it declares in `response={...}`: written into
# every operation of the OpenAPI document (not into the operations' response models,
# where an extra status would change how ninja picks the status of a plain return).
COMMON_ERRORS: dict[str, str] = {
    "500": 'Unexpected error on the server: `{"error": "server_error"}` (logged).',
    "503": 'The database is not available: `{"error": "service_unavailable"}`, '
    "with `Retry-After: 5`.",
}
UNSAFE_ERRORS: dict[str, str] = {
    "409": "A conflict; `conflict_retry` when a deadlock or serialization failure "
    "happened again on the server's one retry: send the request again.",
}


def document_common_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the 500 and 503 answers to every operation and the 409 `conflict_retry` to
    every write, each with the one error schema."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorOut" not in components:
        components["ErrorOut"] = ErrorOut.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            extra = dict(COMMON_ERRORS)
            if method.upper() in reliability.UNSAFE_METHODS:
                extra.update(UNSAFE_ERRORS)
            for status, description in extra.items():
                answer = operation["responses"].setdefault(
                    status, {"description": description, "content": content}
                )
                if status in UNSAFE_ERRORS and description not in answer.get("description", ""):
                    answer["description"] = f"{answer.get('description', '')} {description}".strip()
    return schema


class AcuflowAPI(NinjaAPI):
    """The project's NinjaAPI: its OpenAPI document lists the answers every endpoint
    can give (`document_common_errors`)."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return add_common_errors(
            document_common_errors(super().get_openapi_schema(*args, **kwargs))
        )


def _loc_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja prefixes locations with "body"/"query"/"path" and the schema argument name
    parts = [
        str(p) for p in loc if p not in ("body", "query", "path", "payload", "data", "filters")
    ]
    return ".".join(parts) or "body"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return error_response(api, request, exc.status, exc.code, exc.detail, exc.fields)

    @api.exception_handler(DomainError)
    def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = error_response(
            api, request, domain_status(exc.code), exc.code, exc.message, exc.fields
        )
        if exc.retry_after is not None:
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            loc = err.get("loc", ())
            msg = err.get("msg", "invalid")
            if err.get("type") == "json_invalid" or "JSON" in str(msg) and not loc[1:]:
                return error_response(
                    api, request, 400, "malformed_json", "The body is not valid JSON."
                )
            fields.setdefault(_loc_name(loc), []).append(str(msg))
        detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items())
        return error_response(api, request, 422, "validation_error", detail, fields)

    @api.exception_handler(DjangoValidationError)
    def _model_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            fields = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        else:
            fields = {"__all__": [str(m) for m in exc.messages]}
        detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items())
        return error_response(api, request, 422, "validation_error", detail, fields)

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", str(exc) or "Not found.")

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(api, request, 403, "forbidden", str(exc) or "Not allowed.")

    @api.exception_handler(AuthenticationError)
    def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            api, request, 401, "unauthorized", "Send 'Authorization: Bearer <token>' or sign in."
        )

    @api.exception_handler(Exception)
    def _unhandled(request: HttpRequest, exc: Exception) -> HttpResponse:
        # The database is down: 503 with Retry-After. A deadlock of a write goes on to
        # RetryConflictMiddleware, which runs the request once more (409 after that).
        if reliability.is_unavailable(exc):
            logger.error("Service unavailable: %s %s: %s", request.method, request.path, exc)
            return error_response(
                api, request, 503, "service_unavailable", reliability.unavailable_detail()
            )
        if reliability.is_retryable(exc):
            if request.method in reliability.UNSAFE_METHODS:
                raise exc
            return error_response(
                api, request, 409, "conflict_retry", reliability.conflict_detail()
            )
        logger.error(
            "Internal Server Error: %s", request.path, exc_info=exc, extra={"status_code": 500}
        )
        return error_response(api, request, 500, "server_error", reliability.server_error_detail())

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {400: "bad_request", 405: "method_not_allowed", 429: "rate_limited"}.get(
            exc.status_code, "error"
        )
        return error_response(api, request, exc.status_code, code, str(exc))
