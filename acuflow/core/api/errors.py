"""One error shape for the whole API: {"error": code, "detail": text} (+ "fields")."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from acuflow.core.errors import DomainError, domain_status


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
    return api.create_response(request, body, status=status)


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
        return error_response(
            api, request, domain_status(exc.code), exc.code, exc.message, exc.fields
        )

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

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {400: "bad_request", 405: "method_not_allowed", 429: "rate_limited"}.get(
            exc.status_code, "error"
        )
        return error_response(api, request, exc.status_code, code, str(exc))
