"""`staff_view`: staff pages. Whether the request's user is signed in at all (both
factors where owed) is decided by the one gate, `acuflow.accounts.gate`, for every
channel; this decorator sends whoever is not to the right step, checks the clinic
membership and role, and hands the view an Actor."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest

from acuflow.accounts.gate import Owed, pending_owed
from acuflow.core.actor import actor_from_request
from acuflow.core.errors import DomainError

View = Callable[..., HttpResponse]

_STEP_URL = {Owed.VERIFY: "accounts:verify", Owed.SETUP: "accounts:setup"}


def staff_view(*, owner: bool = False, clinical: bool = False) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                owed = pending_owed(request)
                step = _STEP_URL[owed] if owed is not None else None
                return redirect_to_login(request.get_full_path(), step)
            try:
                actor = actor_from_request(request)
            except Http404:
                raise Http404("You are not a member of a clinic.")
            except DomainError as exc:  # an X-On-Behalf-Of that names nobody allowed
                return HttpResponseBadRequest(exc.message)
            if owner:
                actor.require_owner()
            if clinical:
                actor.require_clinical()
            request.actor = actor  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
