"""`staff_view`: the one gate for staff pages. Signed in, member of a clinic, second
factor verified where the user has one or the clinic demands one; hands the view an Actor."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from acuflow.core.actor import actor_from_request

View = Callable[..., HttpResponse]


def needs_second_factor(request: HttpRequest) -> str | None:
    """'verify' when the user must enter a code, 'setup' when they must enrol one."""
    from acuflow.accounts.backends import has_second_factor

    user = request.user
    if user.is_verified():  # type: ignore[union-attr]
        return None
    if has_second_factor(user):
        return "verify"
    membership = getattr(user, "membership", None)
    if membership is not None and membership.clinic.require_2fa:
        return "setup"
    return None


def staff_view(*, owner: bool = False, clinical: bool = False) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            step = needs_second_factor(request)
            if step == "verify":
                return redirect_to_login(request.get_full_path(), "accounts:verify")
            if (
                step == "setup"
                and request.resolver_match
                and request.resolver_match.view_name != "accounts:two_factor"
            ):
                return redirect("accounts:two_factor")
            try:
                actor = actor_from_request(request)
            except Http404:
                raise Http404("You are not a member of a clinic.")
            if owner:
                actor.require_owner()
            if clinical:
                actor.require_clinical()
            request.actor = actor  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
