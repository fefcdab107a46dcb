"""Parts of the portal home page that come from other apps (the portal sits above them
all in the layers, see docs/architecture.md): appointments, questionnaires due, the
progress chart, home care and reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core import signing
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from acuflow.charting.selectors import home_care_for_patient
from acuflow.outcomes import catalog, links
from acuflow.outcomes.charts import course_chart_svg
from acuflow.outcomes.models import ResponseLink
from acuflow.patients.models import Patient
from acuflow.portal.actor import PatientActor
from acuflow.protocols.models import Course
from acuflow.scheduling import rules as scheduling_rules
from acuflow.scheduling import selectors as scheduling_selectors
from acuflow.scheduling.models import Appointment, Status

Part = Callable[[HttpRequest, PatientActor, Patient], str]


def _render(request: HttpRequest, name: str, context: dict[str, Any]) -> str:
    return render_to_string(f"portal/_{name}.html", context, request=request)


# -- appointments (scheduling) ----------------------------------------------------------
def upcoming_appointments(patient: Patient, *, now: dt.datetime | None = None) -> list[Any]:
    return list(
        Appointment.objects.filter(
            patient=patient, status=Status.BOOKED, start__gte=now or timezone.now()
        )
        .select_related("practitioner__user", "type", "location")
        .order_by("start")[:20]
    )


def late_cancel_hours(patient: Patient) -> int:
    return int(scheduling_selectors.schedule_settings(patient.clinic).late_cancel_hours)


def may_change(
    patient: Patient, appointment: Any, *, hours: int | None = None, now: dt.datetime | None = None
) -> bool:
    """Inside the clinic's policy: not within its late-cancellation window."""
    hours = late_cancel_hours(patient) if hours is None else hours
    return not scheduling_rules.is_late_cancel(
        start=appointment.start, now=now or timezone.now(), hours=hours
    )


def appointments_part(request: HttpRequest, actor: PatientActor, patient: Patient) -> str:
    rows = upcoming_appointments(patient)
    hours = late_cancel_hours(patient)
    items = [{"appointment": a, "changeable": may_change(patient, a, hours=hours)} for a in rows]
    return _render(request, "appointments", {"items": items, "late_hours": hours})


# -- questionnaires due (outcomes) --------------------------------------------------------
def open_questionnaires(patient: Patient) -> list[dict[str, Any]]:
    language = translation.get_language() or patient.language
    rows = ResponseLink.objects.filter(
        patient=patient, used_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("expires_at")[:10]
    found = []
    for link in rows:
        # The same signed token the outcomes app mails (link id and nonce); its one-time
        # use and expiry stay in the outcomes app's hands.
        token = signing.dumps({"l": link.pk, "n": link.nonce}, salt=links.SALT)
        with translation.override(language):
            url = reverse("outcomes_public:fill", kwargs={"token": token})
        name = catalog.localized(catalog.get(link.instrument), language, None)["name"]
        found.append({"name": name, "url": url, "expires_at": link.expires_at})
    return found


def questionnaires_part(request: HttpRequest, actor: PatientActor, patient: Patient) -> str:
    return _render(request, "questionnaires", {"questionnaires": open_questionnaires(patient)})


# -- progress chart (protocols + outcomes) -------------------------------------------------
def patient_courses(patient: Patient) -> list[Any]:
    return list(
        Course.objects.filter(patient=patient)
        .select_related("protocol")
        .order_by("-start_date")[:5]
    )


def progress_part(request: HttpRequest, actor: PatientActor, patient: Patient) -> str:
    language = translation.get_language() or patient.language
    courses = patient_courses(patient)
    if not courses:
        return ""
    course = courses[0]
    chart = mark_safe(course_chart_svg(course, language=language))  # noqa: S308 - our SVG, escaped text
    return _render(
        request,
        "progress",
        {"course": course, "course_label": course.protocol.label(language), "chart": chart},
    )


# -- home care (charting) -----------------------------------------------------------------
def home_care_part(request: HttpRequest, actor: PatientActor, patient: Patient) -> str:
    return _render(request, "home_care", {"items": home_care_for_patient(patient)})


# -- reports (reports + protocols) -------------------------------------------------------
def reports_part(request: HttpRequest, actor: PatientActor, patient: Patient) -> str:
    language = translation.get_language() or patient.language
    courses = [{"course": c, "label": c.protocol.label(language)} for c in patient_courses(patient)]
    return _render(request, "reports", {"courses": courses})


PARTS: list[Part] = [
    appointments_part,
    questionnaires_part,
    progress_part,
    home_care_part,
    reports_part,
]


def home_sections(request: HttpRequest, actor: PatientActor, patient: Patient) -> list[SafeString]:
    rendered = []
    for part in PARTS:
        html = part(request, actor, patient)
        if html.strip():
            rendered.append(mark_safe(html))  # noqa: S308 - rendered templates
    return rendered
