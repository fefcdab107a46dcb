from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core.actor import client_address
from acuflow.core.errors import DomainError, domain_status
from acuflow.portal import rules, sections, selectors, services
from acuflow.portal.decorators import COOKIE, portal_view
from acuflow.portal.forms import LinkRequestForm, PasswordSignInForm, SetPasswordForm
from acuflow.protocols.models import Course
from acuflow.reports.services import filename, report_pdf
from acuflow.scheduling import selectors as scheduling
from acuflow.scheduling.models import Appointment, Status
from acuflow.scheduling.services import SchedulingError, appointment_cancel, appointment_move


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


# -- appointments: cancel and reschedule inside the clinic's policy --------------------
RESCHEDULE_DAYS = 21
RESCHEDULE_SLOTS = 40


def _own_appointment(request: HttpRequest, appointment_id: int):  # type: ignore[no-untyped-def]
    patient = request.portal_patient  # type: ignore[attr-defined]
    appointment = (
        Appointment.objects.filter(pk=appointment_id, patient=patient, status=Status.BOOKED)
        .select_related("practitioner__user", "type", "clinic")
        .first()
    )
    if appointment is None:
        raise Http404("appointment not found")
    return appointment


@portal_view()
def cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _own_appointment(request, appointment_id)
    if not sections.may_change(request.portal_patient, appointment):  # type: ignore[attr-defined]
        return render(request, "portal/too_late.html", {"appointment": appointment}, status=409)
    error = ""
    if request.method == "POST":
        note = request.POST.get("reason", "").strip()[:200]
        try:
            appointment_cancel(
                actor=request.portal_actor,  # type: ignore[attr-defined]
                appointment=appointment,
                reason=("patient (portal): " + note) if note else "patient (portal)",
                late_cancel=False,
            )
        except SchedulingError as exc:
            error = exc.detail
        else:
            messages.success(request, _("Your appointment is cancelled."))
            return redirect("portal:home")
    return render(request, "portal/cancel.html", {"appointment": appointment, "error": error})


@portal_view()
def reschedule(request: HttpRequest, appointment_id: int) -> HttpResponse:
    patient = request.portal_patient  # type: ignore[attr-defined]
    appointment = _own_appointment(request, appointment_id)
    if not sections.may_change(patient, appointment):
        return render(request, "portal/too_late.html", {"appointment": appointment}, status=409)
    now = timezone.now()
    # Only times outside the late-cancellation window, so a new time can be changed again.
    hours = scheduling.schedule_settings(patient.clinic).late_cancel_hours
    earliest = now + dt.timedelta(hours=hours)
    slots = scheduling.free_slots(
        clinic=patient.clinic,
        practitioner=appointment.practitioner,
        type=appointment.type,
        start=earliest,
        end=earliest + dt.timedelta(days=RESCHEDULE_DAYS),
        now=now,
        exclude_id=appointment.pk,
    )[:RESCHEDULE_SLOTS]
    error = ""
    if request.method == "POST":
        chosen = request.POST.get("start", "")
        match = next((s for s in slots if s.start.isoformat() == chosen), None)
        if match is None:
            error = _("That time is no longer free. Choose another one.")
        else:
            try:
                appointment_move(
                    actor=request.portal_actor,  # type: ignore[attr-defined]
                    appointment=appointment,
                    start=match.start,
                    now=now,
                )
            except SchedulingError as exc:
                error = exc.detail
            else:
                messages.success(request, _("Your appointment has a new time."))
                return redirect("portal:home")
    return render(
        request,
        "portal/reschedule.html",
        {"appointment": appointment, "slots": slots, "error": error},
        status=409 if error else 200,
    )


@portal_view()
def report(request: HttpRequest, course_id: int) -> HttpResponse:
    patient = request.portal_patient  # type: ignore[attr-defined]
    course = Course.objects.filter(pk=course_id, patient=patient).select_related("patient").first()
    if course is None:
        raise Http404("course not found")
    try:
        pdf = report_pdf(course, kind="progress", subject=f"patient:{patient.pk}")
    except DomainError as exc:  # rate_limited: too many renders in a minute
        response = HttpResponse(
            exc.message, status=domain_status(exc.code), content_type="text/plain; charset=utf-8"
        )
        if exc.retry_after is not None:
            response["Retry-After"] = str(exc.retry_after)
        return response
    with transaction.atomic():
        audit_record(
            actor=request.portal_actor,  # type: ignore[attr-defined]
            action=Action.EXPORT,
            patient=patient,
            object_type="reports.progress",
            object_id=str(course.pk),
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename(course, "progress")}"'
    return response
