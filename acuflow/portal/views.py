from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from acuflow.core.actor import client_address
from acuflow.portal import rules, sections, selectors, services
from acuflow.portal.decorators import COOKIE, portal_view
from acuflow.portal.forms import LinkRequestForm, PasswordSignInForm, SetPasswordForm


def _signed_in(session_and_key: tuple, target: str = "portal:home") -> HttpResponse:  # type: ignore[type-arg]
    _session, key = session_and_key
    response = redirect(target)
    response.set_cookie(
        COOKIE,
        key,
        max_age=int(rules.SESSION_MAX.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        path="/",
    )
    return response


@portal_view(optional=True)
def home(request: HttpRequest) -> HttpResponse:
    patient = request.portal_patient  # type: ignore[attr-defined]
    if patient is None:
        return render(
            request,
            "portal/sign_in.html",
            {"link_form": LinkRequestForm(), "password_form": PasswordSignInForm()},
        )
    actor = request.portal_actor  # type: ignore[attr-defined]
    selectors.portal_page_viewed(actor=actor, patient=patient, page="home")
    context = {"patient": patient, "sections": sections.home_sections(request, actor, patient)}
    return render(request, "portal/home.html", context)


@never_cache
@require_POST
def request_link(request: HttpRequest) -> HttpResponse:
    form = LinkRequestForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "portal/sign_in.html",
            {"link_form": form, "password_form": PasswordSignInForm()},
            status=400,
        )

    def make_url(token: str, language: str) -> str:
        with translation.override(language):
            return request.build_absolute_uri(reverse("portal:sign_in", args=[token]))

    allowed = services.sign_in_links_send(
        email=form.cleaned_data["email"], client_address=client_address(request), make_url=make_url
    )
    if not allowed:
        return render(request, "portal/throttled.html", status=429)
    return render(request, "portal/link_sent.html", {"email": form.cleaned_data["email"]})


@never_cache
def sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST uses the link: mail scanners that open links must not use
    up the patient's one-time link."""
    if request.method == "POST":
        started = services.sign_in_link_use(token=token)
        if started is None:
            return render(request, "portal/link_invalid.html", status=410)
        return _signed_in(started)
    link = services.sign_in_link_find(token=token)
    if link is None:
        return render(request, "portal/link_invalid.html", status=410)
    return render(request, "portal/confirm.html", {"clinic": link.patient.clinic})


@never_cache
@require_POST
def password_sign_in(request: HttpRequest) -> HttpResponse:
    form = PasswordSignInForm(request.POST)
    status = 400
    if form.is_valid():
        result = services.password_sign_in(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
            client_address=client_address(request),
        )
        if result is False:
            return render(request, "portal/throttled.html", status=429)
        if isinstance(result, tuple):
            return _signed_in(result)
        form.add_error(
            None,
            _(
                "That email address and password do not match. You can ask for a sign-in link instead."
            ),
        )
        status = 401
    return render(
        request,
        "portal/sign_in.html",
        {"link_form": LinkRequestForm(), "password_form": form},
        status=status,
    )


@require_POST
@portal_view()
def sign_out(request: HttpRequest) -> HttpResponse:
    services.session_end(session=request.portal_session)  # type: ignore[attr-defined]
    response = redirect("portal:home")
    response.delete_cookie(COOKIE, path="/")
    messages.success(request, _("You are signed out."))
    return response


@portal_view()
def account(request: HttpRequest) -> HttpResponse:
    patient = request.portal_patient  # type: ignore[attr-defined]
    actor = request.portal_actor  # type: ignore[attr-defined]
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_password_set(
                actor=actor, patient=patient, password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            messages.success(request, _("Your password is saved."))
            return redirect("portal:home")
    account = getattr(patient, "portal_account", None)
    return render(request, "portal/account.html", {"form": form, "account": account})


@portal_view()
def access_log(request: HttpRequest) -> HttpResponse:
    patient = request.portal_patient  # type: ignore[attr-defined]
    actor = request.portal_actor  # type: ignore[attr-defined]
    selectors.portal_page_viewed(actor=actor, patient=patient, page="access_log")
    rows = selectors.access_log_for_patient(patient=patient)
    return render(request, "portal/access_log.html", {"patient": patient, "rows": rows})
