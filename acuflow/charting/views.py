"""The treatment-room charting screen, its point search partial and draft autosave,
a session's page, and the sessions section on the patient page."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_GET
from pydantic import ValidationError

from acuflow.accounts.decorators import staff_view
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.charting import catalogue, rules, selectors, services
from acuflow.charting.models import (
    Adjunct,
    AdverseEventCode,
    ImsResponse,
    Session,
    Severity,
    Side,
)
from acuflow.charting.schemas import SessionIn
from acuflow.core import timezones
from acuflow.core.errors import DomainError, domain_status
from acuflow.core.validators import check_clinical_datetime, load_json
from acuflow.protocols.models import CourseState
from acuflow.protocols.selectors import courses_on_patient_page

SEARCH_LIMIT = 12


def _clinic_tz(actor: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(actor.clinic.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _copyable(session: Session | None) -> dict[str, Any] | None:
    """What 'copy the previous session' brings over: the treatment (needle counts
    included), not the outcome."""
    if session is None:
        return None
    return {
        "sites": rules.merge_sites(session.sites),
        "needles_in": session.needles_in,
        "needles_out": session.needles_out,
        "stimulation": session.stimulation,
        "electro_frequency_hz": session.electro_frequency_hz,
        "retention_minutes": session.retention_minutes,
        "adjuncts": session.adjuncts,
        "home_care": session.home_care,
        "pregnant": session.pregnant,
    }


def _protocol_sites(course: Any) -> list[dict[str, Any]]:
    """The protocol's point set as sites: point codes, and IMS segments (multifidus)."""
    sites: list[dict[str, Any]] = []
    for code in course.protocol.point_set or []:
        segment = rules.parse_segment(code)
        found = catalogue.point(code)
        if found is not None:
            sites.append({"point": found.code, "side": rules.default_side(midline=found.midline)})
        elif segment is not None:
            sites.append({"ims_segment": segment, "side": "both", "muscle": "multifidus"})
    return rules.merge_sites(sites)


def _point_meta() -> dict[str, Any]:
    """Compact catalogue for the screen: labels, default side and cautions per code."""
    cat = catalogue.catalogue()
    return {
        "points": {
            p.code: [p.label(), "none" if p.midline else "both", p.caution_keys()]
            for p in cat.points.values()
        },
        "cautions": {c.key: {"when": c.when, "text": c.text()} for c in cat.cautions},
        "muscles": cat.muscles,
        "segments": {k: list(v) for k, v in cat.segments.items()},
    }


def _default_state(actor: Any) -> dict[str, Any]:
    now = timezone.now().astimezone(_clinic_tz(actor))
    return {
        "started_at": now.strftime("%Y-%m-%dT%H:%M"),
        "sites": [],
        "needles_in": None,
        "needles_out": None,
        "stimulation": "manual",
        "adjuncts": [],
        "adverse_events": [],
        "home_care": [],
    }


