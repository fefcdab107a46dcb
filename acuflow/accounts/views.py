from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth.views import PasswordResetConfirmView, redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from acuflow.accounts import gate
from acuflow.accounts.decorators import staff_view
from acuflow.accounts.forms import (
    ApiTokenForm,
    ClinicSettingsForm,
    LoginForm,
    PasswordLinkForm,
    ProfileForm,
    TokenForm,
)
from acuflow.accounts.models import ApiToken, User
from acuflow.accounts.selectors import api_token_get_for_actor
from acuflow.accounts.services import (
    api_token_issue,
    api_token_revoke,
    clinic_update,
    password_link_request,
)
from acuflow.core.actor import client_address
from acuflow.core.errors import DomainError, add_to_form
from acuflow.core.registry import dashboard_panels


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


def _next_step(owed: gate.Owed, next_url: str) -> HttpResponse:
    step = "accounts:verify" if owed == gate.Owed.VERIFY else "accounts:setup"
    return redirect_to_login(next_url, step)


def login_view(request: HttpRequest) -> HttpResponse:
    """The one sign-in form (the admin's sign-in redirects here). A right password signs
    in only when no second factor is owed; otherwise it starts the pending half-step."""
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            email=form.cleaned_data["email"].lower(),
            password=form.cleaned_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            return render(request, "accounts/locked.html", status=429)
        if user is not None:
            owed = gate.second_factor_owed(user, verified=False)
            if owed is None:
                gate.sign_in(request, user)
                return redirect(_next_url(request))
            gate.pending_begin(request, user, owed)
            return _next_step(owed, _next_url(request))
        form.add_error(None, _("That email and password do not match an account."))
    context = {"form": form, "next": _next_url(request), "ended": _ended_notice(request)}
    return render(request, "accounts/login.html", context)


def _ended_notice(request: HttpRequest) -> str:
    ended = request.session.pop(gate.ENDED, "") if request.method == "GET" else ""
    if ended == "idle":
        return _("You were signed out after %(minutes)d minutes without activity.") % {
            "minutes": settings.SESSION_IDLE_MINUTES
        }
    if ended == "lifetime":
        return _("You were signed out: a session lasts at most %(hours)d hours.") % {
            "hours": settings.SESSION_ABSOLUTE_HOURS
        }
    return ""


def password_reset_view(request: HttpRequest) -> HttpResponse:
    """Ask for a link to set a new password. The answer is the same whether or not the
    address has an account, so the page tells nobody who works where."""
    form = PasswordLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_link_request(
            email=form.cleaned_data["email"],
            client_address=client_address(request),
            base_url=request.build_absolute_uri("/"),
        )
        return render(request, "accounts/password_reset_sent.html")
    return render(request, "accounts/password_reset.html", {"form": form})


class PasswordSetView(PasswordResetConfirmView):
    """The link's page: Django's own view (it moves the token out of the URL into the
    session before showing the form, and refuses used or expired links)."""

    template_name = "accounts/password_set.html"
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is set. Sign in with it now."))
        return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


