from __future__ import annotations

import json
from html import escape
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from acuflow.accounts.decorators import staff_view
from acuflow.audit import sections
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core.formats import short_date
from acuflow.outcomes import catalog, charts, links, selectors, services
from acuflow.outcomes.forms import InstrumentTextForm, annotate, answers_from_post
from acuflow.outcomes.scoring import AnswerError
from acuflow.patients import selectors as patient_selectors
from acuflow.patients.models import ConsentKind
from acuflow.patients.selectors import patient_get_for_actor
from acuflow.protocols import selectors as protocol_selectors
from acuflow.protocols.selectors import courses_on_patient_page


def _language() -> str:
    return translation.get_language() or "en"


def _form_context(
    *,
    clinic: Any,
    patient: Any,
    code: str,
    course: Any,
    language: str,
    errors: dict[str, list[str]],
    posted: Any,
) -> dict[str, Any]:
    definition = catalog.get(code)
    text = None
    if not definition["text_shipped"]:
        loaded = selectors.clinic_texts(clinic=clinic)
        own = loaded.get((code, language)) or loaded.get((code, "en"))
        text = own.content if own else None
    form = catalog.localized(definition, language, text)
    activities = selectors.psfs_activities(patient=patient, course=course) if code == "psfs" else []
    return {"instrument": annotate(form, errors, posted, activities)}


@staff_view(clinical=True)
def instrument_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = InstrumentTextForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        actor.require_owner()
        if form.is_valid():
            try:
                content = json.loads(form.cleaned_data["file"].read().decode("utf-8"))
                services.instrument_text_load(
                    actor=actor,
                    instrument=form.cleaned_data["instrument"],
                    language=form.cleaned_data["language"],
                    content=content,
                    licence_reference=form.cleaned_data["licence_reference"],
                )
            except (ValueError, UnicodeDecodeError) as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(request, _("The licensed text was loaded."))
                return redirect("outcomes:instruments")
    loaded = selectors.clinic_texts(clinic=actor.clinic)
    language = _language()
    rows = []
    for code, definition in catalog.instruments().items():
        languages = {lang for (c, lang) in loaded if c == code}
        rows.append(
            {
                "form": catalog.localized(definition, language),
                "languages": catalog.text_languages(definition, languages),
                "source": definition["source"],
                # A licensed instrument keeps its English name in every language: say so.
                "name_lang": catalog.name_language(definition, language),
            }
        )
    return render(request, "outcomes/instruments.html", {"rows": rows, "form": form})


@staff_view(clinical=True)
def response_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    with transaction.atomic():
        patient = patient_get_for_actor(
            actor=actor,
            patient_id=patient_id,
            clinical=True,
            audit=None if request.method == "POST" else Action.READ,
        )
    code = request.POST.get("instrument") or request.GET.get("instrument") or "nrs"
    if code not in catalog.codes():
        code = "nrs"
    courses = list(patient.courses.select_related("protocol").order_by("-start_date", "-id"))
    course_id = request.POST.get("course") or request.GET.get("course") or ""
    course = next((c for c in courses if str(c.pk) == course_id), None)
    language = _language()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        answers = answers_from_post(catalog.get(code), request.POST)
        try:
            services.response_record(
                actor=actor, patient=patient, instrument=code, answers=answers, course=course
            )
        except AnswerError as exc:
            errors = exc.fields
        except ValidationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        else:
            messages.success(request, _("The questionnaire was saved and scored."))
            if course is not None:
                return redirect("outcomes:course", course_id=course.pk)
            return redirect("patients:detail", patient_id=patient.pk)
    context = {
        "patient": patient,
        "courses": courses,
        "course": course,
        "codes": catalog.names(language),
        "code": code,
        "errors": errors,
        "posted": request.POST,
        **_form_context(
            clinic=actor.clinic,
            patient=patient,
            code=code,
            course=course,
            language=language,
            errors=errors,
            posted=request.POST if errors else None,
        ),
    }
    if request.htmx and request.method == "GET":  # type: ignore[attr-defined]
        return render(request, "outcomes/_questions.html", context)
    return render(request, "outcomes/response_form.html", context)


def _nrs(value: int | None) -> str:
    return "\u2014" if value is None else str(value)


def _session_rows(sessions: list[dict[str, Any]]) -> SafeString:
    """The sessions table's rows, written here as HTML: a 1,000-session course made the
    template loop most of the page's time (the convention of the chart's marks and the
    calendar's blocks). The same text as the template wrote: the date in the active
    zone and language, a dash for an NRS not recorded. (The standard library's escape:
    Django's text without its lazy-string wrapper per value.)"""
    zone = timezone.get_current_timezone()
    write_date = short_date()
    return mark_safe(  # noqa: S308 - numbers written here, the date escaped
        "".join(
            f"<tr><td>{s['number']}</td>"
            f"<td>{escape(write_date(s['started_at'].astimezone(zone).date()))}</td>"
            f"<td>{_nrs(s['nrs_before'])}</td><td>{_nrs(s['nrs_after'])}</td></tr>"
            for s in sessions
        )
    )


