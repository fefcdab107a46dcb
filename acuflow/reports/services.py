"""PDF reports of a course (WeasyPrint): a progress report and a discharge summary in the
patient's language, and a letter to the GP or referrer in the GP's (the clinic's while the
GP's is not known). Every export is
written to the audit trail (action "export") in the same transaction.

Rendering a PDF costs about 1.5 s of CPU. The rendered PDF is kept in Django's cache
under a digest of the exact HTML that went into WeasyPrint (with the clinic, the course
and the kind in the key), so asking again for an unchanged report renders nothing, and
any change to what the report shows is a new key. Renders (not cached answers) are
limited per user (`RENDERS`): 429 `rate_limited` with Retry-After beyond it. Access is
checked by the caller before the cache is read."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import zoneinfo
from typing import TYPE_CHECKING, Any

from django.core.cache import caches
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from acuflow.assessment import catalogue
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core import throttle
from acuflow.core.errors import DomainError
from acuflow.outcomes.charts import course_chart_svg
from acuflow.outcomes.selectors import course_outcomes

if TYPE_CHECKING:
    from acuflow.core.actor import Actor
    from acuflow.protocols.models import Course

KINDS = ("progress", "gp_letter", "discharge")
# PDF renders per user (or portal patient) and minute; an answer from the cache is free.
RENDERS = throttle.Rate("report-pdf-render", 6, dt.timedelta(minutes=1))
CACHE_SECONDS = 24 * 3600  # the report shows today's date: a day is its longest life


def _text(value: Any, language: str) -> str:
    return catalogue.text(value, language) if value else ""


def _gp(patient: Any) -> Any:
    # The patient's GP record, on installations that keep one (the patients app's `gp`).
    return getattr(patient, "gp", None)


def report_language(course: Course, kind: str) -> str:
    """A letter is read by the GP: the GP's language when the record has one, else the
    clinic's (never the patient's: a Dutch GP got a Spanish letter). The patient's own
    reports are in the patient's language."""
    patient = course.patient
    if kind == "gp_letter":
        return getattr(_gp(patient), "language", "") or patient.clinic.language
    return str(patient.language)


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
        "gp": _gp(patient),
    }


def render_html(course: Course, *, kind: str) -> str:
    """The report's HTML, in its reader's language (`report_language`): what WeasyPrint
    turns into the PDF."""
    if kind not in KINDS:
        raise ValueError(f"unknown report {kind!r}")
    language = report_language(course, kind)
    # The clinic's zone for |date (reports are made from the API and the portal too,
    # where no page has activated it); the sessions' times are already in it.
    zone = zoneinfo.ZoneInfo(course.patient.clinic.timezone)
    with translation.override(language), timezone.override(zone):
        return render_to_string(
            f"reports/{kind}.html", report_context(course, kind=kind, language=language)
        )


def write_pdf(html: str) -> bytes:
    """WeasyPrint: the ~1.5 s of CPU that the cache saves."""
    from weasyprint import HTML  # inner-import: loads fonts and cairo; only PDF requests need it

    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def render_pdf(course: Course, *, kind: str) -> bytes:
    """The report as PDF bytes, rendered now (no cache, no limit)."""
    return write_pdf(render_html(course, kind=kind))


def cache_key(course: Course, kind: str, html: str) -> str:
    digest = hashlib.sha256(html.encode()).hexdigest()
    return f"reports:pdf:{course.patient.clinic_id}:{course.pk}:{kind}:{digest}"


def report_pdf(course: Course, *, kind: str, subject: str) -> bytes:
    """The report as PDF bytes: from the cache when the same HTML was rendered before,
    else rendered, within `RENDERS` per `subject` (DomainError `rate_limited`, with the
    seconds to wait). The caller has checked access to `course`."""
    html = render_html(course, kind=kind)
    key = cache_key(course, kind, html)
    store = caches["default"]
    cached = store.get(key)
    if isinstance(cached, bytes):
        return cached
    if not throttle.attempt(RENDERS, subject).allowed:
        raise DomainError(
            "rate_limited",
            _("Too many reports at once. Try again in a minute."),
            retry_after=math.ceil(RENDERS.window.total_seconds()),
        )
    pdf = write_pdf(html)
    store.set(key, pdf, timeout=CACHE_SECONDS)
    return pdf


def report_export(*, actor: Actor, course: Course, kind: str) -> bytes:
    actor.require_clinical()
    pdf = report_pdf(course, kind=kind, subject=f"user:{actor.user.pk if actor.user else 0}")
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