def verify_view(request: HttpRequest) -> HttpResponse:
    """Second step of sign-in: the code from the authenticator app."""
    user = gate.pending_user(request)
    if user is None or gate.pending_owed(request) != gate.Owed.VERIFY:
        return redirect_to_login(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            gate.sign_in(request, user, device)
            return redirect(_next_url(request))
        form.add_error("token", _("That code is not right. Codes change every 30 seconds."))
    return render(request, "accounts/verify.html", {"form": form, "next": _next_url(request)})


def _enrolment(request: HttpRequest, user: User) -> tuple[TOTPDevice | None, dict[str, Any]]:
    """Show a new authenticator's QR code and confirm it with its first code. Returns
    the device once confirmed, and the page's context."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "authenticator"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            return device, {}
        form.add_error("token", _("That code is not right. Codes change every 30 seconds."))
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4)
    membership = getattr(user, "membership", None)
    return None, {
        "enabled": False,
        "form": form,
        "qr": qr,
        "secret": device.bin_key.hex(),
        "required": membership is not None and membership.clinic.require_2fa,
        "next": _next_url(request),
    }


def setup_view(request: HttpRequest) -> HttpResponse:
    """Second step of sign-in for staff of a clinic that requires two factors and who
    have no authenticator yet: enrol one; its first code completes the sign-in."""
    user = gate.pending_user(request)
    if user is None or gate.pending_owed(request) != gate.Owed.SETUP:
        return redirect_to_login(_next_url(request))
    device, context = _enrolment(request, user)
    if device is not None:
        gate.sign_in(request, user, device)
        messages.success(request, _("Two-factor authentication is on."))
        return redirect(_next_url(request))
    return render(request, "accounts/two_factor.html", {**context, "pending": True})


@staff_view()
def two_factor_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if confirmed is not None:
        return render(request, "accounts/two_factor.html", {"enabled": True})
    device, context = _enrolment(request, user)  # type: ignore[arg-type]
    if device is not None:
        gate.second_factor_given(request, device)
        messages.success(request, _("Two-factor authentication is on."))
        return redirect("accounts:profile")
    return render(request, "accounts/two_factor.html", context)


def admin_login_view(request: HttpRequest) -> HttpResponse:
    """The admin's sign-in page is the staff one: same form, lockout and second factor."""
    target = _next_url(request)
    return redirect_to_login("/admin/" if target == "/" else target)


@staff_view()
def profile_view(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("accounts:profile")
    has_2fa = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    return render(request, "accounts/profile.html", {"form": form, "has_2fa": has_2fa})


@staff_view()
def tokens_view(request: HttpRequest) -> HttpResponse:
    """My API tokens: issue one (shown once; with a code from the authenticator when the
    user has one), see when each was last used, revoke one."""
    user = request.user
    has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    form = ApiTokenForm(request.POST or None, needs_code=has_device)
    issued = ""
    if request.method == "POST" and form.is_valid():
        checked = has_device and match_token(user, form.cleaned_data["code"]) is not None
        if has_device and not checked:
            form.add_error("code", _("That code is not right. Codes change every 30 seconds."))
        else:
            try:
                _token, issued = api_token_issue(
                    user=user,  # type: ignore[arg-type]
                    name=form.cleaned_data["name"],
                    lifetime=dt.timedelta(days=form.cleaned_data["days"]),
                    second_factor_checked=checked,
                )
                form = ApiTokenForm(needs_code=has_device)
            except DomainError as exc:
                add_to_form(form, exc)
    tokens = ApiToken.objects.filter(user=user)  # type: ignore[misc]
    context = {"form": form, "issued": issued, "tokens": tokens}
    return render(request, "accounts/tokens.html", context)


@staff_view()
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = api_token_get_for_actor(actor=request.actor, token_id=token_id)  # type: ignore[attr-defined]
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    api_token_revoke(token=token)
    messages.success(request, _("The token is revoked."))
    return redirect("accounts:tokens")


@staff_view(owner=True)
def settings_view(request: HttpRequest) -> HttpResponse:
    clinic = request.actor.clinic  # type: ignore[attr-defined]
    form = ClinicSettingsForm(request.POST or None, instance=clinic)
    if request.method == "POST" and form.is_valid():
        clinic_update(clinic=clinic, data={f: form.cleaned_data[f] for f in form.changed_data})
        messages.success(request, _("Clinic settings saved."))
        return redirect("accounts:settings")
    staff = clinic.memberships.select_related("user", "user__practitioner").order_by(
        "user__full_name"
    )
    return render(request, "accounts/settings.html", {"form": form, "staff": staff})


@staff_view()
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    context = {
        "panels": [panel for panel in dashboard_panels(request, actor) if panel],
    }
    return render(request, "core/dashboard.html", context)
