from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from acuflow.accounts.decorators import staff_view
from acuflow.accounts.middleware import activate_clinic_zone
from acuflow.accounts.models import Clinic, Modality
from acuflow.core import throttle
from acuflow.core.actor import client_address
from acuflow.info.selectors import article_for_public
from acuflow.info.views import render_article
from acuflow.public import rules, selectors, services
from acuflow.public.forms import ContactForm


def booking_url(clinic: Clinic, language: str) -> str:
    """The online booking page of the scheduling app, when that app serves one."""
    url = f"/{language}/book/{clinic.slug}/"
    try:
        resolve(url)
    except Resolver404:
        return ""
    return url


def clinic_page(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = selectors.clinic_for_public(slug=clinic_slug)
    activate_clinic_zone(clinic)  # "valid until" is judged on the clinic's date
    language = translation.get_language()
    form = ContactForm(request.POST or None)
    status = 200
    if request.method == "POST":
        address = client_address(request)
        if not form.is_valid():
            status = 400
        elif not form.is_robot and not throttle.attempt(rules.CONTACT, address).allowed:
            form.add_error(
                None,
                _(
                    "Too many messages from your connection. Please call us or try again in an hour."
                ),
            )
            status = 429
        else:
            if not form.is_robot:
                services.contact_message_receive(
                    clinic=clinic,
                    language=language,
                    client_address=address,
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    phone=form.cleaned_data["phone"],
                    message=form.cleaned_data["message"],
                )
            messages.success(
                request, _("Thank you. Your message has reached the clinic; we will answer soon.")
            )
            return redirect(request.path + "#contact")
    practitioners = selectors.practitioners_for_public(clinic=clinic)
    offered = rules.treatments_offered([p.modalities for p in practitioners], list(Modality.values))
    treatments = [
        {"label": Modality(m).label, "article": rules.MODALITY_ARTICLES.get(m, "")} for m in offered
    ]
    profile = selectors.profile_of(clinic)
    intro, intro_language = profile.intro_in(language) if profile else ("", language)
    context = {
        "public_clinic": clinic,
        "profile": profile,
        "intro": intro,
        "intro_language": intro_language,
        "practitioners": practitioners,
        "treatments": treatments,
        "hours": selectors.opening_hours_for_public(clinic=clinic),
        "booking_url": booking_url(clinic, language),
        "form": form,
        "today": timezone.localdate(),
    }
    return render(request, "public/clinic.html", context, status=status)


def clinic_article(request: HttpRequest, clinic_slug: str, slug: str) -> HttpResponse:
    clinic = selectors.clinic_for_public(slug=clinic_slug)
    activate_clinic_zone(clinic)
    article = article_for_public(slug=slug, language=translation.get_language(), clinic=clinic)
    return render_article(request, article, clinic=clinic)


# -- staff inbox (/inbox/) ------------------------------------------------------------
@staff_view()
def inbox(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    rows = list(selectors.inbox_for_actor(actor=actor)[:200])
    return render(request, "public/inbox.html", {"rows": rows})


@staff_view()
def inbox_handled(request: HttpRequest, message_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    # Access first, so another clinic's id answers 404 whatever the method.
    message = selectors.message_get_for_actor(actor=actor, message_id=message_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.contact_message_mark_handled(actor=actor, message=message)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "public/_inbox_row.html", {"row": message})
    messages.success(request, _("Marked as answered."))
    return redirect("public_staff:inbox")