def _payload_from_post(
    request: HttpRequest, actor: Any
) -> tuple[dict[str, Any], dict[str, Any], DomainError | None]:
    """(what to validate, what to show again, a refused time): the screen gets back
    exactly what was typed ("started at" as the datetime-local text), the schema an
    aware instant. A time the clinic's clock skips or repeats that night is refused."""
    try:
        data = load_json(request.POST.get("payload") or "{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    shown = dict(data)
    refused: DomainError | None = None
    started = data.get("started_at")
    if isinstance(started, str) and started:
        try:
            typed = check_clinical_datetime(dt.datetime.fromisoformat(started))
            parsed = timezones.aware(typed, _clinic_tz(actor), field="started_at")
            data["started_at"] = parsed.isoformat()
            shown["started_at"] = parsed.astimezone(_clinic_tz(actor)).strftime("%Y-%m-%dT%H:%M")
        except ValueError:
            pass
        except DomainError as exc:
            refused = exc
    for key in (
        "needles_in",
        "needles_out",
        "nrs_before",
        "nrs_after",
        "retention_minutes",
        "electro_frequency_hz",
        "appointment_id",
    ):
        if data.get(key) in ("", None):
            data.pop(key, None)
    return data, shown, refused


# Field errors in the user's language: the schema's own messages are English and name
# fields by their code; the screen says what to do, next to the field.
FIELD_LABELS = {
    "started_at": gettext_lazy("Started at"),
    "appointment_id": gettext_lazy("Appointment"),
    "unbooked_reason": gettext_lazy("Why there is no booked appointment"),
    "nrs_before": gettext_lazy("Usual pain since the last session (0-10)"),
    "nrs_after": gettext_lazy("Pain after (0-10)"),
    "sites": gettext_lazy("Points and sites"),
    "needles_in": gettext_lazy("Needles in"),
    "needles_out": gettext_lazy("Needles out"),
    "needle_discrepancy_note": gettext_lazy("If the counts differ: why"),
    "stimulation": gettext_lazy("Stimulation"),
    "electro_frequency_hz": gettext_lazy("Frequency (Hz)"),
    "retention_minutes": gettext_lazy("Retention (minutes)"),
    "adjuncts": gettext_lazy("Adjuncts"),
    "adverse_events": gettext_lazy("Adverse events"),
    "home_care": gettext_lazy("Home-care acupressure"),
    "subjective": gettext_lazy("Subjective"),
    "objective": gettext_lazy("Objective"),
    "assessment": pgettext_lazy("SOAP note", "Assessment"),
    "plan": gettext_lazy("Plan"),
}
FIELD_MESSAGES = {
    "started_at": gettext_lazy("Give the date and time the session started."),
    "nrs_before": gettext_lazy("A whole number from 0 to 10."),
    "nrs_after": gettext_lazy("A whole number from 0 to 10."),
    "needles_in": gettext_lazy("A whole number from 0 to 200."),
    "needles_out": gettext_lazy("A whole number from 0 to 200."),
    "electro_frequency_hz": gettext_lazy(
        "Give the frequency of electrostimulation, 0.5 to 200 Hz."
    ),
    "retention_minutes": gettext_lazy("A whole number of minutes, 0 to 120."),
    "sites": gettext_lazy("Check the points and sites."),
    "adverse_events": gettext_lazy("Give each adverse event and its severity."),
    "home_care": gettext_lazy("Check the home-care points: a point code and 1 to 30 minutes."),
    "appointment_id": gettext_lazy("Choose the appointment again from the today page."),
}
# Errors of the schema's model checks, which carry no field of their own.
MODEL_ERRORS = {
    "electro_frequency_required": ("electro_frequency_hz", FIELD_MESSAGES["electro_frequency_hz"]),
    "started_at_naive": ("started_at", FIELD_MESSAGES["started_at"]),
}


def _errors_from_pydantic(exc: ValidationError) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = err.get("loc") or ()
        field = str(loc[0]) if loc else ""
        if not field and err.get("type") in MODEL_ERRORS:
            field, message = MODEL_ERRORS[err["type"]]
        elif err.get("type") == "missing":
            message = gettext_lazy("Required.")
        else:
            message = FIELD_MESSAGES.get(field, gettext_lazy("This value is not valid."))
        key = field if field in FIELD_LABELS else ""
        if str(message) not in out.get(key, []):
            out.setdefault(key, []).append(str(message))
    return out


def _error_lines(errors: dict[str, list[str]]) -> list[str]:
    """The summary above the form: each message with the label of its field."""
    lines = []
    for field, msgs in errors.items():
        for message in msgs:
            label = FIELD_LABELS.get(field)
            lines.append(f"{label}: {message}" if label else message)
    return lines


def _appointment_for_screen(request: HttpRequest, actor: Any) -> rules.AppointmentFacts | None:
    """The appointment the screen charts (?appointment= from the today page, or the
    posted one), as the booking layer describes it; None for an unbooked session."""
    raw = request.GET.get("appointment", "")
    if request.method == "POST":
        try:
            posted = load_json(request.POST.get("payload") or "{}")
        except ValueError:
            posted = {}
        raw = str(posted.get("appointment_id") or "") if isinstance(posted, dict) else ""
    if not raw.isdigit():
        return None
    try:
        return services.appointment_facts(actor=actor, appointment_id=int(raw))
    except DomainError:
        return None


@staff_view(clinical=True)
def chart(request: HttpRequest, course_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    course = selectors.course_get_for_actor(
        actor=actor, course_id=course_id, audit=request.method != "POST"
    )
    errors: dict[str, list[str]] = {}
    status = 422
    state: dict[str, Any] | None = None
    appointment = _appointment_for_screen(request, actor)
    if request.method == "POST":
        data, state, refused = _payload_from_post(request, actor)
        try:
            if refused is not None:
                raise refused
            payload = SessionIn.model_validate(data)
            session = services.session_create(
                actor=actor, course=course, **payload.service_kwargs()
            )
        except ValidationError as exc:
            errors = _errors_from_pydantic(exc)
        except DomainError as exc:
            errors = {k: list(v) for k, v in exc.fields.items() if k in FIELD_LABELS}
            if not errors:
                errors = {"": [exc.message]}
            status = domain_status(exc.code)
        except DjangoValidationError as exc:  # from full_clean
            errors = {
                (k if k in FIELD_LABELS else ""): [str(m) for m in v]
                for k, v in exc.message_dict.items()
            }
        else:
            messages.success(request, _("Session saved."))
            return redirect("charting:session", session_id=session.pk)
    if course.state != CourseState.ACTIVE:
        # Nothing to chart on a closed course: say so instead of offering a form (and
        # an autosaving draft) whose session could never be saved.
        return render(
            request,
            "charting/closed.html",
            {"course": course, "patient": course.patient, "errors": _error_lines(errors)},
            status=status if errors else 200,
        )
    draft = selectors.draft_for(course=course, user=actor.user)
    if state is None:
        state = draft.data if draft else _default_state(actor)
        if appointment is not None:
            state = {**state, "appointment_id": appointment.id}
    previous = selectors.previous_session(course=course)
    practitioner = actor.practitioner
    context = {
        "course": course,
        "patient": course.patient,
        "errors": _error_lines(errors),
        "field_errors": errors,
        "appointment": appointment,
        "state": state,
        "draft_saved_at": draft.updated_at.isoformat() if draft else "",
        "previous": previous,
        "previous_data": _copyable(previous),
        "protocol_sites": _protocol_sites(course),
        "meta": _point_meta(),
        "ims_allowed": bool(practitioner and practitioner.is_qualified_for("ims")),
        "registration_expired": bool(
            practitioner and not practitioner.registration_valid_on(timezone.localdate())
        ),
        "sessions_done": course.sessions_done,
        "adjunct_choices": Adjunct.choices,
        "event_choices": AdverseEventCode.choices,
        "severity_choices": Severity.choices,
        "side_choices": Side.choices,
        "response_choices": ImsResponse.choices,
        "last_session_at": previous.created_at.isoformat() if previous else "",
        "js_strings": {
            "sides": [[v, str(label)] for v, label in Side.choices],
            "responses": [[v, str(label)] for v, label in ImsResponse.choices],
            "side": _("Side"),
            "response": pgettext("IMS twitch response", "Response"),
            "remove": _("Remove"),
            "saved": _("Draft saved"),
            "offline": _("Offline: draft kept in this browser"),
            "restored": _("Draft restored"),
            "nomatch": _("No point matches:"),
        },
    }
    return render(request, "charting/chart.html", context, status=status if errors else 200)


@staff_view(clinical=True)
def draft(request: HttpRequest, course_id: int) -> HttpResponse:
    """POST: save the screen's state (JSON body). GET: the saved draft."""
    actor = request.actor  # type: ignore[attr-defined]
    course = selectors.course_get_for_actor(actor=actor, course_id=course_id, audit=False)
    if request.method == "POST":
        if request.POST.get("discard"):
            services.draft_discard(actor=actor, course=course)
            return redirect("charting:chart", course_id=course.pk)
        try:
            data = json.loads(request.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return JsonResponse({"error": "malformed_json", "detail": "not JSON"}, status=400)
        except RecursionError:
            return JsonResponse({"error": "validation_error", "detail": "too deep"}, status=422)
        if not isinstance(data, dict):
            return JsonResponse({"error": "validation_error", "detail": "an object"}, status=422)
        try:
            saved = services.draft_save(actor=actor, course=course, data=data)
        except DomainError as exc:
            return JsonResponse(
                {"error": exc.code, "detail": exc.message}, status=domain_status(exc.code)
            )
        return JsonResponse({"saved_at": saved.updated_at.isoformat()})
    found = selectors.draft_for(course=course, user=actor.user)
    if found is not None:  # a draft holds the session's clinical notes: a read of them
        audit_record(
            actor=actor,
            action=Action.READ,
            patient=course.patient,
            object_type="charting.draft",
            object_id=str(found.pk),
        )
    return JsonResponse(
        {
            "data": found.data if found else None,
            "saved_at": found.updated_at.isoformat() if found else None,
        }
    )


@require_GET
@staff_view(clinical=True)
def point_search(request: HttpRequest) -> HttpResponse:
    """The search partial: points for a code, name or region; IMS options for a segment."""
    raw = request.GET.get("q", "")[:100]
    query, side = rules.split_side(raw)
    segment = rules.parse_segment(query.split()[0]) if query.split() else None
    ims_options: list[dict[str, str]] = []
    points: list[catalogue.Point] = []
    practitioner = request.actor.practitioner  # type: ignore[attr-defined]
    ims_allowed = bool(practitioner and practitioner.is_qualified_for("ims"))
    if segment is not None and ims_allowed:
        rest = rules.fold(" ".join(query.split()[1:]))
        for key in catalogue.segment_muscles(segment):
            label = catalogue.muscle_label(key)
            if not rest or rest in rules.fold(label) or rest in key:
                ims_options.append({"segment": segment, "muscle": key, "label": label})
    elif query.strip():
        points = catalogue.search(query)[:SEARCH_LIMIT]
    return render(
        request,
        "charting/_results.html",
        {
            "q": raw,
            "side": side or "",
            "points": points,
            "ims_options": ims_options,
            "ims_refused": segment is not None and not ims_allowed,
        },
    )


@staff_view(clinical=True)
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    session = selectors.session_get_for_actor(actor=actor, session_id=session_id)
    cat = catalogue.catalogue()
    sides, responses = dict(Side.choices), dict(ImsResponse.choices)
    sites = []
    for site in session.sites:
        # Stored codes are shown through their labels ("left" -> "links").
        shown = {
            "side_label": sides.get(site.get("side", ""), ""),
            "response_label": responses.get(site.get("response", ""), ""),
        }
        if "point" in site:
            found = cat.points.get(site["point"])
            sites.append({**site, **shown, "label": found.label() if found else site["point"]})
        else:
            label = catalogue.muscle_label(site.get("muscle", ""))
            sites.append({**site, **shown, "label": label})
    event_labels, severities = dict(AdverseEventCode.choices), dict(Severity.choices)
    events = [
        {
            **event,
            "label": event_labels.get(event.get("code", ""), ""),
            "severity_label": severities.get(event.get("severity", ""), ""),
        }
        for event in session.adverse_events
    ]
    return render(
        request,
        "charting/session.html",
        {
            "session": session,
            "patient": session.patient,
            "sites": sites,
            "warnings": services.session_warnings(sites=session.sites, pregnant=session.pregnant),
            "events": events,
            "adjunct_labels": dict(Adjunct.choices),
        },
    )


SECTION_ROWS = 10  # sessions listed on the patient page
# The columns the section's rows show (no notes, adjuncts or home care decoded).
SECTION_COLUMNS = (
    "id",
    "started_at",
    "sites",
    "nrs_before",
    "nrs_after",
    "practitioner__user__full_name",
)


def _nrs(value: int | None) -> str:
    return "\u2013" if value is None else str(value)


def _site_text(site: Any, key: str) -> str:
    # What the template's {{ site.point }} wrote: nothing for a missing key.
    value = site.get(key, "") if isinstance(site, dict) else ""
    return escape(str(value))


def _session_rows(sessions: list[dict[str, Any]], zone: Any) -> SafeString:
    """The section's table rows, written here as HTML (the convention of the outcome
    chart's marks and the calendar's blocks): one reverse for the page instead of a
    {% url %} per row, no model instances. The same text the template wrote."""
    sentinel = "987654321"
    pattern = reverse("charting:session", args=[sentinel])
    rows = []
    for s in sessions:
        sites = ", ".join(
            _site_text(site, "point")
            if isinstance(site, dict) and site.get("point")
            else _site_text(site, "ims_segment")
            for site in s["sites"] or ()
        )
        when = date_format(s["started_at"].astimezone(zone), "SHORT_DATETIME_FORMAT")
        url = pattern.replace(sentinel, str(s["id"]))
        rows.append(
            f'\n      <tr><td><a href="{escape(url)}">{escape(when)}</a></td>'
            f"\n      <td>{escape(s['practitioner__user__full_name'])}</td>"
            f"\n      <td>{sites}</td>"
            f"\n      <td>{_nrs(s['nrs_before'])} / {_nrs(s['nrs_after'])}</td></tr>\n    "
        )
    return SafeString("".join(rows))


def patient_section(request: HttpRequest, actor: Any, patient: Any) -> SafeString:
    """Sessions on the patient page: the latest ones and where to chart the next."""
    if not actor.sees_clinical:
        return SafeString("")
    # The newest page only, with the whole history as figures (one aggregate query): a
    # patient with 1,000 sessions must not render 1,000 rows. The API pages the rest.
    # The rows show who charted and where, as values: no course or protocol joined
    # (each join costs the planner more than the rows cost to read), no models built.
    history = selectors.session_list_for_patient(actor=actor, patient=patient).select_related(None)
    sessions = list(history.values(*SECTION_COLUMNS)[:SECTION_ROWS])
    summary = history.order_by().aggregate(total=Count("id"), first=Min("started_at"))
    courses = [
        course
        for course in courses_on_patient_page(request=request, actor=actor, patient=patient)
        if course.state == CourseState.ACTIVE
    ]
    audit_record(actor=actor, action=Action.READ, patient=patient, object_type="charting.sessions")
    return SafeString(
        render_to_string(
            "charting/_patient_section.html",
            {
                "sessions": sessions,
                "session_rows": _session_rows(sessions, zoneinfo.ZoneInfo(patient.clinic.timezone)),
                "courses": courses,
                "patient": patient,
                "summary": summary,
            },
            request=request,
        )
    )