def _course_record(course: Any, *, language: str, thresholds: Any) -> SafeString:
    """The course page's chart, questionnaire scores and sessions: what the course's
    record holds, in the active language and time zone."""
    data = selectors.course_outcomes(course, language=language, thresholds=thresholds)
    chart = charts.course_chart_svg(course, language=language, outcomes=data)
    return mark_safe(  # noqa: S308 - the template escapes; the chart's text is escaped
        render_to_string(
            "outcomes/_course_record.html",
            {
                "data": data,
                "chart": mark_safe(chart),  # noqa: S308 - built by charts.py, every text escaped
                "session_rows": _session_rows(data["sessions"]),
            },
        )
    )


@staff_view(clinical=True)
def course_outcomes(request: HttpRequest, course_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    course = selectors.course_get_for_actor(actor=actor, course_id=course_id, plan_and_status=True)
    language = _language()
    thresholds = protocol_selectors.thresholds_for(actor.clinic.pk)
    # Built once per write to the patient's record (audit.sections): a 1,000-session
    # course's chart and tables were most of the page's time. What else the part shows
    # is in its key: language, time zone, the clinic's thresholds, the course's plan.
    record = sections.cached(
        "outcomes.course_record",
        patient_id=course.patient_id,
        parts=(
            course.pk,
            language,
            timezone.get_current_timezone_name(),
            thresholds,
            course.assessment.baseline_nrs,
            course.expected_sessions,
            course.onset_session,
            course.review_session,
            course.response,
        ),
        build=lambda: _course_record(course, language=language, thresholds=thresholds),
    )
    link_codes = catalog.names(language, "patient")
    return render(
        request,
        "outcomes/course.html",
        {
            "course": course,
            "patient": course.patient,
            "baseline_nrs": course.assessment.baseline_nrs,
            "record": record,
            "link_codes": link_codes,
            "gp_consent": patient_selectors.consent_latest(
                patient=course.patient, kind=ConsentKind.GP_LETTERS
            ),
        },
    )


@staff_view(clinical=True)
def course_link(request: HttpRequest, course_id: int) -> HttpResponse:
    """Make a one-time questionnaire link for the course's patient (shown once, to copy)."""
    actor = request.actor  # type: ignore[attr-defined]
    course = selectors.course_get_for_actor(actor=actor, course_id=course_id, audit=None)
    if request.method != "POST":
        return redirect("outcomes:course", course_id=course.pk)
    code = request.POST.get("instrument", "")
    if code not in catalog.codes():
        raise Http404("unknown instrument")
    try:
        path = links.make_response_link(
            patient=course.patient, instrument=code, course=course, actor=actor
        )
    except ValueError as exc:
        messages.error(request, _("No link made: %(reason)s") % {"reason": exc})
        return redirect("outcomes:course", course_id=course.pk)
    url = request.build_absolute_uri(path)
    html = render_to_string("outcomes/_link.html", {"url": url}, request=request)
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponse(html)
    messages.info(request, _("Questionnaire link (valid 72 hours, once): %(url)s") % {"url": url})
    return redirect("outcomes:course", course_id=course.pk)


def patient_section(request: HttpRequest, actor: Any, patient: Any) -> SafeString:
    """Recent questionnaire scores and the course outcome pages on the patient page."""
    if not actor.sees_clinical:
        return SafeString("")
    language = _language()
    # The table's columns only: no course joined, no answers decoded.
    responses = list(
        selectors.responses_for_patient(patient=patient)
        .select_related(None)
        .only("patient_id", "instrument", "score", "interpretation", "recorded_at")[:10]
    )
    names: dict[str, str] = {}  # the name once per instrument, not a localised form per row
    for r in responses:
        if r.instrument not in names:
            names[r.instrument] = r.name(language)
    rows = [
        {
            "response": r,
            "name": names[r.instrument],
            "interpretation": r.interpretation_label(language),
        }
        for r in responses
    ]
    courses = courses_on_patient_page(request=request, actor=actor, patient=patient)[:10]
    if rows:
        audit_record(
            actor=actor, action=Action.READ, patient=patient, object_type="outcomes.response"
        )
    return SafeString(
        render_to_string(
            "outcomes/_patient_section.html",
            {"patient": patient, "rows": rows, "courses": courses},
            request=request,
        )
    )
