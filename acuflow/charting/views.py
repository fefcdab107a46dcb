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
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
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
from acuflow.core.errors import DomainError, domain_status
from acuflow.protocols.models import CourseState
from acuflow.protocols.selectors import courses_on_patient_page

SEARCH_LIMIT = 12


def _clinic_tz(actor: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(actor.clinic.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _site_from_session(site: dict[str, Any]) -> dict[str, Any]:
    return dict(site)


def _copyable(session: Session | None) -> dict[str, Any] | None:
    """What 'copy the previous session' brings over: the treatment, not the outcome."""
    if session is None:
        return None
    return {
        "sites": [_site_from_session(s) for s in session.sites],
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
    return sites


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


def _payload_from_post(request: HttpRequest, actor: Any) -> dict[str, Any]:
    try:
        data = json.loads(request.POST.get("payload") or "{}")
    except json.JSONDecodeError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    started = data.get("started_at")
    if isinstance(started, str) and started:
        try:
            parsed = dt.datetime.fromisoformat(started)
            if timezone.is_naive(parsed):
                parsed = parsed.replace(tzinfo=_clinic_tz(actor))
            data["started_at"] = parsed.isoformat()
        except ValueError:
            pass
    for key in ("needles_in", "needles_out", "nrs_before", "nrs_after", "retention_minutes"):
        if data.get(key) in ("", None):
            data.pop(key, None)
    if data.get("electro_frequency_hz") in ("", None):
        data.pop("electro_frequency_hz", None)
    return data


def _errors_from_pydantic(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        out.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
    return out


@staff_view(clinical=True)
def chart(request: HttpRequest, course_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    course = selectors.course_get_for_actor(
        actor=actor, course_id=course_id, audit=request.method != "POST"
    )
    errors: list[str] = []
    status = 422
    state: dict[str, Any] | None = None
    if request.method == "POST":
        data = _payload_from_post(request, actor)
        state = data
        try:
            payload = SessionIn.model_validate(data)
            session = services.session_create(
                actor=actor, course=course, **payload.service_kwargs()
            )
        except ValidationError as exc:
            errors = _errors_from_pydantic(exc)
        except DomainError as exc:
            errors = [exc.message]
            status = domain_status(exc.code)
        except DjangoValidationError as exc:  # from full_clean
            errors = [str(m) for m in exc.messages]
        else:
            messages.success(request, _("Session saved."))
            return redirect("charting:session", session_id=session.pk)
    if course.state != CourseState.ACTIVE:
        # Nothing to chart on a closed course: say so instead of offering a form (and
        # an autosaving draft) whose session could never be saved.
        return render(
            request,
            "charting/closed.html",
            {"course": course, "patient": course.patient, "errors": errors},
            status=status if errors else 200,
        )
    draft = selectors.draft_for(course=course, user=actor.user)
    if state is None:
        state = draft.data if draft else _default_state(actor)
    previous = selectors.previous_session(course=course)
    practitioner = actor.practitioner
    context = {
        "course": course,
        "patient": course.patient,
        "errors": errors,
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
            "response": _("Response"),
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


def patient_section(request: HttpRequest, actor: Any, patient: Any) -> SafeString:
    """Sessions on the patient page: the latest ones and where to chart the next."""
    if not actor.sees_clinical:
        return SafeString("")
    # The newest page only, with the whole history as figures (one aggregate query): a
    # patient with 1,000 sessions must not render 1,000 rows. The API pages the rest.
    # The rows show who charted and where: no course or protocol joined (each join costs
    # the planner more than the rows cost to read).
    history = (
        selectors.session_list_for_patient(actor=actor, patient=patient)
        .select_related(None)
        .select_related("practitioner__user")
    )
    sessions = list(history[:SECTION_ROWS])
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
            {"sessions": sessions, "courses": courses, "patient": patient, "summary": summary},
            request=request,
        )
    )
