"""Public online booking (/<lang>/book/<clinic-slug>/) and waitlist offers.

A new patient picks a kind of visit, optionally a practitioner, and a free slot, and
gives contact details, the intake basics and answers to the red-flag questions. Any
"yes" turns the booking into a call-back request for staff: no slot is booked.

Spam: a honeypot field, a minimum time between showing and sending the form (signed
timestamp, so it cannot be forged), and a per-address rate limit (the one throttle,
acuflow.core.throttle, shared by all workers).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from acuflow.accounts.middleware import activate_clinic_zone
from acuflow.accounts.models import Clinic, Practitioner
from acuflow.assessment.services import screen_offer_record
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core import throttle
from acuflow.core.actor import Actor, client_address
from acuflow.core.languages import is_language
from acuflow.core.validators import parse_clinical_date
from acuflow.patients.models import Patient
from acuflow.patients.services import patient_create
from acuflow.scheduling import rules, selectors, services
from acuflow.scheduling.forms import RED_FLAG_CODES, OnlineBookingForm
from acuflow.scheduling.models import AppointmentType, BookingRequest, Source, WaitlistOffer

MIN_FILL_SECONDS = 3
MAX_FORM_AGE = 2 * 60 * 60
SUBMISSIONS = throttle.Rate("online-booking", 5, dt.timedelta(hours=1))  # per address, clinic
SALT = "acuflow.scheduling.online"


def _clinic(slug: str) -> Clinic:
    clinic = get_object_or_404(Clinic, slug=slug)
    if not selectors.schedule_settings(clinic).online_booking:
        raise Http404("online booking is closed")
    activate_clinic_zone(clinic)  # slot and booking times in the clinic's zone
    return clinic


def _actor(request: HttpRequest, clinic: Clinic) -> Actor:
    return Actor(
        user=None,
        clinic=clinic,
        role="system",
        channel="online",
        client_address=client_address(request),
        path=request.path[:300],
        on_behalf_of="online booking",
    )


def _rate_limited(request: HttpRequest, clinic: Clinic) -> bool:
    subject = f"{clinic.pk}:{client_address(request) or '-'}"
    return not throttle.attempt(SUBMISSIONS, subject).allowed


def _form_age(token: str) -> float | None:
    try:
        shown = signing.TimestampSigner(salt=SALT).unsign(token, max_age=MAX_FORM_AGE)
        return timezone.now().timestamp() - float(shown)
    except (signing.BadSignature, ValueError):
        return None


def _shown_token() -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(timezone.now().timestamp()))


def _slots(
    clinic: Clinic, type: AppointmentType, practitioner: Practitioner | None, day: dt.date
) -> list[tuple[str, dt.datetime, Practitioner]]:
    """Free slots on one day; without a preference the first free practitioner per time."""
    zone = selectors.clinic_zone(clinic)
    today = timezone.now().astimezone(zone).date()
    ahead = selectors.schedule_settings(clinic).online_days_ahead
    if not (today <= day <= today + dt.timedelta(days=ahead)):
        return []
    start = rules.local_instant(day, dt.time(0), zone)
    end = rules.local_instant(day + dt.timedelta(days=1), dt.time(0), zone)
    candidates = [practitioner] if practitioner else selectors.practitioners_for_type(clinic, type)
    seen: dict[dt.datetime, Practitioner] = {}
    for who in candidates:
        for slot in selectors.free_slots(
            clinic=clinic, practitioner=who, type=type, start=start, end=end
        ):
            seen.setdefault(slot.start, who)
    return [
        (f"{s.isoformat()}|{who.pk}", s.astimezone(zone), who) for s, who in sorted(seen.items())
    ]


def booking_slots(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = _clinic(clinic_slug)
    found: list[Any] = []
    type_obj = (
        selectors.appointment_types(clinic)
        .filter(online=True, pk=_int(request.GET.get("type")))
        .first()
    )
    practitioner = (
        Practitioner.objects.filter(clinic=clinic, pk=_int(request.GET.get("practitioner")))
        .select_related("user")
        .first()
    )
    day = parse_clinical_date(request.GET.get("date", ""))
    if type_obj is not None and day is not None:
        found = _slots(clinic, type_obj, practitioner, day)
    return render(
        request,
        "scheduling/public/_slots.html",
        {"slots": found, "asked": type_obj is not None and day is not None},
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def booking(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = _clinic(clinic_slug)
    form = OnlineBookingForm(request.POST or None, clinic=clinic)
    status = 200
    if request.method == "POST":
        if _rate_limited(request, clinic):
            return render(request, "scheduling/public/limited.html", {"clinic": clinic}, status=429)
        if request.POST.get("website"):
            # A bot filled the hidden field: answer as if all went well, book nothing.
            return render(request, "scheduling/public/done.html", {"clinic": clinic})
        age = _form_age(request.POST.get("shown", ""))
        if age is None or age < MIN_FILL_SECONDS:
            form.add_error(None, _("Please check your answers and send the form again."))
        elif form.is_valid():
            result = _submit(request, clinic, form)
            if isinstance(result, BookingRequest):
                token = signing.dumps({"r": result.pk}, salt=SALT)
                return redirect("scheduling_public:done", clinic_slug=clinic.slug, token=token)
            form.add_error("slot", result)
        status = 422
    form.initial["shown"] = _shown_token()
    if "shown" in form.data:
        data = form.data.copy()  # type: ignore[attr-defined]
        data["shown"] = form.initial["shown"]
        form.data = data
    return render(
        request,
        "scheduling/public/book.html",
        {"clinic": clinic, "form": form, "today": timezone.now().date()},
        status=status,
    )


def _submit(request: HttpRequest, clinic: Clinic, form: OnlineBookingForm) -> BookingRequest | str:
    data = form.cleaned_data
    start, practitioner_id = data["slot"]
    practitioner = Practitioner.objects.filter(clinic=clinic, pk=practitioner_id).first()
    chosen = data.get("practitioner")
    if practitioner is None or (chosen is not None and chosen.pk != practitioner.pk):
        return _("Choose a time.")
    actor = _actor(request, clinic)
    red_flags = form.red_flags()
    try:
        with transaction.atomic():
            patient = _patient(actor, data)
            appointment = None
            if not any(red_flags.values()):
                appointment = services.appointment_book(
                    actor=actor,
                    patient=patient,
                    practitioner=practitioner,
                    type=data["type"],
                    start=start,
                    source=Source.ONLINE,
                )
            intake = BookingRequest(
                clinic=clinic,
                patient=patient,
                type=data["type"],
                practitioner=practitioner,
                wanted_start=start,
                appointment=appointment,
                complaint=data["complaint"],
                onset=data["onset"],
                red_flags=red_flags,
            )
            intake.full_clean()
            intake.save()
            screen_offer_record(
                patient=patient,
                red_flags=[RED_FLAG_CODES[k] for k, yes in red_flags.items() if yes],
                answers=red_flags,
                source="online_booking",
            )
            audit_record(actor=actor, action=Action.CREATE, patient=patient, obj=intake)
    except services.SchedulingError as exc:
        if exc.code == "slot_taken":
            return _("Someone else just booked that time. Please choose another.")
        return exc.detail
    return intake


def _patient(actor: Actor, data: dict[str, Any]) -> Patient:
    """The clinic's current patient (not a merged duplicate) with this name, birth date
    and email, or a new one."""
    existing = (
        Patient.objects.current()
        .filter(
            clinic=actor.clinic,
            family_name__iexact=data["family_name"].strip(),
            given_name__iexact=data["given_name"].strip(),
            birth_date=data["birth_date"],
            email__iexact=data["email"].strip(),
        )
        .first()
    )
    if existing is not None:
        return existing
    language = translation.get_language() or actor.clinic.language
    return patient_create(
        actor=actor,
        given_name=data["given_name"],
        family_name=data["family_name"],
        birth_date=data["birth_date"],
        sex=data["sex"],
        language=language if is_language(language) else actor.clinic.language,
        email=data["email"],
        phone=data["phone"],
    )


def booking_done(request: HttpRequest, clinic_slug: str, token: str) -> HttpResponse:
    clinic = _clinic(clinic_slug)
    try:
        ref = signing.loads(token, salt=SALT, max_age=24 * 60 * 60)
    except signing.BadSignature:
        raise Http404("unknown booking")
    intake = (
        BookingRequest.objects.filter(clinic=clinic, pk=ref.get("r"))
        .select_related("appointment__practitioner__user", "appointment__location", "type")
        .first()
    )
    if intake is None:
        raise Http404("unknown booking")
    zone = selectors.clinic_zone(clinic)
    appointment = intake.appointment
    return render(
        request,
        "scheduling/public/done.html",
        {
            "clinic": clinic,
            "intake": intake,
            "appointment": appointment,
            "local_start": appointment.start.astimezone(zone) if appointment else None,
        },
    )


def offer(request: HttpRequest, token: str) -> HttpResponse:
    """A waitlist offer: take the freed slot, or pass it on to the next in line."""
    found = (
        WaitlistOffer.objects.filter(token=token)
        .select_related("entry__clinic", "entry__type", "entry__practitioner__user")
        .first()
    )
    if found is None:
        raise Http404("unknown offer")
    error = ""
    if request.method == "POST":
        try:
            found = services.waitlist_answer(
                offer=found, accept=request.POST.get("answer") == "yes"
            )
        except services.SchedulingError as exc:
            error = exc.detail
    clinic = found.entry.clinic
    activate_clinic_zone(clinic)
    return render(
        request,
        "scheduling/public/offer.html",
        {
            "offer": found,
            "clinic": clinic,
            "local_start": found.start.astimezone(selectors.clinic_zone(clinic)),
            "open": found.status == WaitlistOffer.State.OPEN and found.expires_at > timezone.now(),
            "error": error,
        },
    )
