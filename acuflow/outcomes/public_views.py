"""The page a patient reaches through a one-time questionnaire link, in the language of
the URL prefix (the link is made with the patient's language)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache

from acuflow.accounts.middleware import activate_clinic_zone
from acuflow.core.actor import client_address
from acuflow.outcomes import catalog, links, selectors
from acuflow.outcomes.forms import annotate, answers_from_post
from acuflow.outcomes.scoring import AnswerError


@never_cache
def fill(request: HttpRequest, token: str) -> HttpResponse:
    language = translation.get_language() or "en"
    try:
        link = links.link_from_token(token)
    except links.LinkInvalid as exc:
        status = 410 if exc.reason in {"used", "expired"} else 404
        return render(request, "outcomes/public_gone.html", {"reason": exc.reason}, status=status)
    activate_clinic_zone(link.patient.clinic)  # "works until ..." in the clinic's zone
    definition = catalog.get(link.instrument)
    text = None
    if not definition["text_shipped"]:
        text = links.clinic_text(link.patient, link.instrument, language) or links.clinic_text(
            link.patient, link.instrument, link.patient.language
        )
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            links.link_submit(
                token=token,
                answers=answers_from_post(definition, request.POST),
                language=language,
                client_address=client_address(request),
                path=request.path,
            )
        except links.LinkInvalid as exc:
            return render(request, "outcomes/public_gone.html", {"reason": exc.reason}, status=410)
        except AnswerError as exc:
            errors = exc.fields
        else:
            return render(request, "outcomes/public_thanks.html", {"clinic": link.patient.clinic})
    activities = (
        selectors.psfs_activities(patient=link.patient, course=link.course)
        if link.instrument == "psfs"
        else []
    )
    return render(
        request,
        "outcomes/public_fill.html",
        {
            "instrument": annotate(
                catalog.localized(definition, language, text),
                errors,
                request.POST if errors else None,
                activities,
            ),
            "clinic": link.patient.clinic,
            "expires_at": link.expires_at,
        },
        status=422 if errors else 200,
    )
