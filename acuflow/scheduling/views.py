"""Staff pages: day/week calendars per practitioner and per location (htmx, drag to
move), booking, one appointment, working hours, types, waitlist and online intakes.
Reception manages appointments; clinical intake answers are for clinicians only."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from acuflow.accounts.decorators import staff_view
from acuflow.accounts.models import Location, Practitioner
from acuflow.accounts.selectors import locations_of, practitioners_of
from acuflow.assessment import catalogue as assessment_catalogue
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record, audit_shown
from acuflow.core import timezones
from acuflow.core.errors import DomainError, add_to_form
from acuflow.core.formats import short_date
from acuflow.core.languages import text_for
from acuflow.core.validators import parse_clinical_date
from acuflow.patients.models import Patient
from acuflow.patients.selectors import patient_get_for_actor
from acuflow.protocols.selectors import courses_on_patient_page
from acuflow.scheduling import calendar_layout, courses, forms, ics, rules, selectors, services
from acuflow.scheduling.models import (
    Appointment,
    AppointmentType,
    BookingRequest,
    ScheduleException,
    Status,
    WaitlistEntry,
    WorkingHours,
)


def _day(text: str | None, zone: Any) -> dt.date:
    """The day a calendar URL asks for: today without one; a malformed day, or one
    outside 1900..2100 (a week around year 1 cannot be computed), is a 404."""
    if not text:
        return timezone.now().astimezone(zone).date()
    day = parse_clinical_date(text)
    if day is None:
        raise Http404("no such day")
    return day


def _url_for_pk(name: str) -> Callable[[int], str]:
    """The URL named `name` for any primary key, from one reverse() (for pages that
    link every row of a list)."""
    sentinel = "987654321"
    pattern = reverse(name, args=[sentinel])
    return lambda pk: pattern.replace(sentinel, str(pk))


def _one_of[T: Location | Practitioner](items: list[T], raw: str, what: str) -> T:
    try:
        pk = int(raw)
    except ValueError:
        raise Http404(f"{what} not found")
    for item in items:
        if item.pk == pk:
            return item
    raise Http404(f"{what} not found")


def _calendar_context(request: HttpRequest) -> dict[str, Any]:
    actor = request.actor  # type: ignore[attr-defined]
    clinic = actor.clinic
    zone = selectors.clinic_zone(clinic)
    view = "day" if request.GET.get("view") == "day" else "week"
    day = _day(request.GET.get("date"), zone)
    practitioners = practitioners_of(clinic)
    locations: list[Location] = []
    location: Location | None = None
    practitioner: Practitioner | None = None
    # Picked from the clinic's lists just read (404 for anything else): no query of its own.
    if request.GET.get("location"):
        locations = locations_of(clinic)
        location = _one_of(locations, request.GET["location"], "location")
    elif request.GET.get("practitioner"):
        practitioner = _one_of(practitioners, request.GET["practitioner"], "practitioner")
    else:
        own = actor.practitioner
        practitioner = own if own is not None else (practitioners[0] if practitioners else None)
    if practitioner is None and not locations:
        locations = locations_of(clinic)  # the page offers them only without a practitioner
    first = day if view == "day" else day - dt.timedelta(days=day.weekday())
    last = first if view == "day" else first + dt.timedelta(days=6)
    start = rules.local_instant(first, dt.time(0), zone)
    end = rules.local_instant(last + dt.timedelta(days=1), dt.time(0), zone)
    shown = [practitioner] if practitioner else practitioners
    appointments = selectors.calendar_rows(
        actor=actor,
        start=start,
        end=end,
        practitioner_id=practitioner.pk if practitioner else None,
        location_id=location.pk if location else None,
    )
    audit_shown(  # the appointments shown, each against its patient
        actor=actor,
        object_type="scheduling.calendar",
        patient_ids=[a["patient_id"] for a in appointments],
        object_ids=[str(a["id"]) for a in appointments],
        detail={"view": view, "date": day.isoformat()},
    )
    # The clinic's closures, read once: they close working windows and name closed days.
    closures = selectors.clinic_closures(clinic, first, last)
    windows = (
        selectors.windows_for_many(shown, first, last, zone=zone, closures=closures)
        if shown
        else {}
    )
    # Columns: days (one practitioner, or a location's week) or practitioners (a location's day)
    columns: list[dict[str, Any]] = []
    if location is not None and view == "day":
        for p in practitioners:
            columns.append({"day": first, "practitioner": p, "label": p.user.full_name})
    else:
        for offset in range((last - first).days + 1):
            d = first + dt.timedelta(days=offset)
            columns.append({"day": d, "practitioner": practitioner, "label": d})
    grid = calendar_layout.Grid.around(
        [(w.start, w.end) for ws in windows.values() for w in ws]
        + [(a["start"], a["end"]) for a in appointments],
        zone=zone,
    )

    # Each block is written here as HTML, escaped: the grid is the calendar's hot loop,
    # and a template costs several times more per block than a format string (the same
    # convention as the outcome chart's marks, outcomes/charts.py).
    open_url = _url_for_pk("scheduling:appointment")
    move_url = _url_for_pk("scheduling:move")
    language = translation.get_language() or ""
    names = {p.pk: p.user.full_name for p in practitioners}
    type_labels: dict[int, str] = {}
    status_labels = {value: str(label) for value, label in Status.choices}

    def block(a: dict[str, Any], box: calendar_layout.Box) -> SafeString:
        type_label = type_labels.get(a["type_id"])
        if type_label is None:
            type_label = type_labels[a["type_id"]] = text_for(
                a["type__names"], language, a["type__name"]
            )
        details = [type_label]
        if practitioner is None:
            details.append(names[a["practitioner_id"]])
        if a["room_id"]:
            details.append(a["room__name"])
        status = a["status"]
        if status != Status.BOOKED:
            details.append(status_labels.get(status, status))
        pk = a["id"]
        drag = (
            f' draggable="true" data-move-url="{escape(move_url(pk))}"'
            f' data-practitioner="{a["practitioner_id"]}"'
            if status == Status.BOOKED
            else ""
        )
        patient = f"{a['patient__given_name']} {a['patient__family_name']}"
        return mark_safe(  # noqa: S308 - every value is escaped or a number written here
            f'<a class="cal-appt status-{escape(status)}" href="{escape(open_url(pk))}" '
            f'style="{box.style}"{drag}>\n'
            f"<strong>{a['start'].astimezone(zone):%H:%M}</strong> {escape(patient)}\n"
            f'<span class="muted">{escape(" · ".join(details))}</span>\n</a>'
        )

    closed = selectors.closed_days(clinic, first, last, closures=closures)
    by_day: dict[dt.date, list[dict[str, Any]]] = {}
    for a in appointments:
        by_day.setdefault(a["start"].astimezone(zone).date(), []).append(a)
    # The columns too are written here, escaped, for the same reason as the blocks: seven
    # columns of date filters, loops and conditions cost the template more than the rest
    # of the page. Numbers in styles come as strings from calendar_layout (never a
    # decimal comma); dates are formatted as the template's `date` filter does.
    grid_style = grid.height_style
    closed_title = escape(pgettext("clinic day", "Closed"))
    by_location_day = location is not None and view == "day"
    month_day_format = get_format("MONTH_DAY_FORMAT")  # the `date` filter's, looked up once
    html: list[str] = []
    for col in columns:
        col_day = col["day"]
        who = col["practitioner"]
        shown_here = [
            a for a in by_day.get(col_day, ()) if who is None or a["practitioner_id"] == who.pk
        ]
        boxes = grid.place_all([(a["start"], a["end"]) for a in shown_here], day=col_day)
        work = "".join(
            f'<div class="cal-work" style="{grid.place(w.start, w.end, day=col_day).style}"></div>'
            for p_id, ws in windows.items()
            if who is None or p_id == who.pk
            for w in ws
            if w.start.astimezone(zone).date() == col_day
            and (location is None or w.location_id in (None, location.pk))
        )
        items = "".join(block(a, box) for a, box in zip(shown_here, boxes, strict=True))
        month_day = dateformat.format(col_day, month_day_format)
        if who is not None and location is not None:
            label = escape(col["label"])
        else:
            label = escape(f"{dateformat.format(col_day, 'l')} {month_day}")
        head: str = escape(
            col["label"] if by_location_day else f"{dateformat.format(col_day, 'D')}\n{month_day}"
        )
        closed_name = closed.get(col_day, "")
        if closed_name:
            head += f'<span class="cal-closed" title="{closed_title}">{escape(closed_name)}</span>'
        html.append(
            f'\n  <section class="cal-col" aria-label="{label}">\n'
            f'    <h2 class="cal-head">{head}</h2>\n'
            f'    <div class="cal-body" style="{grid_style}" data-day="{col_day.isoformat()}"'
            f' data-practitioner="{who.pk if who is not None else ""}">\n'
            f"      {work}\n      {items}\n    </div>\n  </section>\n  "
        )
    hours = "".join(
        f'<div class="cal-hour" style="{mark["style"]}">{mark["label"]}</div>'
        for mark in grid.hour_marks()
    )
    step = selectors.schedule_settings(clinic).slot_step_minutes
    delta = dt.timedelta(days=1 if view == "day" else 7)
    if practitioner is not None:
        scope = f"&practitioner={practitioner.pk}"
    elif location is not None:
        scope = f"&location={location.pk}"
    else:
        scope = ""
    prev, next_ = day - delta, day + delta
    today = timezone.now().astimezone(zone).date()
    return {
        "view": view,
        "day": day,
        "prev": prev,
        "next": next_,
        "today": today,
        # Links and the drop target's query, built once (the template printed the
        # practitioner-or-location part seven times).
        "prev_query": f"?view={view}&date={prev.isoformat()}{scope}",
        "today_query": f"?view={view}&date={today.isoformat()}{scope}",
        "next_query": f"?view={view}&date={next_.isoformat()}{scope}",
        "move_query": f"view={view}&date={day.isoformat()}{scope}",
        "practitioner": practitioner,
        "location": location,
        "practitioners": practitioners,
        "locations": locations,
        "hours_html": mark_safe(hours),  # noqa: S308 - numbers and hh:mm written here
        "columns_html": mark_safe("".join(html)),  # noqa: S308 - every value escaped above
        # Numbers for HTML come as strings from calendar_layout: printed by the template
        # they would be localised (720,0 in Dutch) and CSS would drop them.
        "closed": closed,
        "grid_style": grid_style,
        **grid.data_attributes,
        "step": str(step),
        "tz": clinic.timezone,
    }


@staff_view()
def calendar(request: HttpRequest) -> HttpResponse:
    context = _calendar_context(request)
    template = "scheduling/_grid.html" if request.htmx else "scheduling/calendar.html"  # type: ignore[attr-defined]
    return render(request, template, context)


# The buttons of a day's line: the steps rules.DAY_FLOW allows from each status.
DAY_BUTTONS: dict[str, list[tuple[str, Any]]] = {
    "booked": [
        ("arrived", gettext_lazy("Arrived")),
        ("no_show", gettext_lazy("No-show")),
        ("late_cancelled", gettext_lazy("Late cancellation")),
    ],
    "arrived": [
        ("in_treatment", gettext_lazy("Start treatment")),
        ("booked", gettext_lazy("Undo")),
    ],
    "in_treatment": [("done", gettext_lazy("Done")), ("arrived", gettext_lazy("Undo"))],
    "done": [("in_treatment", gettext_lazy("Undo"))],
    "no_show": [("booked", gettext_lazy("Undo"))],
}


@staff_view()
def today(request: HttpRequest) -> HttpResponse:
    """The day's list per practitioner and location: who comes when, who is here, who is
    in treatment and who is done, with one click to chart an appointment."""
    actor = request.actor  # type: ignore[attr-defined]
    clinic = actor.clinic
    zone = selectors.clinic_zone(clinic)
    day = _day(request.GET.get("date"), zone)
    practitioners = list(Practitioner.objects.filter(clinic=clinic).select_related("user"))
    locations = list(Location.objects.filter(clinic=clinic))
    practitioner: Practitioner | None = None
    location: Location | None = None
    raw = request.GET.get("practitioner")
    if raw:
        practitioner = _one_of(practitioners, raw, "practitioner")
    elif raw is None and actor.practitioner is not None:
        practitioner = actor.practitioner  # their own day first; "everyone" is one choice away
    if request.GET.get("location"):
        location = _one_of(locations, request.GET["location"], "location")
    rows = selectors.today_list(
        actor=actor,
        day=day,
        practitioner_id=practitioner.pk if practitioner else None,
        location_id=location.pk if location else None,
    )
    if rows:
        audit_record(actor=actor, action=Action.READ, patient=None, object_type="scheduling.today")
    chart_url = _url_for_pk("scheduling:chart")
    session_url = _url_for_pk("charting:session")
    status_url = _url_for_pk("scheduling:status")
    open_url = _url_for_pk("scheduling:appointment")
    lines = []
    for row in rows:
        a = row.appointment
        clinical = actor.sees_clinical and a.type.needs_session
        lines.append(
            {
                "pk": a.pk,
                "time": f"{a.start.astimezone(zone):%H:%M}",
                "end": f"{a.end.astimezone(zone):%H:%M}",
                "patient": a.patient.full_name,
                "patient_id": a.patient_id,
                "type": a.type.label(),
                "practitioner": a.practitioner.user.full_name,
                "room": a.room.name if a.room_id else "",  # type: ignore[union-attr]
                "status": row.day_status,
                "status_label": DAY_LABELS.get(row.day_status, row.day_status),
                "url": open_url(a.pk),
                "status_url": status_url(a.pk),
                "buttons": DAY_BUTTONS.get(row.day_status, []),
                "chart_url": chart_url(a.pk)
                if clinical and row.session_id is None and row.day_status in CHARTABLE
                else "",
                "session_url": session_url(row.session_id)
                if row.session_id and actor.sees_clinical
                else "",
            }
        )
    counts = {key: sum(1 for line in lines if line["status"] == key) for key in DAY_LABELS}
    return render(
        request,
        "scheduling/today.html",
        {
            "day": day,
            "is_today": day == timezone.now().astimezone(zone).date(),
            "prev": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "lines": lines,
            "counts": counts,
            "practitioner": practitioner,
            "location": location,
            "practitioners": practitioners,
            "locations": locations,
            "holiday": selectors.closed_days(clinic, day, day).get(day, ""),
            "here": request.get_full_path(),
        },
    )


DAY_LABELS = {
    "booked": gettext_lazy("Booked"),
    "arrived": gettext_lazy("Arrived"),
    "in_treatment": gettext_lazy("In treatment"),
    "done": gettext_lazy("Done"),
    "no_show": gettext_lazy("No-show"),
    "late_cancelled": gettext_lazy("Late cancellation"),
}
CHARTABLE = {"booked", "arrived", "in_treatment"}


@staff_view(clinical=True)
def appointment_chart(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """From an appointment to the charting screen of its course (or of the patient's one
    running course), with the appointment filled in."""
    actor = request.actor  # type: ignore[attr-defined]
    appointment = selectors.appointment_get_for_actor(
        actor=actor, appointment_id=appointment_id, audit=None
    )
    course_id = appointment.course_id
    if course_id is None or appointment.course.is_closed:  # type: ignore[union-attr]
        running = [
            c
            for c in courses_on_patient_page(
                request=request, actor=actor, patient=appointment.patient
            )
            if not c.is_closed
        ]
        if len(running) != 1:
            messages.error(
                request,
                _("Choose the course to chart on the patient's page (no single running course).")
                if running
                else _("This patient has no running course: plan one before charting."),
            )
            return redirect("patients:detail", patient_id=appointment.patient_id)
        course_id = running[0].pk
    return redirect(
        reverse("charting:chart", kwargs={"course_id": course_id})
        + f"?appointment={appointment.pk}"
    )


@staff_view()
def appointment_move(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Drop target of drag-to-move (htmx) and of the move form on the detail page."""
    actor = request.actor  # type: ignore[attr-defined]
    appointment = selectors.appointment_get_for_actor(
        actor=actor, appointment_id=appointment_id, audit=None
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    zone = selectors.clinic_zone(actor.clinic)
    form = forms.MoveForm(request.POST, clinic=actor.clinic)
    error = ""
    if form.is_valid():
        try:
            start = timezones.local_datetime(
                form.cleaned_data["start"].date(),
                form.cleaned_data["start"].time(),
                zone,
                field="start",
            )
            with transaction.atomic():
                locked = selectors.appointment_get_for_actor(
                    actor=actor, appointment_id=appointment.pk, for_update=True, audit=None
                )
                services.appointment_move(
                    actor=actor,
                    appointment=locked,
                    start=start,
                    practitioner=form.cleaned_data.get("practitioner") or None,
                )
        except DomainError as exc:  # SchedulingError, a time a clock change skips or repeats
            error = exc.detail
        except ValidationError as exc:
            error = "; ".join(exc.messages)
    else:
        error = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    if request.htmx:  # type: ignore[attr-defined]
        response = calendar(request)
        response["HX-Trigger"] = json.dumps({"calendarError": error})
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Appointment moved."))
    return redirect("scheduling:appointment", appointment_id=appointment.pk)


@staff_view()
def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    appointment = selectors.appointment_get_for_actor(actor=actor, appointment_id=appointment_id)
    zone = selectors.clinic_zone(actor.clinic)
    local = appointment.start.astimezone(zone)
    intake = None
    if actor.sees_clinical:
        intake = BookingRequest.objects.filter(appointment=appointment).first()
    return render(
        request,
        "scheduling/appointment.html",
        {
            "appointment": appointment,
            "local_start": local,
            "local_end": appointment.end.astimezone(zone),
            "move_form": forms.MoveForm(
                initial={
                    "start": local.replace(tzinfo=None),
                    "practitioner": appointment.practitioner_id,
                },
                clinic=actor.clinic,
            ),
            "cancel_form": forms.CancelForm(),
            "can_mark": appointment.start <= timezone.now()
            and appointment.status != Status.CANCELLED,
            "intake": intake,
            "reminders": list(appointment.reminders.all()),
            "course_siblings": list(
                Appointment.objects.filter(
                    clinic=actor.clinic, course_id=appointment.course_id
                ).order_by("start")
            )
            if appointment.course_id
            else [],
        },
    )


@staff_view()
def appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    appointment = selectors.appointment_get_for_actor(
        actor=actor, appointment_id=appointment_id, audit=None
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.CancelForm(request.POST)
    if form.is_valid():
        late = {"auto": None, "yes": True, "no": False}[form.cleaned_data["late_cancel"]]
        try:
            with transaction.atomic():
                locked = selectors.appointment_get_for_actor(
                    actor=actor, appointment_id=appointment.pk, for_update=True, audit=None
                )
                services.appointment_cancel(
                    actor=actor,
                    appointment=locked,
                    reason=form.cleaned_data["reason"],
                    late_cancel=late,
                )
            messages.success(request, _("Appointment cancelled."))
        except services.SchedulingError as exc:
            messages.error(request, exc.detail)
    else:
        messages.error(request, _("Give a reason."))
    return redirect("scheduling:appointment", appointment_id=appointment.pk)


@staff_view()
def appointment_status(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    appointment = selectors.appointment_get_for_actor(
        actor=actor, appointment_id=appointment_id, audit=None
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        with transaction.atomic():
            locked = selectors.appointment_get_for_actor(
                actor=actor, appointment_id=appointment.pk, for_update=True, audit=None
            )
            services.appointment_set_status(
                actor=actor, appointment=locked, status=request.POST.get("status", "")
            )
        messages.success(request, _("Saved."))
    except services.SchedulingError as exc:
        messages.error(request, exc.detail)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("scheduling:appointment", appointment_id=appointment.pk)


@staff_view()
def book(request: HttpRequest) -> HttpResponse:
    """Book for a patient: choose type, practitioner and a free slot."""
    actor = request.actor  # type: ignore[attr-defined]
    clinic = actor.clinic
    patient: Patient | None = None
    patient_id = request.POST.get("patient") or request.GET.get("patient")
    if patient_id:
        # The page shows the patient: a read (booking writes its own row too).
        patient = patient_get_for_actor(actor=actor, patient_id=patient_id)
    q = request.GET.get("q", "")[:100]
    matches: list[Patient] = []
    if patient is None and q:
        matches = list(Patient.objects.for_clinic(clinic).current().search(q)[:20])
        audit_shown(
            actor=actor,
            object_type="patients.search",
            patient_ids=[m.pk for m in matches],
            detail={"q": q},
        )
    form = forms.BookForm(request.POST or None, clinic=clinic, initial=request.GET.dict())
    if request.method == "POST" and patient is not None and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = services.appointment_book(
                actor=actor,
                patient=patient,
                practitioner=data["practitioner"],
                type=data["type"],
                start=data["slot"],
                note=data.get("note", ""),
            )
            messages.success(request, _("Appointment booked."))
            return redirect("scheduling:appointment", appointment_id=appointment.pk)
        except services.SchedulingError as exc:
            form.add_error(None, exc.detail)
    return render(
        request,
        "scheduling/book.html",
        {"form": form, "patient": patient, "q": q, "matches": matches},
    )


@staff_view()
def slots(request: HttpRequest) -> HttpResponse:
    """htmx partial: free slots for the booking form."""
    actor = request.actor  # type: ignore[attr-defined]
    form = forms.SlotQueryForm(request.GET, clinic=actor.clinic)
    found: list[rules.Window] = []
    if form.is_valid():
        found = _slots_for(actor.clinic, form.cleaned_data)
    zone = selectors.clinic_zone(actor.clinic)
    return render(
        request,
        "scheduling/_slots.html",
        {"slots": [(s.start, s.start.astimezone(zone)) for s in found], "form": form},
    )


def _slots_for(clinic: Any, data: dict[str, Any]) -> list[rules.Window]:
    zone = selectors.clinic_zone(clinic)
    day = data["date"]
    start = rules.local_instant(day, dt.time(0), zone)
    end = rules.local_instant(day + dt.timedelta(days=1), dt.time(0), zone)
    return selectors.free_slots(
        clinic=clinic, practitioner=data["practitioner"], type=data["type"], start=start, end=end
    )


@staff_view()
def feed_settings(request: HttpRequest, practitioner_id: int) -> HttpResponse:
    """Working hours, exceptions and the calendar feed of one practitioner."""
    actor = request.actor  # type: ignore[attr-defined]
    practitioner = selectors.practitioner_in_clinic(actor.clinic, practitioner_id)
    own = actor.practitioner is not None and actor.practitioner.pk == practitioner.pk
    may_edit = own or actor.is_owner
    locations = list(Location.objects.filter(clinic=actor.clinic))
    hours_form = forms.WeeklyHoursForm(
        request.POST if request.method == "POST" and "save_hours" in request.POST else None,
        locations=locations,
        current=list(WorkingHours.objects.filter(practitioner=practitioner)),
    )
    exception_form = forms.ExceptionForm(
        request.POST if request.method == "POST" and "add_exception" in request.POST else None,
        locations=locations,
    )
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("only the owner or the practitioner may change working hours")
        try:
            if "save_hours" in request.POST and hours_form.is_valid():
                services.working_hours_set(
                    actor=actor, practitioner=practitioner, rows=hours_form.rows()
                )
                messages.success(request, _("Working hours saved."))
                return redirect("scheduling:hours", practitioner_id=practitioner.pk)
            if "add_exception" in request.POST and exception_form.is_valid():
                services.schedule_exception_add(
                    actor=actor, practitioner=practitioner, **exception_form.cleaned_data
                )
                messages.success(request, _("Saved."))
                return redirect("scheduling:hours", practitioner_id=practitioner.pk)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
    feed_url = selectors.calendar_url_for(actor=actor, practitioner=practitioner, request=request)
    return render(
        request,
        "scheduling/hours.html",
        {
            "practitioner": practitioner,
            "may_edit": may_edit,
            "hours_form": hours_form,
            "exception_form": exception_form,
            "exceptions": list(
                ScheduleException.objects.filter(
                    practitioner=practitioner, date__gte=timezone.now().date()
                ).select_related("location")[:50]
            ),
            "feed_url": feed_url,
        },
    )


def feed(request: HttpRequest, practitioner_id: int) -> HttpResponse:
    """The practitioner's iCalendar feed; the token in the URL is the only credential
    (calendar apps cannot sign in). A wrong or missing token is a 404."""
    practitioner = selectors.feed_check(practitioner_id, request.GET.get("token", ""))
    appointments = list(selectors.feed_appointments(practitioner, now=timezone.now()))
    body = ics.practitioner_feed(
        appointments, name=f"{practitioner.user.full_name} - {practitioner.clinic.name}"
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@staff_view(owner=True)
def types(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    items = list(selectors.appointment_types(actor.clinic, active_only=False))
    if request.method == "POST":
        type_obj = next((t for t in items if str(t.pk) == request.POST.get("type_id")), None)
        if type_obj is None:
            raise Http404("type not found")
        form = forms.TypeForm(request.POST, instance=AppointmentType.objects.get(pk=type_obj.pk))
        if form.is_valid():
            try:
                services.appointment_type_update(
                    actor=actor,
                    type=type_obj,
                    data=form.changed_values(),
                )
                messages.success(request, _("Saved."))
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
        else:
            messages.error(request, "; ".join(str(e) for es in form.errors.values() for e in es))
        return redirect("scheduling:types")
    return render(
        request,
        "scheduling/types.html",
        {"forms": [(t, forms.TypeForm(instance=t)) for t in items]},
    )


@staff_view()
def waitlist(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    patient: Patient | None = None
    patient_id = request.POST.get("patient") or request.GET.get("patient")
    if patient_id:
        patient = patient_get_for_actor(actor=actor, patient_id=patient_id, audit=None)
    form = forms.WaitlistForm(request.POST or None, clinic=actor.clinic)
    if request.method == "POST" and patient is not None and form.is_valid():
        try:
            services.waitlist_join(actor=actor, patient=patient, **form.cleaned_data)
            messages.success(request, _("Added to the waitlist."))
            return redirect("scheduling:waitlist")
        except ValidationError as exc:
            form.add_error(None, "; ".join(exc.messages))
    entries = list(
        WaitlistEntry.objects.filter(
            clinic=actor.clinic,
            status__in=[WaitlistEntry.State.WAITING, WaitlistEntry.State.OFFERED],
        )
        .select_related("patient", "practitioner__user", "type")
        .prefetch_related("offers")
        .order_by("created_at", "id")
    )
    if entries:
        audit_record(
            actor=actor, action=Action.READ, patient=None, object_type="scheduling.waitlist"
        )
    return render(
        request,
        "scheduling/waitlist.html",
        {"entries": entries, "form": form, "patient": patient},
    )


def _red_flag_labels(answers: dict[str, bool]) -> list[str]:
    """The "yes" answers of an online booking as the staff screen's red flags, each once."""
    labels: list[str] = []
    for key, yes in answers.items():
        label = assessment_catalogue.red_flag_label(forms.RED_FLAG_CODES.get(key, key))
        if yes and label not in labels:
            labels.append(label)
    return labels


@staff_view()
def requests(request: HttpRequest) -> HttpResponse:
    """Online bookings to handle: red-flag answers turned them into a call-back."""
    actor = request.actor  # type: ignore[attr-defined]
    if request.method == "POST":
        found = BookingRequest.objects.filter(
            clinic=actor.clinic, pk=request.POST.get("request_id") or 0
        ).first()
        if found is None:
            raise Http404("request not found")
        with transaction.atomic():
            found.status = BookingRequest.State.HANDLED
            found.save(update_fields=["status"])
            audit_record(actor=actor, action=Action.UPDATE, patient=found.patient, obj=found)
        messages.success(request, _("Marked as handled."))
        return redirect("scheduling:requests")
    items = list(
        BookingRequest.objects.filter(
            clinic=actor.clinic, status=BookingRequest.State.NEW, appointment__isnull=True
        ).select_related("patient", "type", "practitioner__user")[:100]
    )
    if items:
        audit_record(
            actor=actor, action=Action.READ, patient=None, object_type="scheduling.requests"
        )
    zone = selectors.clinic_zone(actor.clinic)
    return render(
        request,
        "scheduling/requests.html",
        {
            "rows": [
                (
                    r,
                    r.wanted_start.astimezone(zone) if r.wanted_start else None,
                    _red_flag_labels(r.red_flags),
                )
                for r in items
            ],
            "clinical": actor.sees_clinical,
        },
    )


# -- extension points (registry) --------------------------------------------------------


def dashboard_panel(request: HttpRequest, actor: Any) -> SafeString:
    zone = selectors.clinic_zone(actor.clinic)
    today = timezone.now().astimezone(zone).date()
    start = rules.local_instant(today, dt.time(0), zone)
    end = rules.local_instant(today + dt.timedelta(days=1), dt.time(0), zone)
    qs = Appointment.objects.active().filter(clinic=actor.clinic, start__gte=start, start__lt=end)
    if actor.practitioner is not None:
        qs = qs.filter(practitioner=actor.practitioner)
    open_requests = BookingRequest.objects.filter(
        clinic=actor.clinic, status=BookingRequest.State.NEW, appointment__isnull=True
    ).count()
    return mark_safe(  # noqa: S308 - rendered template, escaped there
        render_to_string(
            "scheduling/_dashboard.html",
            {"count": qs.count(), "open_requests": open_requests, "mine": actor.practitioner},
            request=request,
        )
    )


def _appointment_rows(appointments: Sequence[Mapping[str, Any]], zone: Any) -> list[dict[str, str]]:
    """The patient page's appointment lines, text worked out here (escaped by the
    template): one reverse for the page instead of a {% url %} per line, each type's and
    status's label once (a model's get_FOO_display() costs more than its row)."""
    open_url = _url_for_pk("scheduling:appointment")
    write_date = short_date()
    language = translation.get_language() or ""
    status_labels = {value: str(label) for value, label in Status.choices}
    type_labels: dict[int, str] = {}
    rows = []
    for a in appointments:
        local = a["start"].astimezone(zone)
        type_label = type_labels.get(a["type_id"])
        if type_label is None:
            type_label = type_labels[a["type_id"]] = text_for(
                a["type__names"], language, a["type__name"]
            )
        status = a["status"]
        parts = [type_label, a["practitioner__user__full_name"], status_labels.get(status, status)]
        if a["course_session"]:
            parts.append(_("session %(n)s") % {"n": a["course_session"]})
        text = " · ".join(parts)
        if a["late_cancel"]:
            text += f" ({_('late')})"
        rows.append(
            {
                "url": open_url(a["id"]),
                "when": f"{write_date(local.date())} {local:%H:%M}",
                "text": text,
            }
        )
    return rows


PATIENT_SECTION_ROWS = 20  # appointments listed on the patient page


def patient_section(request: HttpRequest, actor: Any, patient: Patient) -> SafeString:
    zone = selectors.clinic_zone(actor.clinic)
    # LIMIT first, then the joins: a patient with 1,000 appointments would otherwise
    # have all of them joined to type and practitioner and sorted for 20 rows.
    latest = (
        Appointment.objects.filter(clinic=actor.clinic, patient=patient)
        .order_by("-start", "-id")
        .values("pk")[:PATIENT_SECTION_ROWS]
    )
    # The columns the lines show, as values: no model instances of the appointment,
    # its type, practitioner and user per line.
    appointments = list(
        Appointment.objects.filter(pk__in=Subquery(latest))
        .order_by("-start", "-id")
        .values(
            "id",
            "start",
            "status",
            "late_cancel",
            "course_session",
            "type_id",
            "type__name",
            "type__names",
            "practitioner__user__full_name",
        )
    )
    active_courses = [
        course
        for course in courses_on_patient_page(request=request, actor=actor, patient=patient)
        if not course.is_closed
    ]
    return mark_safe(  # noqa: S308 - rendered template, escaped there
        render_to_string(
            "scheduling/_patient_section.html",
            {
                "patient": patient,
                "rows": _appointment_rows(appointments, zone),
                "courses": active_courses,
                "now": timezone.now(),
            },
            request=request,
        )
    )


@staff_view()
def course_book(request: HttpRequest, course_id: int) -> HttpResponse:
    """Book all planned sessions of a course: preview (GET), then book (POST)."""
    actor = request.actor  # type: ignore[attr-defined]
    # Read on every method: a refused or invalid booking shows the course page again.
    course = courses.course_get_for_actor(actor=actor, course_id=course_id, audit="read")
    data = request.POST if request.method == "POST" else request.GET
    form = forms.CourseBookForm(
        data if "time" in data else None,
        clinic=actor.clinic,
        initial={"time": dt.time(9), "type": courses.default_type(course)},
    )
    plan: list[Any] = []
    booked = False
    closed = course.is_closed  # the page then shows no form or plan
    if not closed and form.is_valid():
        at_time, type_obj = form.cleaned_data["time"], form.cleaned_data["type"]
        if request.method == "POST":
            try:
                plan = courses.course_book(
                    actor=actor, course=course, at_time=at_time, type=type_obj
                )
                booked = True
                messages.success(request, _("The course is booked."))
            except services.SchedulingError as exc:
                messages.error(request, exc.detail)
            except DomainError as exc:  # a time a clock change skips or repeats
                add_to_form(form, exc)
        else:
            try:
                plan = courses.course_plan(
                    actor=actor, course=course, at_time=at_time, type=type_obj
                )
            except DomainError as exc:
                add_to_form(form, exc)
    zone = selectors.clinic_zone(actor.clinic)
    return render(
        request,
        "scheduling/course_book.html",
        {
            "course": course,
            "form": form,
            "booked": booked,
            "closed": closed,
            "rows": [
                {
                    "p": p,
                    "target": p.target.astimezone(zone),
                    "start": p.start.astimezone(zone) if p.start else None,
                }
                for p in plan
            ],
        },
    )
