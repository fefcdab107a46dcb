"""Request-wide security: the client's address behind trusted proxies, refused attempts
written after the response (out of the transaction the refusal rolled back), and the
headers that keep patient data out of caches and browsers' features."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from acuflow.audit.models import SecurityKind
from acuflow.audit.services import security_event, security_events_deferred

type Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _trusted(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The client's address. X-Forwarded-For counts only when the connection comes from
    a trusted proxy (`TRUSTED_PROXIES`); it is read from the right, skipping trusted
    proxies, so an address the client wrote into the header itself is never taken."""
    remote = request.META.get("REMOTE_ADDR") or None
    networks = _trusted(tuple(settings.TRUSTED_PROXIES))
    if remote is None or not networks or not _is_trusted(remote, networks):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote  # a garbled header: the proxy is all we know
        if not _is_trusted(hop, networks):
            return hop
    return remote


def axes_client_address(request: HttpRequest) -> str | None:
    """django-axes counts failures per this address (AXES_CLIENT_IP_CALLABLE)."""
    return client_address(request)


PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "interest-cohort=(), browsing-topics=()"
)


def _private(request: HttpRequest) -> bool:
    """Responses that may carry patient data: signed-in staff, the API, the portal,
    patients' one-time questionnaire links."""
    user = getattr(request, "user", None)
    path = request.path
    return bool(
        (user is not None and user.is_authenticated)
        or path.startswith("/api/")
        or "/portal/" in path
        or "/questionnaire/" in path
    )


class SecurityMiddleware:
    """Outermost acuflow middleware. Security events recorded while handling the request
    are written after it; a 403 to signed-in staff that nothing recorded more precisely
    is written as a refused access to the path. Private responses get
    `Cache-Control: no-store`; every response a Permissions-Policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with security_events_deferred() as pending:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            if response.status_code == 403 and not pending and user and user.is_authenticated:
                membership = getattr(user, "membership", None)
                security_event(
                    kind=SecurityKind.ACCESS_REFUSED,
                    reason="forbidden",
                    clinic_id=membership.clinic_id if membership is not None else None,
                    user_id=user.pk,
                    actor_label=user.email,
                    target_type="path",
                    target_id=request.path[:64],
                    path=request.path,
                    client_address=client_address(request),
                )
        if _private(request):
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
