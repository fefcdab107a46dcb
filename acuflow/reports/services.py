"""PDF reports of a course (WeasyPrint), in the patient's language: a progress report
for the patient, a letter to the GP or referrer, and a discharge summary. Every export is
written to the audit trail (action "export") in the same transaction."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from acuflow.assessment import catalogue
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.outcomes.charts import course_chart_svg
from acuflow.outcomes.selectors import course_outcomes

if TYPE_CHECKING:
    from acuflow.core.actor import Actor
    from acuflow.protocols.models import Course

KINDS = ("progress", "gp_letter", "discharge")


def _text(value: Any, language: str) -> str:
    return catalogue.text(value, language) if value else ""


def _consent_given(patient: Any, kind: str) -> bool | None:
    latest = patient.consents.filter(kind=kind).order_by("-recorded_at", "-id").first()
    return None if latest is None else latest.given


def report_context(course: Course, *, kind: str, language: str) -> dict[str, Any]:
    """What the report templates show; call inside translation.override(language)."""
    patient = course.patient
    clinic = patient.clinic
    assessment = course.assessment
    outcomes = course_outcomes(course, language=language)
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    today = timezone.now().astimezone(tz).date()
    sessions = outcomes["sessions"]
    practitioner = course.practitioner
    return {
        "kind": kind,
        "language": language,
        "today": today,
        "clinic": clinic,
        "patient": patient,
        "age": patient.age_on(today),
        "course": course,
        "protocol": course.protocol.label(language),
        "practitioner": practitioner,
        "practitioner_name": practitioner.user.full_name,
        "assessment": assessment,
        "condition": catalogue.condition_label(assessment.condition, language),
        "red_flags": [catalogue.red_flag_label(code, language) for code in assessment.red_flags],
        "outcomes": outcomes,
        "instruments": outcomes["instruments"],
        "sessions": [{**s, "started_at": s["started_at"].astimezone(tz)} for s in sessions],
        "first_session": sessions[0]["started_at"].astimezone(tz).date() if sessions else None,
        "last_session": sessions[-1]["started_at"].astimezone(tz).date() if sessions else None,
        "chart": mark_safe(course_chart_svg(course, language=language, outcomes=outcomes)),  # noqa: S308 - escaped by charts.py
        "expectations": _text(course.protocol.expectations, language),
        "home_care": _text(course.protocol.home_care, language),
        "reason": course.reason_text(language),
        "patient_text": course.patient_text(language),
        "red_flag_state": assessment.red_flag_state,
        "worse_pct": abs(course.change_pct) if course.change_pct is not None else None,
        "gp_consent": _consent_given(patient, "gp_letters"),
    }


def render_pdf(course: Course, *, kind: str) -> bytes:
    """The report as PDF bytes, in the patient's language."""
    from weasyprint import HTML  # inner-import: loads fonts and cairo; only PDF requests need it

    if kind not in KINDS:
        raise ValueError(f"unknown report {kind!r}")
    language = course.patient.language
    # The clinic's zone for |date (reports are made from the API and the portal too,
    # where no page has activated it); the sessions' times are already in it.
    zone = zoneinfo.ZoneInfo(course.patient.clinic.timezone)
    with translation.override(language), timezone.override(zone):
        html = render_to_string(
            f"reports/{kind}.html", report_context(course, kind=kind, language=language)
        )
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def report_export(*, actor: Actor, course: Course, kind: str) -> bytes:
    actor.require_clinical()
    pdf = render_pdf(course, kind=kind)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=Action.EXPORT,
            patient=course.patient,
            object_type=f"reports.{kind}",
            object_id=str(course.pk),
        )
    return pdf


def filename(course: Course, kind: str, day: dt.date | None = None) -> str:
    day = day or timezone.localdate()
    return f"{kind.replace('_', '-')}-{course.pk}-{day.isoformat()}.pdf"
