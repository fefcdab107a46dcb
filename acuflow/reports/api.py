from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from acuflow.accounts.api_auth import api_actor
from acuflow.core.api.schemas import ErrorOut
from acuflow.outcomes.selectors import course_get_for_actor
from acuflow.reports import services

router = Router(tags=["reports"])


def _pdf(request: HttpRequest, course_id: int, kind: str) -> HttpResponse:
    """An unchanged report comes from the cache; renders are limited per user (429
    `rate_limited` with Retry-After)."""
    actor = api_actor(request)
    course = course_get_for_actor(actor=actor, course_id=course_id, audit=None)
    pdf = services.report_export(actor=actor, course=course, kind=kind)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{services.filename(course, kind)}"'
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/courses/{course_id}/reports/progress.pdf",
    summary="Progress report for the patient (PDF, patient's language)",
    response={200: None, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut},
)
def progress_pdf(request: HttpRequest, course_id: int) -> HttpResponse:
    return _pdf(request, course_id, "progress")


@router.get(
    "/courses/{course_id}/reports/gp-letter.pdf",
    summary="Letter to the GP or referrer (PDF, patient's language)",
    response={200: None, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut},
)
def gp_letter_pdf(request: HttpRequest, course_id: int) -> HttpResponse:
    return _pdf(request, course_id, "gp_letter")


@router.get(
    "/courses/{course_id}/reports/discharge.pdf",
    summary="Discharge summary (PDF, patient's language)",
    response={200: None, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut},
)
def discharge_pdf(request: HttpRequest, course_id: int) -> HttpResponse:
    return _pdf(request, course_id, "discharge")
