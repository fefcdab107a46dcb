"""`portal_view`: the gate for the patient's own pages. It reads the portal cookie (never
the staff session or request.user), shows times in the clinic's timezone and hands the
view `request.portal_patient` and `request.portal_actor`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache

from acuflow.accounts.middleware import activate_clinic_zone
from acuflow.portal import services
from acuflow.portal.actor import patient_actor

COOKIE = "acuflow_portal"

View = Callable[..., HttpResponse]


def current_session(request: HttpRequest):  # type: ignore[no-untyped-def]
    return services.session_for_key(request.COOKIES.get(COOKIE, ""))


def portal_view(*, optional: bool = False) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @never_cache
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            session = current_session(request)
            if session is None:
                request.portal_session = None  # type: ignore[attr-defined]
                request.portal_patient = None  # type: ignore[attr-defined]
                request.portal_actor = None  # type: ignore[attr-defined]
                if not optional:
                    return redirect("portal:home")
                response = view(request, *args, **kwargs)
                if COOKIE in request.COOKIES:
                    response.delete_cookie(COOKIE, path="/")
                return response
            patient = session.patient
            request.portal_session = session  # type: ignore[attr-defined]
            request.portal_patient = patient  # type: ignore[attr-defined]
            request.portal_actor = patient_actor(request, patient)  # type: ignore[attr-defined]
            activate_clinic_zone(patient.clinic)
            try:
                return view(request, *args, **kwargs)
            finally:
                timezone.deactivate()

        return wrapper

    return decorator
