"""The referral letter for the GP: HTML rendered in the clinic's language, printed to
PDF by WeasyPrint. Producing it is audited as an export of the record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from acuflow.assessment import catalogue
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record

if TYPE_CHECKING:
    from acuflow.assessment.models import Referral
    from acuflow.core.actor import Actor


def referral_letter_context(referral: Referral) -> dict[str, Any]:
    assessment = referral.assessment
    lang = assessment.patient.clinic.language
    flags = []
    for code in referral.red_flags or assessment.red_flags:
        flag = catalogue.red_flag(code)
        flags.append(
            {
                "label": catalogue.red_flag_label(code, lang),
                "refer": catalogue.text(flag.get("refer", {}), lang),
                "questions": [catalogue.text(q["staff"], lang) for q in flag.get("questions", [])],
            }
        )
    return {
        "referral": referral,
        "assessment": assessment,
        "patient": assessment.patient,
        "clinic": assessment.patient.clinic,
        "practitioner": assessment.practitioner,
        "author": referral.author,
        "condition": catalogue.condition_label(assessment.condition, lang),
        "flags": flags,
        "factors": [
            catalogue.code_label("contributing_factors", c, lang)
            for c in assessment.contributing_factors
        ],
    }


def referral_letter_pdf(referral: Referral) -> bytes:
    from weasyprint import HTML

    with translation.override(referral.assessment.patient.clinic.language):
        html = render_to_string(
            "assessment/referral_letter.html", referral_letter_context(referral)
        )
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def referral_letter_response(*, actor: Actor, referral: Referral) -> HttpResponse:
    pdf = referral_letter_pdf(referral)
    with transaction.atomic():
        audit_record(
            actor=actor, action=Action.EXPORT, patient=referral.assessment.patient, obj=referral
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="referral-{referral.pk}.pdf"'
    return response
