"""Who is acting, for which clinic, through which channel: passed to every service and
selector so that scoping and auditing never depend on a view remembering to do them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from acuflow.core import security
from acuflow.core.errors import DomainError

if TYPE_CHECKING:
    from acuflow.accounts.models import Clinic, Membership, Practitioner, User


@dataclass(frozen=True)
class Actor:
    user: User | None
    clinic: Clinic
    role: str
    channel: str = "web"
    client_address: str | None = None
    path: str = ""
    on_behalf_of: str = ""

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"

    @property
    def sees_clinical(self) -> bool:
        return self.role in {"owner", "practitioner"}

    @property
    def label(self) -> str:
        if self.user is None:
            return "system"
        return f"{self.user.email} ({self.role})"

    @property
    def practitioner(self) -> Practitioner | None:
        if self.user is None:
            return None
        try:
            return self.user.practitioner
        except Exception:  # RelatedObjectDoesNotExist
            return None

    def require_clinical(self) -> None:
        if not self.sees_clinical:
            raise PermissionDenied("clinical content is for practitioners only")

    def require_owner(self) -> None:
        if not self.is_owner:
            raise PermissionDenied("only the clinic owner may do this")

    @classmethod
    def system(cls, clinic: Clinic, *, label: str = "system") -> Actor:
        return cls(user=None, clinic=clinic, role="system", channel="system", on_behalf_of=label)


def client_address(request: HttpRequest) -> str | None:
    return security.client_address(request)


# Roles that may have others act on their behalf (reception books for a practitioner).
DELEGATING_ROLES = frozenset({"owner", "practitioner"})


def on_behalf_of(request: HttpRequest, membership: Membership) -> str:
    """Whom the request acts for: by default the clinic; with `X-On-Behalf-Of: EMAIL`,
    an active member of the same clinic whose role may delegate. Anything else is
    refused (400), never written unchecked into the audit trail."""
    named = request.headers.get("X-On-Behalf-Of", "").strip()
    if not named:
        return membership.clinic.name[:200]
    delegate = (
        membership.clinic.memberships.filter(
            user__email__iexact=named, user__is_active=True, role__in=DELEGATING_ROLES
        )
        .select_related("user")
        .first()
    )
    if delegate is None:
        raise DomainError(
            "invalid_on_behalf_of",
            _("X-On-Behalf-Of must name an owner or practitioner of your clinic."),
            "X-On-Behalf-Of",
        )
    return f"{delegate.user.email} ({delegate.role})"[:200]


def membership_of(user: User) -> Membership:
    try:
        return user.membership
    except Exception:
        raise Http404("no clinic")


def actor_from_request(
    request: HttpRequest, *, channel: str = "web", user: User | None = None
) -> Actor:
    """The acting staff member. Users without a clinic are treated as unknown (404)."""
    user = user if user is not None else request.user  # type: ignore[assignment]
    if user is None or not user.is_authenticated:
        raise PermissionDenied("not signed in")
    membership = membership_of(user)
    return Actor(
        user=user,
        clinic=membership.clinic,
        role=membership.role,
        channel=channel,
        client_address=client_address(request),
        path=request.path[:300],
        on_behalf_of=on_behalf_of(request, membership),
    )
